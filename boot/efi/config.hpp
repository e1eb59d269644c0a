// paravane.cfg: what the EFI loader boots. A small text file beside the
// hypervisor on the EFI system partition, one item per line:
//
//   # comment
//   hypervisor paravane console=com1 loglvl=info
//   module minios-dom0 dom0
//   module boot-check.module boot-check module-arg=1
//
// The first word is `hypervisor` (exactly one line) or `module` (any number,
// in boot order: module 0 is Dom0's kernel). The second is the file, relative
// to the configuration file's directory unless it starts with `\` or `/`
// (either separator works). The rest of the line, without surrounding blanks,
// is that item's command line, passed on as the multiboot2 command line or
// module string. Blank lines and lines starting with `#` are ignored; lines may
// end with LF or CR LF. File names cannot contain blanks.
//
// Pure code: no firmware calls, so the host unit tests exercise it as is.
#pragma once

#include "core/boot/boot_info.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::efi {

struct ConfigItem {
    static constexpr size_t k_max_path = 256;
    char path[k_max_path];
    char cmdline[BootInfo::k_max_cmdline];
    unsigned line; // where it was written, for messages
};

struct LoaderConfig {
    static constexpr size_t k_max_modules = BootInfo::k_max_modules;
    static constexpr size_t k_max_module_cmdline = sizeof(BootModule::cmdline);
    static constexpr size_t k_max_size = 64 * 1024; // bytes of text we read

    ConfigItem hypervisor;
    bool has_hypervisor;
    ConfigItem modules[k_max_modules];
    size_t module_count;
};

struct ConfigError {
    unsigned line; // 0: about the file as a whole
    char message[160];
};

// Parses `text` into `out` (reset first). On the first mistake returns false
// with `error` saying where and what; `out` is then unspecified.
bool parse_config(StringView text, LoaderConfig& out, ConfigError& error);

} // namespace pv::efi
