// Generating the ACPI tables a PVH domain boots with: a guest has no
// firmware, so the domain builder writes the few tables an ACPI operating
// system insists on (ACPI 6.5 §5.2), as Xen's toolstack does for PVH:
//
//   RSDP  revision 2 (§5.2.5.3), pointing at the XSDT and, for ACPI 1.0
//         readers, at an RSDT with the same entries
//   XSDT  / RSDT: the FADT and the MADT
//   FADT  "FACP", revision 6 (276 bytes, §5.2.9) with HW_REDUCED_ACPI set:
//         no PM blocks, GPEs, SCI or FACS; DSDT and X_DSDT name the DSDT;
//         IAPC_BOOT_ARCH says no VGA and no CMOS RTC (there are no legacy
//         devices)
//   MADT  "APIC" (§5.2.12): local APIC address 0xFEE00000, no PCAT_COMPAT
//         (no 8259s), one Processor Local APIC structure per vCPU with
//         APIC ID = ACPI processor UID = vCPU id, enabled; no I/O APIC
//   DSDT  the header alone: no devices to describe
//
// The tables are built into a caller's buffer as they must appear at
// guest-physical address `base` (every pointer between them is absolute);
// the caller copies the buffer there. Each table starts 16-byte aligned.
#pragma once

#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::acpi {

// Table revisions and sizes we emit (ACPI 6.5 §5.2.9 Table 5.9: a revision-6
// FADT is 276 bytes).
inline constexpr uint8_t k_fadt_revision = 6;
inline constexpr uint8_t k_fadt_minor_revision = 0;
inline constexpr uint32_t k_fadt_length = 276;
inline constexpr uint8_t k_madt_revision = 5;
inline constexpr uint8_t k_dsdt_revision = 2; // 64-bit AML integers
inline constexpr uint8_t k_xsdt_revision = 1;
inline constexpr uint8_t k_rsdt_revision = 1;

// FADT fields we set (offsets into the table, §5.2.9 Table 5.9).
inline constexpr size_t k_fadt_dsdt_offset = 40;            // u32
inline constexpr size_t k_fadt_iapc_boot_arch_offset = 109; // u16
inline constexpr size_t k_fadt_flags_offset = 112;          // u32
inline constexpr size_t k_fadt_minor_revision_offset = 131; // u8
inline constexpr size_t k_fadt_x_dsdt_offset = 140;         // u64
inline constexpr uint32_t k_fadt_flag_hw_reduced_acpi = 1u << 20;
inline constexpr uint16_t k_iapc_boot_arch_vga_not_present = 1u << 2;
inline constexpr uint16_t k_iapc_boot_arch_cmos_rtc_not_present = 1u << 5;

inline constexpr uint32_t k_madt_lapic_address = 0xfee0'0000;
inline constexpr uint8_t k_madt_type_local_apic = 0;
inline constexpr uint8_t k_madt_local_apic_length = 8;
inline constexpr uint32_t k_madt_local_apic_enabled = 1u << 0;

// The most vCPUs the tables describe (8-bit xAPIC IDs; 0xff is broadcast).
inline constexpr uint32_t k_max_table_vcpus = 255;

// OEM identification in every header.
inline constexpr char k_oem_id[7] = "PRVANE";
inline constexpr char k_oem_table_id[9] = "PVH     ";

struct PvhAcpiRequest {
    uint64_t base = 0;       // guest-physical address of buf[0]; below 4 GiB
    uint32_t vcpu_count = 0; // 1..k_max_table_vcpus
};

// Where each table went, as guest-physical addresses, and how many bytes
// of the buffer were used (the rest is left untouched).
struct PvhAcpiTables {
    uint64_t rsdp = 0;
    uint64_t rsdt = 0;
    uint64_t xsdt = 0;
    uint64_t fadt = 0;
    uint64_t madt = 0;
    uint64_t dsdt = 0;
    size_t size = 0;
};

// Bytes the tables need for `vcpu_count` vCPUs (alignment included).
size_t pvh_tables_size(uint32_t vcpu_count);

// Builds the tables into buf[0..capacity). EINVAL: vcpu_count 0 or too
// many, or base not 16-byte aligned or the tables would not stay below
// 4 GiB (the RSDT holds 32-bit pointers); ENOSPC: capacity too small.
Result<PvhAcpiTables> build_pvh_tables(const PvhAcpiRequest& request, uint8_t* buf,
                                       size_t capacity);

} // namespace pv::acpi
