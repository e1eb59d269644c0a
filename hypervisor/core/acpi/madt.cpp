#include "core/acpi/madt.hpp"

#include "core/acpi/sdt.hpp"

namespace pv::acpi {

namespace {

// The fixed part after the common header (ACPI 6.5 §5.2.12).
constexpr size_t k_lapic_address_offset = 36;
constexpr size_t k_flags_offset = 40;
constexpr size_t k_entries_offset = 44;
constexpr uint32_t k_flag_pcat_compat = 1u << 0;

// Interrupt controller structure types and their lengths (§5.2.12.2-12).
enum EntryType : uint8_t {
    processor_local_apic = 0,        // 8 bytes
    io_apic = 1,                     // 12 bytes
    interrupt_source_override = 2,   // 10 bytes
    local_apic_address_override = 5, // 12 bytes
    processor_local_x2apic = 9,      // 16 bytes
};

// Local APIC flags (§5.2.12.2), shared by the x2APIC structure.
constexpr uint32_t k_lapic_enabled = 1u << 0;
constexpr uint32_t k_lapic_online_capable = 1u << 1;

// The "no such processor" IDs: all-ones is the broadcast destination.
constexpr uint32_t k_invalid_xapic_id = 0xff;
constexpr uint32_t k_invalid_x2apic_id = 0xffffffff;

uint16_t get16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] | p[1] << 8);
}
uint32_t get32(const uint8_t* p) {
    return get16(p) | uint32_t{get16(p + 2)} << 16;
}
uint64_t get64(const uint8_t* p) {
    return get32(p) | uint64_t{get32(p + 4)} << 32;
}

uint8_t minimum_length(uint8_t type) {
    switch (type) {
    case processor_local_apic:
        return 8;
    case io_apic:
        return 12;
    case interrupt_source_override:
        return 10;
    case local_apic_address_override:
        return 12;
    case processor_local_x2apic:
        return 16;
    default:
        return 2;
    }
}

void reset(MadtInfo& out) {
    out.lapic_address = 0;
    out.lapic_address_overridden = false;
    out.pcat_compat = false;
    out.cpu_count = 0;
    out.ioapic_count = 0;
    out.override_count = 0;
    out.truncated = false;
}

bool has_cpu(const MadtInfo& out, uint32_t apic_id) {
    for (size_t i = 0; i < out.cpu_count; ++i)
        if (out.cpus[i].apic_id == apic_id) return true;
    return false;
}

void add_cpu(MadtInfo& out, uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2apic) {
    bool enabled = flags & k_lapic_enabled;
    if (!enabled && !(flags & k_lapic_online_capable)) return; // unusable: ignore it
    // Firmware may list one processor in both forms; the first entry wins.
    if (has_cpu(out, apic_id)) return;
    if (out.cpu_count == MadtInfo::k_max_cpus) {
        out.truncated = true;
        return;
    }
    out.cpus[out.cpu_count++] = MadtCpu{apic_id, uid, enabled, x2apic};
}

Status fail(const char** reason, Errno e, const char* why) {
    if (reason) *reason = why;
    return e;
}

} // namespace

Status parse_madt(const uint8_t* table, size_t len, MadtInfo& out, const char** reason) {
    reset(out);
    if (table == nullptr || len < k_entries_offset)
        return fail(reason, Errno::einval, "MADT too short");
    if (table[0] != 'A' || table[1] != 'P' || table[2] != 'I' || table[3] != 'C')
        return fail(reason, Errno::einval, "MADT signature wrong");
    uint32_t length = get32(table + 4);
    if (length < k_entries_offset || length > len)
        return fail(reason, Errno::einval, "MADT length field out of range");
    if (byte_sum(table, length) != 0) return fail(reason, Errno::ebadmsg, "MADT checksum mismatch");

    out.lapic_address = get32(table + k_lapic_address_offset);
    out.pcat_compat = get32(table + k_flags_offset) & k_flag_pcat_compat;

    for (size_t offset = k_entries_offset; offset < length;) {
        // Two bytes of type and length must fit before we can trust either.
        if (length - offset < 2) return fail(reason, Errno::einval, "MADT entry header cut off");
        const uint8_t* e = table + offset;
        uint8_t type = e[0], entry_length = e[1];
        if (entry_length < 2) return fail(reason, Errno::einval, "MADT entry length below 2");
        if (entry_length > length - offset)
            return fail(reason, Errno::einval, "MADT entry runs past the table");
        if (entry_length < minimum_length(type))
            return fail(reason, Errno::einval, "MADT entry too short for its type");

        switch (type) {
        case processor_local_apic:
            if (e[3] != k_invalid_xapic_id) add_cpu(out, e[3], e[2], get32(e + 4), false);
            break;
        case processor_local_x2apic: {
            uint32_t id = get32(e + 4);
            if (id != k_invalid_x2apic_id) add_cpu(out, id, get32(e + 12), get32(e + 8), true);
            break;
        }
        case io_apic:
            if (out.ioapic_count == MadtInfo::k_max_ioapics) {
                out.truncated = true;
                break;
            }
            out.ioapics[out.ioapic_count++] = MadtIoApic{e[2], get32(e + 4), get32(e + 8)};
            break;
        case interrupt_source_override:
            if (out.override_count == MadtInfo::k_max_overrides) {
                out.truncated = true;
                break;
            }
            out.overrides[out.override_count++] =
                MadtIrqOverride{e[2], e[3], get32(e + 4), get16(e + 8)};
            break;
        case local_apic_address_override:
            // §5.2.12.8: when present, use it instead of the 32-bit field.
            out.lapic_address = get64(e + 4);
            out.lapic_address_overridden = true;
            break;
        default:
            break;
        }
        offset += entry_length;
    }
    return Status::ok();
}

} // namespace pv::acpi
