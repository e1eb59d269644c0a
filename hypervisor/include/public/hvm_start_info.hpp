// hvm_start_info: what a PVH kernel finds at the physical address in EBX
// when entered at its PHYS32_ENTRY point (32-bit protected mode, paging
// off). Layout of Xen's arch-x86/hvm/start_info.h, in our words.
//
// All addresses are guest-physical; 0 means "absent" (nothing is placed at
// address 0). Xen keeps all of it below 4 GiB.
#ifndef PARAVANE_PUBLIC_HVM_START_INFO_HPP
#define PARAVANE_PUBLIC_HVM_START_INFO_HPP

#include "types.hpp"

namespace pv::abi {

// "xEn3" with the top bit of the 'E' set.
inline constexpr uint32_t k_hvm_start_magic = 0x336ec578;

// Version 0 ends after rsdp_paddr; version 1 adds the memory map.
inline constexpr uint32_t k_hvm_start_info_version = 1;
inline constexpr uint32_t k_hvm_start_info_v0_size = 40;

struct HvmStartInfo {
    uint32_t magic;         // k_hvm_start_magic
    uint32_t version;       // layout version, backwards compatible
    uint32_t flags;         // k_sif_* (start_info.hpp)
    uint32_t nr_modules;    // entries at modlist_paddr
    uint64_t modlist_paddr; // HvmModlistEntry[nr_modules]
    uint64_t cmdline_paddr; // NUL-terminated command line
    uint64_t rsdp_paddr;    // ACPI RSDP
    // Version 1 and later:
    uint64_t memmap_paddr;   // HvmMemmapTableEntry[memmap_entries]
    uint32_t memmap_entries; // 0: no map provided
    uint32_t reserved;       // zero
};
static_assert(sizeof(HvmStartInfo) == 56);
static_assert(offsetof(HvmStartInfo, magic) == 0);
static_assert(offsetof(HvmStartInfo, version) == 4);
static_assert(offsetof(HvmStartInfo, flags) == 8);
static_assert(offsetof(HvmStartInfo, nr_modules) == 12);
static_assert(offsetof(HvmStartInfo, modlist_paddr) == 16);
static_assert(offsetof(HvmStartInfo, cmdline_paddr) == 24);
static_assert(offsetof(HvmStartInfo, rsdp_paddr) == 32);
static_assert(offsetof(HvmStartInfo, memmap_paddr) == k_hvm_start_info_v0_size);
static_assert(offsetof(HvmStartInfo, memmap_entries) == 48);
static_assert(offsetof(HvmStartInfo, reserved) == 52);

struct HvmModlistEntry {
    uint64_t paddr;         // module start
    uint64_t size;          // bytes
    uint64_t cmdline_paddr; // the module's command line, or 0
    uint64_t reserved;
};
static_assert(sizeof(HvmModlistEntry) == 32);
static_assert(offsetof(HvmModlistEntry, paddr) == 0);
static_assert(offsetof(HvmModlistEntry, size) == 8);
static_assert(offsetof(HvmModlistEntry, cmdline_paddr) == 16);
static_assert(offsetof(HvmModlistEntry, reserved) == 24);

// Memory-map entry types: the ACPI address range types.
enum class HvmMemmapType : uint32_t {
    ram = 1,
    reserved = 2,
    acpi = 3,
    nvs = 4,
    unusable = 5,
    disabled = 6,
    pmem = 7,
};

struct HvmMemmapTableEntry {
    uint64_t addr;
    uint64_t size;     // bytes
    uint32_t type;     // HvmMemmapType
    uint32_t reserved; // zero
};
static_assert(sizeof(HvmMemmapTableEntry) == 24);
static_assert(offsetof(HvmMemmapTableEntry, addr) == 0);
static_assert(offsetof(HvmMemmapTableEntry, size) == 8);
static_assert(offsetof(HvmMemmapTableEntry, type) == 16);
static_assert(offsetof(HvmMemmapTableEntry, reserved) == 20);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_HVM_START_INFO_HPP
