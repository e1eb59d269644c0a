// Files on the volume the loader itself was loaded from (normally the EFI
// system partition), through the Simple File System protocol (UEFI 2.10 §13.4).
// Paths are ASCII, absolute from the volume's root, with `\` or `/`.
#pragma once

#include "boot/efi/efi.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::efi {

// An ASCII path on the volume, always starting with `\` and using `\` only.
struct VolumePath {
    static constexpr size_t k_max = 512;
    char text[k_max];
    bool valid; // false: it did not fit

    StringView view() const { return StringView(text); }
    // The directory part of `file` ("\EFI\BOOT" for "\EFI\BOOT\BOOTX64.EFI").
    static VolumePath directory_of(StringView file);
    // `name` if it is absolute (starts with a separator), else `dir\name`.
    static VolumePath resolve(StringView dir, StringView name);
};

class Volume {
public:
    // The volume and the loader's own path on it, from its loaded-image protocol.
    EFI_STATUS open(EFI_HANDLE image, EFI_BOOT_SERVICES* bs);
    const VolumePath& loader_path() const { return own_path; }

    class File {
    public:
        ~File();
        EFI_STATUS size(uint64_t& bytes);
        // Reads `bytes` bytes from `offset` into `dst`; a short file is an error.
        EFI_STATUS read(uint64_t offset, void* dst, uint64_t bytes);

    private:
        friend class Volume;
        EFI_FILE_HANDLE handle = nullptr;
    };

    EFI_STATUS open_file(const VolumePath& path, File& file);

private:
    EFI_FILE_HANDLE root = nullptr;
    VolumePath own_path{};
};

} // namespace pv::efi
