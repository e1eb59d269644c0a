// The Multiple APIC Description Table, signature "APIC" (ACPI 6.5 §5.2.12):
// which CPUs exist and their local APIC IDs, the I/O APICs, the local APIC
// address and how ISA IRQs map onto global system interrupts.
#pragma once

#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::acpi {

struct MadtCpu {
    uint32_t apic_id;  // xAPIC IDs fit in 8 bits; x2APIC IDs use all 32
    uint32_t acpi_uid; // ACPI processor UID
    bool enabled;      // usable now; otherwise only online-capable (hot-plug)
    bool x2apic_entry; // came from a Processor Local x2APIC structure
};

struct MadtIoApic {
    uint32_t id;
    uint64_t address;
    uint32_t gsi_base;
};

struct MadtIrqOverride {
    uint8_t bus;    // 0 = ISA
    uint8_t source; // bus-relative IRQ
    uint32_t gsi;
    uint16_t flags; // MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2
};

struct MadtInfo {
    static constexpr size_t k_max_cpus = 256;
    static constexpr size_t k_max_ioapics = 16;
    static constexpr size_t k_max_overrides = 32;

    uint64_t lapic_address = 0; // after any Local APIC Address Override
    bool lapic_address_overridden = false;
    bool pcat_compat = false; // dual 8259s present (they must be masked)

    // Enabled and online-capable processors in table order; disabled ones
    // (neither flag) are left out, as are duplicate APIC IDs.
    MadtCpu cpus[k_max_cpus] = {};
    size_t cpu_count = 0;
    MadtIoApic ioapics[k_max_ioapics] = {};
    size_t ioapic_count = 0;
    MadtIrqOverride overrides[k_max_overrides] = {};
    size_t override_count = 0;
    bool truncated = false; // more of something than fits: the rest is ignored

    size_t enabled_cpu_count() const {
        size_t n = 0;
        for (size_t i = 0; i < cpu_count; ++i)
            n += cpus[i].enabled ? 1 : 0;
        return n;
    }
};

// Parses a whole MADT held in table[0..len): the signature, the header's
// length (at least the fixed part, at most `len`), the checksum, then each
// interrupt controller structure, whose length must be at least 2, cover its
// known fields and stay inside the table. Unknown structure types are
// skipped. EINVAL for anything malformed, EBADMSG for a bad checksum; `out`
// is then unspecified. `reason`, if given, gets a short static explanation.
Status parse_madt(const uint8_t* table, size_t len, MadtInfo& out, const char** reason = nullptr);

} // namespace pv::acpi
