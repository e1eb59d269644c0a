// The firmware's memory map (UEFI 2.10 §7.2, GetMemoryMap) as multiboot2
// memory-map entries with e820 types, for after ExitBootServices.
//
// Pure code: the descriptors are read as bytes with the firmware's
// descriptor size, so the host tests can feed it synthetic maps.
#pragma once

#include "boot/multiboot/multiboot2.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::efi {

// EFI_MEMORY_TYPE (UEFI 2.10 Table 7.6).
enum class EfiMemoryType : uint32_t {
    reserved = 0,
    loader_code = 1,
    loader_data = 2,
    boot_services_code = 3,
    boot_services_data = 4,
    runtime_services_code = 5,
    runtime_services_data = 6,
    conventional = 7,
    unusable = 8,
    acpi_reclaim = 9,
    acpi_nvs = 10,
    mmio = 11,
    mmio_port_space = 12,
    pal_code = 13,
    persistent = 14,
    unaccepted = 15,
};

// The start of EFI_MEMORY_DESCRIPTOR; firmware may make each one longer
// (descriptor_size), so they are never indexed as an array of this.
struct EfiMemoryDescriptor {
    uint32_t type;
    uint32_t pad;
    uint64_t physical_start;
    uint64_t virtual_start;
    uint64_t number_of_pages; // 4 KiB pages
    uint64_t attribute;
};
static_assert(sizeof(EfiMemoryDescriptor) == 40);

// e820 numbering, as multiboot2 memory maps use it.
enum E820Type : uint32_t {
    k_e820_usable = 1,
    k_e820_reserved = 2,
    k_e820_acpi_reclaimable = 3,
    k_e820_acpi_nvs = 4,
    k_e820_bad = 5,
};

// What a range of the given EFI type is once boot services have exited:
// loader and boot-services memory become free RAM like conventional memory;
// runtime services, MMIO and anything unknown stay reserved.
uint32_t e820_type_of(uint32_t efi_type);

struct ConvertedMap {
    size_t count;   // entries written
    bool truncated; // more ranges than `capacity`: the rest were dropped
};

// Converts `map_size` bytes of descriptors, `descriptor_size` apart, into at
// most `capacity` entries, merging neighbours that touch and have the same
// e820 type. A descriptor_size below 40 converts nothing.
ConvertedMap convert_memory_map(const uint8_t* map, size_t map_size, size_t descriptor_size,
                                mb2::MmapEntry* out, size_t capacity);

} // namespace pv::efi
