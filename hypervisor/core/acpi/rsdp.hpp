// The Root System Description Pointer: where ACPI starts (ACPI 6.5 §5.2.5).
// A loader may hand us a copy (multiboot2 tags 14/15, the EFI configuration
// table); on a legacy BIOS machine we find it by scanning low memory.
#pragma once

#include "boot/multiboot/phys_reader.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::acpi {

// The structure's layout (ACPI 6.5 §5.2.5.3). ACPI 1.0 defines the first 20
// bytes; revision 2 and later add the rest.
struct [[gnu::packed]] RsdpLayout {
    char signature[8]; // "RSD PTR "
    uint8_t checksum;  // over the first 20 bytes
    char oem_id[6];
    uint8_t revision; // 0 = ACPI 1.0, 2 = ACPI 2.0 and later
    uint32_t rsdt_address;
    // Revision >= 2 only:
    uint32_t length; // of the whole structure
    uint64_t xsdt_address;
    uint8_t extended_checksum; // over `length` bytes
    uint8_t reserved[3];
};
static_assert(sizeof(RsdpLayout) == 36);

inline constexpr size_t k_rsdp_v1_size = 20;
inline constexpr size_t k_rsdp_v2_size = 36;

struct Rsdp {
    uint8_t revision = 0;
    uint64_t rsdt_address = 0;
    uint64_t xsdt_address = 0; // 0 when only the ACPI 1.0 part is valid or given
    char oem_id[7] = {};
};

// Validates an RSDP image of `len` bytes: the signature, the checksum of the
// first 20 bytes and, when the revision is >= 2 and more than the ACPI 1.0
// part is given, the length field and the extended checksum. With only 20
// bytes (a multiboot2 "old ACPI" copy) the XSDT is not used, whatever the
// revision says. EINVAL for a bad signature or length, EBADMSG for a bad
// checksum.
Result<Rsdp> parse_rsdp(const uint8_t* bytes, size_t len, const char** reason = nullptr);

// Where a legacy BIOS keeps it (ACPI 6.5 §5.2.5.1): the first KiB of the
// Extended BIOS Data Area (its segment is the 16-bit word at 0x40E), then
// 0xE0000-0xFFFFF, on 16-byte boundaries. The first valid one wins;
// `found_at` gets its address. ENOENT if none.
inline constexpr uint64_t k_bda_ebda_segment = 0x40e;
inline constexpr uint64_t k_bios_rom_start = 0xe0000;
inline constexpr uint64_t k_bios_rom_end = 0x100000;
Result<Rsdp> scan_bios_for_rsdp(PhysReader& mem, uint64_t* found_at = nullptr);

// The EBDA's physical address from the BIOS data area, or 0 when the word
// there does not point at conventional memory (e.g. on UEFI machines).
uint64_t ebda_address(PhysReader& mem);

} // namespace pv::acpi
