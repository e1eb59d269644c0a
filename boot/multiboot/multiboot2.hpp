// Multiboot2 boot information (Multiboot2 Specification 2.0, §3.6): the
// layouts we read and the parser that copies them into BootInfo.
#pragma once

#include "boot/multiboot/phys_reader.hpp"
#include "core/boot/boot_info.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv {

namespace mb2 {

enum TagType : uint32_t {
    k_tag_end = 0,
    k_tag_cmdline = 1,
    k_tag_loader_name = 2,
    k_tag_module = 3,
    k_tag_basic_meminfo = 4,
    k_tag_bootdev = 5,
    k_tag_mmap = 6,
    k_tag_efi32 = 11,
    k_tag_efi64 = 12,
    k_tag_acpi_old = 14,
    k_tag_acpi_new = 15,
};

struct InfoHeader {
    uint32_t total_size; // including this header and the end tag
    uint32_t reserved;
};
static_assert(sizeof(InfoHeader) == 8);

// Every tag starts with this; `size` includes it but not the padding that
// puts the next tag on an 8-byte boundary.
struct TagHeader {
    uint32_t type;
    uint32_t size;
};
static_assert(sizeof(TagHeader) == 8);

struct ModuleTag { // followed by the NUL-terminated module string
    TagHeader header;
    uint32_t mod_start;
    uint32_t mod_end;
};
static_assert(sizeof(ModuleTag) == 16);

struct BasicMeminfoTag {
    TagHeader header;
    uint32_t mem_lower; // KiB from 0
    uint32_t mem_upper; // KiB from 1 MiB
};
static_assert(sizeof(BasicMeminfoTag) == 16);

struct MmapTag { // followed by entries of entry_size bytes each
    TagHeader header;
    uint32_t entry_size;
    uint32_t entry_version;
};
static_assert(sizeof(MmapTag) == 16);

struct MmapEntry {
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;
    uint32_t reserved;
};
static_assert(sizeof(MmapEntry) == 24);

struct Efi64Tag {
    TagHeader header;
    uint64_t pointer;
};
static_assert(sizeof(Efi64Tag) == 16);

constexpr size_t k_rsdp_v1_size = 20; // ACPI 1.0 RSDP
constexpr size_t k_rsdp_v2_size = 36; // ACPI 2.0+ RSDP (XSDT address, extended checksum)

// Bounds against a hostile or broken loader.
constexpr uint32_t k_max_total_size = 1u << 20;

} // namespace mb2

// Parses the Multiboot2 information at `info_phys` into `out` (which is
// reset first; protocol = multiboot2). Walks the 8-byte-aligned tags up to the
// end tag, checking every size against total_size. Tags used: 1 cmdline,
// 2 loader name, 3 modules (with strings), 6 memory map (falling back to
// 4 basic meminfo), 14/15 ACPI RSDP copy (15 preferred), 12 EFI64 system
// table. Others are skipped. Too many modules or ranges: the first ones are
// kept and *_truncated set. The memory map is stored as the loader gave it
// (see sanitize_memory_map).
// Errors: EFAULT when a structure is unreadable, EINVAL when it is malformed
// or gives no memory information; `*reason` (if non-null) then points to a
// short static description, and `out` holds whatever was parsed so far.
Status parse_multiboot2(PhysReader& mem, uint64_t info_phys, BootInfo& out, const char** reason = nullptr);

} // namespace pv
