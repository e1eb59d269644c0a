// Loader command lines as Xen reads them: multiboot loaders other than
// GRUB 2 (QEMU's -kernel, GRUB legacy) put the image's own path first on
// the hypervisor's and every module's command line; GRUB 2 does not.
#pragma once

#include "core/boot/boot_info.hpp"
#include "lib/string_view.hpp"

namespace pv {

inline bool loader_passes_image_name(const BootInfo& boot) {
    if (boot.protocol != BootProtocol::multiboot1) return false;
    return !StringView(boot.loader_name).starts_with("GRUB 2");
}

// `text` without leading spaces and, when the loader adds one, the image name.
inline StringView cook_cmdline(const BootInfo& boot, StringView text) {
    size_t i = 0;
    while (i < text.size() && text[i] == ' ') ++i;
    if (loader_passes_image_name(boot)) {
        while (i < text.size() && text[i] != ' ') ++i;
        while (i < text.size() && text[i] == ' ') ++i;
    }
    return text.substr(i);
}

} // namespace pv
