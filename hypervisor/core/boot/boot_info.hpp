// BootInfo: what every boot path (multiboot1, multiboot2, the EFI loader)
// hands to the hypervisor, in one loader-independent shape. Everything is
// copied into fixed-size storage so that the loader's structures can be
// reclaimed once parsing is done.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pv {

enum class MemoryType : uint32_t {
    usable = 1,          // RAM the hypervisor may allocate
    reserved = 2,        // firmware, MMIO, anything unknown
    acpi_reclaimable = 3,
    acpi_nvs = 4,
    bad = 5,
};

struct MemoryRange {
    uint64_t base;
    uint64_t length;
    MemoryType type;
};

struct BootModule {
    uint64_t start; // physical address of the first byte
    uint64_t end;   // physical address one past the last byte
    char cmdline[256];
};

enum class BootProtocol : uint32_t { multiboot1, multiboot2, efi };

struct BootInfo {
    static constexpr size_t k_max_memory_ranges = 128;
    static constexpr size_t k_max_modules = 16;
    static constexpr size_t k_max_cmdline = 1024;

    BootProtocol protocol = BootProtocol::multiboot1;
    char loader_name[64] = {};
    char cmdline[k_max_cmdline] = {};

    MemoryRange memory[k_max_memory_ranges] = {};
    size_t memory_count = 0;
    bool memory_truncated = false; // more ranges than fit: the rest are ignored

    BootModule modules[k_max_modules] = {};
    size_t module_count = 0;
    bool modules_truncated = false;

    // ACPI Root System Description Pointer: the loader's copy when it gave us
    // one (multiboot2 tags 14/15, EFI configuration table), else found later
    // by scanning the BIOS areas.
    uint8_t rsdp[36] = {};
    size_t rsdp_length = 0; // 0 = none given
    uint64_t efi_system_table = 0; // physical address, 0 = not booted by EFI
};

} // namespace pv
