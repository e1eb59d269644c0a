#include "core/acpi/rsdp.hpp"

#include "core/acpi/sdt.hpp"

namespace pv::acpi {

namespace {

constexpr char k_signature[8] = {'R', 'S', 'D', ' ', 'P', 'T', 'R', ' '};
constexpr uint64_t k_ebda_scan_bytes = 1024;
constexpr uint64_t k_conventional_end = 0xa0000;
// An EBDA lies just below 640 KiB; anything much lower is not a real pointer.
constexpr uint64_t k_ebda_lowest = 0x80000;

bool has_signature(const uint8_t* bytes) {
    for (size_t i = 0; i < sizeof k_signature; ++i)
        if (bytes[i] != static_cast<uint8_t>(k_signature[i])) return false;
    return true;
}

Result<Rsdp> fail(const char** reason, Errno e, const char* why) {
    if (reason) *reason = why;
    return e;
}

// One 16-byte-aligned window [start, end): the first valid RSDP in it.
Result<Rsdp> scan_window(PhysReader& mem, uint64_t start, uint64_t end, uint64_t* found_at) {
    for (uint64_t p = start; p + k_rsdp_v1_size <= end; p += 16) {
        uint8_t bytes[k_rsdp_v2_size];
        if (!mem.read(p, bytes, k_rsdp_v1_size) || !has_signature(bytes)) continue;
        // Revision >= 2: the full structure, if it fits in readable memory.
        size_t len = k_rsdp_v1_size;
        if (bytes[15] >= 2 &&
            mem.read(p + k_rsdp_v1_size, bytes + k_rsdp_v1_size, k_rsdp_v2_size - k_rsdp_v1_size))
            len = k_rsdp_v2_size;
        auto rsdp = parse_rsdp(bytes, len);
        if (!rsdp) continue; // a stray signature: keep looking
        if (found_at) *found_at = p;
        return rsdp;
    }
    return Errno::enoent;
}

} // namespace

Result<Rsdp> parse_rsdp(const uint8_t* bytes, size_t len, const char** reason) {
    if (bytes == nullptr || len < k_rsdp_v1_size)
        return fail(reason, Errno::einval, "RSDP too short");
    if (!has_signature(bytes)) return fail(reason, Errno::einval, "RSDP signature wrong");
    if (byte_sum(bytes, k_rsdp_v1_size) != 0)
        return fail(reason, Errno::ebadmsg, "RSDP checksum mismatch");

    RsdpLayout layout{};
    for (size_t i = 0; i < sizeof layout && i < len; ++i)
        reinterpret_cast<uint8_t*>(&layout)[i] = bytes[i];
    Rsdp out;
    out.revision = layout.revision;
    out.rsdt_address = layout.rsdt_address;
    for (size_t i = 0; i < 6; ++i)
        out.oem_id[i] = layout.oem_id[i];

    if (layout.revision >= 2 && len > k_rsdp_v1_size) {
        if (len < k_rsdp_v2_size || layout.length < k_rsdp_v2_size || layout.length > len)
            return fail(reason, Errno::einval, "RSDP length wrong");
        if (byte_sum(bytes, layout.length) != 0)
            return fail(reason, Errno::ebadmsg, "RSDP extended checksum mismatch");
        out.xsdt_address = layout.xsdt_address;
    }
    if (out.rsdt_address == 0 && out.xsdt_address == 0)
        return fail(reason, Errno::einval, "RSDP points at no root table");
    return out;
}

uint64_t ebda_address(PhysReader& mem) {
    uint16_t segment = 0;
    if (!read_object(mem, k_bda_ebda_segment, segment)) return 0;
    uint64_t address = uint64_t{segment} << 4;
    return address >= k_ebda_lowest && address < k_conventional_end ? address : 0;
}

Result<Rsdp> scan_bios_for_rsdp(PhysReader& mem, uint64_t* found_at) {
    if (uint64_t ebda = ebda_address(mem)) {
        uint64_t end = ebda + k_ebda_scan_bytes;
        if (end > k_conventional_end) end = k_conventional_end;
        auto rsdp = scan_window(mem, ebda, end, found_at);
        if (rsdp) return rsdp;
    }
    return scan_window(mem, k_bios_rom_start, k_bios_rom_end, found_at);
}

} // namespace pv::acpi
