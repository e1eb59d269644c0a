// EFI memory map → multiboot2 memory map (see efi_memory_map.hpp).
#include "boot/efi/efi_memory_map.hpp"

namespace pv::efi {

uint32_t e820_type_of(uint32_t efi_type) {
    switch (static_cast<EfiMemoryType>(efi_type)) {
    case EfiMemoryType::loader_code:
    case EfiMemoryType::loader_data:
    case EfiMemoryType::boot_services_code:
    case EfiMemoryType::boot_services_data:
    case EfiMemoryType::conventional:
        return k_e820_usable;
    case EfiMemoryType::acpi_reclaim:
        return k_e820_acpi_reclaimable;
    case EfiMemoryType::acpi_nvs:
        return k_e820_acpi_nvs;
    case EfiMemoryType::unusable:
        return k_e820_bad; // RAM with errors
    default:
        return k_e820_reserved;
    }
}

ConvertedMap convert_memory_map(const uint8_t* map, size_t map_size, size_t descriptor_size,
                                mb2::MmapEntry* out, size_t capacity) {
    ConvertedMap result{0, false};
    if (descriptor_size < sizeof(EfiMemoryDescriptor)) return result;
    for (size_t at = 0; at + sizeof(EfiMemoryDescriptor) <= map_size; at += descriptor_size) {
        EfiMemoryDescriptor d;
        auto* dst = reinterpret_cast<uint8_t*>(&d);
        for (size_t i = 0; i < sizeof d; ++i)
            dst[i] = map[at + i];
        if (d.number_of_pages == 0) continue;
        const uint64_t length = d.number_of_pages * 4096;
        const uint32_t type = e820_type_of(d.type);
        if (result.count > 0) {
            mb2::MmapEntry& last = out[result.count - 1];
            if (last.type == type && last.base_addr + last.length == d.physical_start) {
                last.length += length;
                continue;
            }
        }
        if (result.count == capacity) {
            result.truncated = true;
            continue;
        }
        out[result.count++] = {d.physical_start, length, type, 0};
    }
    return result;
}

} // namespace pv::efi
