#include "core/acpi/build_tables.hpp"

#include "core/acpi/rsdp.hpp"
#include "core/acpi/sdt.hpp"

namespace pv::acpi {

namespace {

constexpr size_t k_align = 16;
constexpr size_t k_root_entries = 2; // FADT, MADT
constexpr size_t k_rsdt_length = sizeof(SdtHeader) + 4 * k_root_entries;
constexpr size_t k_xsdt_length = sizeof(SdtHeader) + 8 * k_root_entries;
constexpr size_t k_madt_fixed_length = sizeof(SdtHeader) + 8; // + local APIC address, flags
constexpr size_t k_dsdt_length = sizeof(SdtHeader);
constexpr uint64_t k_4gib = uint64_t{1} << 32;

constexpr size_t align_up(size_t n) {
    return (n + k_align - 1) & ~(k_align - 1);
}

size_t madt_length(uint32_t vcpu_count) {
    return k_madt_fixed_length + size_t{k_madt_local_apic_length} * vcpu_count;
}

// Offsets of each table from the start of the buffer, in the order they
// are laid out.
struct Offsets {
    size_t rsdp, rsdt, xsdt, fadt, madt, dsdt, end;
};

Offsets layout(uint32_t vcpu_count) {
    Offsets o{};
    o.rsdp = 0;
    o.rsdt = align_up(o.rsdp + k_rsdp_v2_size);
    o.xsdt = align_up(o.rsdt + k_rsdt_length);
    o.fadt = align_up(o.xsdt + k_xsdt_length);
    o.madt = align_up(o.fadt + k_fadt_length);
    o.dsdt = align_up(o.madt + madt_length(vcpu_count));
    o.end = o.dsdt + k_dsdt_length;
    return o;
}

void put(uint8_t* p, uint64_t value, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i)
        p[i] = static_cast<uint8_t>(value >> (8 * i));
}

void put_chars(uint8_t* p, const char* s, size_t n) {
    for (size_t i = 0; i < n; ++i)
        p[i] = static_cast<uint8_t>(s[i]);
}

void zero(uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i)
        p[i] = 0;
}

// The checksum byte that makes bytes[0..len) sum to zero (its own slot
// counted as zero).
void set_checksum(uint8_t* bytes, size_t len, size_t checksum_at) {
    bytes[checksum_at] = 0;
    bytes[checksum_at] = static_cast<uint8_t>(-byte_sum(bytes, len));
}

// The common header (§5.2.6); the checksum is set by finish().
void header(uint8_t* t, const char* signature, size_t length, uint8_t revision) {
    zero(t, length);
    put_chars(t + offsetof(SdtHeader, signature), signature, 4);
    put(t + offsetof(SdtHeader, length), length, 4);
    t[offsetof(SdtHeader, revision)] = revision;
    put_chars(t + offsetof(SdtHeader, oem_id), k_oem_id, 6);
    put_chars(t + offsetof(SdtHeader, oem_table_id), k_oem_table_id, 8);
    put(t + offsetof(SdtHeader, oem_revision), 1, 4);
    put_chars(t + offsetof(SdtHeader, creator_id), "PRVN", 4);
    put(t + offsetof(SdtHeader, creator_revision), 1, 4);
}

void finish(uint8_t* t, size_t length) {
    set_checksum(t, length, offsetof(SdtHeader, checksum));
}

void write_rsdp(uint8_t* p, uint64_t rsdt, uint64_t xsdt) {
    zero(p, k_rsdp_v2_size);
    put_chars(p + offsetof(RsdpLayout, signature), "RSD PTR ", 8);
    put_chars(p + offsetof(RsdpLayout, oem_id), k_oem_id, 6);
    p[offsetof(RsdpLayout, revision)] = 2;
    put(p + offsetof(RsdpLayout, rsdt_address), rsdt, 4);
    put(p + offsetof(RsdpLayout, length), k_rsdp_v2_size, 4);
    put(p + offsetof(RsdpLayout, xsdt_address), xsdt, 8);
    // The ACPI 1.0 checksum covers the first 20 bytes; the extended one
    // covers all 36, including the first checksum (§5.2.5.3).
    set_checksum(p, k_rsdp_v1_size, offsetof(RsdpLayout, checksum));
    set_checksum(p, k_rsdp_v2_size, offsetof(RsdpLayout, extended_checksum));
}

void write_root(uint8_t* t, const char* signature, uint8_t revision, size_t entry_size,
                uint64_t fadt, uint64_t madt) {
    const size_t length = sizeof(SdtHeader) + entry_size * k_root_entries;
    header(t, signature, length, revision);
    put(t + sizeof(SdtHeader), fadt, entry_size);
    put(t + sizeof(SdtHeader) + entry_size, madt, entry_size);
    finish(t, length);
}

void write_fadt(uint8_t* t, uint64_t dsdt) {
    header(t, "FACP", k_fadt_length, k_fadt_revision);
    // Hardware-reduced ACPI (§4.1): every fixed-hardware field (SCI, SMI
    // command, PM1/PM2/PM timer/GPE blocks, their X_ forms, the reset and
    // sleep registers) stays zero, and so does FIRMWARE_CTRL: no FACS.
    put(t + k_fadt_dsdt_offset, dsdt, 4);
    put(t + k_fadt_iapc_boot_arch_offset,
        k_iapc_boot_arch_vga_not_present | k_iapc_boot_arch_cmos_rtc_not_present, 2);
    put(t + k_fadt_flags_offset, k_fadt_flag_hw_reduced_acpi, 4);
    t[k_fadt_minor_revision_offset] = k_fadt_minor_revision;
    put(t + k_fadt_x_dsdt_offset, dsdt, 8);
    finish(t, k_fadt_length);
}

void write_madt(uint8_t* t, uint32_t vcpu_count) {
    const size_t length = madt_length(vcpu_count);
    header(t, "APIC", length, k_madt_revision);
    put(t + sizeof(SdtHeader), k_madt_lapic_address, 4);
    put(t + sizeof(SdtHeader) + 4, 0, 4); // flags: no PCAT_COMPAT, no 8259s to mask
    uint8_t* e = t + k_madt_fixed_length;
    for (uint32_t vcpu = 0; vcpu < vcpu_count; ++vcpu, e += k_madt_local_apic_length) {
        // Processor Local APIC structure (§5.2.12.2): type, length,
        // ACPI processor UID, APIC ID, flags.
        e[0] = k_madt_type_local_apic;
        e[1] = k_madt_local_apic_length;
        e[2] = static_cast<uint8_t>(vcpu);
        e[3] = static_cast<uint8_t>(vcpu);
        put(e + 4, k_madt_local_apic_enabled, 4);
    }
    finish(t, length);
}

void write_dsdt(uint8_t* t) {
    header(t, "DSDT", k_dsdt_length, k_dsdt_revision);
    finish(t, k_dsdt_length);
}

} // namespace

size_t pvh_tables_size(uint32_t vcpu_count) {
    return layout(vcpu_count).end;
}

Result<PvhAcpiTables> build_pvh_tables(const PvhAcpiRequest& request, uint8_t* buf,
                                       size_t capacity) {
    if (request.vcpu_count == 0 || request.vcpu_count > k_max_table_vcpus) return Errno::einval;
    if (request.base % k_align != 0) return Errno::einval;
    const Offsets o = layout(request.vcpu_count);
    if (request.base >= k_4gib || o.end > k_4gib - request.base) return Errno::einval;
    if (buf == nullptr || capacity < o.end) return Errno::enospc;

    PvhAcpiTables at;
    at.rsdp = request.base + o.rsdp;
    at.rsdt = request.base + o.rsdt;
    at.xsdt = request.base + o.xsdt;
    at.fadt = request.base + o.fadt;
    at.madt = request.base + o.madt;
    at.dsdt = request.base + o.dsdt;
    at.size = o.end;

    zero(buf, o.end); // alignment gaps too: the guest sees no stale bytes
    write_dsdt(buf + o.dsdt);
    write_madt(buf + o.madt, request.vcpu_count);
    write_fadt(buf + o.fadt, at.dsdt);
    write_root(buf + o.xsdt, "XSDT", k_xsdt_revision, 8, at.fadt, at.madt);
    write_root(buf + o.rsdt, "RSDT", k_rsdt_revision, 4, at.fadt, at.madt);
    write_rsdp(buf + o.rsdp, at.rsdt, at.xsdt);
    return at;
}

} // namespace pv::acpi
