// Multiboot 1 boot information (Multiboot Specification 0.6.96, §3.3):
// the layouts we read and the parser that copies them into BootInfo.
#pragma once

#include "boot/multiboot/phys_reader.hpp"
#include "core/boot/boot_info.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv {

namespace mb1 {

// Bits of Multiboot1Info::flags that say which fields are valid.
enum InfoFlag : uint32_t {
    k_info_memory = 1u << 0,      // mem_lower, mem_upper
    k_info_cmdline = 1u << 2,     // cmdline
    k_info_modules = 1u << 3,     // mods_count, mods_addr
    k_info_memory_map = 1u << 6,  // mmap_length, mmap_addr
    k_info_loader_name = 1u << 9, // boot_loader_name
};

// The fixed part of the information structure up to the fields we use
// (the drive, APM, VBE and framebuffer fields that follow are ignored).
struct Info {
    uint32_t flags;
    uint32_t mem_lower; // KiB from 0
    uint32_t mem_upper; // KiB from 1 MiB
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
    uint32_t drives_length;
    uint32_t drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
};
static_assert(sizeof(Info) == 68);
static_assert(offsetof(Info, cmdline) == 16);
static_assert(offsetof(Info, mods_addr) == 24);
static_assert(offsetof(Info, mmap_length) == 44);
static_assert(offsetof(Info, mmap_addr) == 48);
static_assert(offsetof(Info, boot_loader_name) == 64);

struct Module {
    uint32_t mod_start;
    uint32_t mod_end; // one past the last byte
    uint32_t string;
    uint32_t reserved;
};
static_assert(sizeof(Module) == 16);

// One memory map entry. `size` counts the bytes after itself (>= 20); the
// next entry starts size + 4 bytes further on.
struct [[gnu::packed]] MmapEntry {
    uint32_t size;
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;
};
static_assert(sizeof(MmapEntry) == 24);
static_assert(offsetof(MmapEntry, base_addr) == 4);
static_assert(offsetof(MmapEntry, type) == 20);

// Bounds against a hostile or broken loader.
constexpr uint32_t k_max_mmap_length = 1u << 20;

} // namespace mb1

// Parses the Multiboot 1 information at `info_phys` into `out` (which is
// reset first; protocol = multiboot1). Uses the flags: cmdline (bit 2),
// modules with their strings (bit 3), memory map (bit 6, falling back to
// mem_lower/mem_upper of bit 0), boot loader name (bit 9). Too many modules
// or ranges: the first ones are kept and *_truncated set. The memory map is
// stored as the loader gave it (see sanitize_memory_map).
// Errors: EFAULT when a structure is unreadable, EINVAL when it is malformed
// or gives no memory information; `*reason` (if non-null) then points to a
// short static description, and `out` holds whatever was parsed so far.
Status parse_multiboot1(PhysReader& mem, uint32_t info_phys, BootInfo& out, const char** reason = nullptr);

} // namespace pv
