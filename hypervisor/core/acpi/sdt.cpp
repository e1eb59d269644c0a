#include "core/acpi/sdt.hpp"

namespace pv::acpi {

uint8_t byte_sum(const void* bytes, size_t len) {
    const auto* p = static_cast<const uint8_t*>(bytes);
    uint8_t sum = 0;
    for (size_t i = 0; i < len; ++i)
        sum = static_cast<uint8_t>(sum + p[i]);
    return sum;
}

Result<uint8_t> byte_sum(PhysReader& mem, uint64_t phys, uint64_t len) {
    if (phys + len < phys) return Errno::efault;
    uint8_t chunk[64];
    uint8_t sum = 0;
    for (uint64_t done = 0; done < len;) {
        size_t n = len - done < sizeof chunk ? static_cast<size_t>(len - done) : sizeof chunk;
        if (!mem.read(phys + done, chunk, n)) return Errno::efault;
        sum = static_cast<uint8_t>(sum + byte_sum(chunk, n));
        done += n;
    }
    return sum;
}

Result<SdtHeader> read_checked_header(PhysReader& mem, uint64_t phys, const char* signature,
                                      uint32_t min_length, const char** reason) {
    auto fail = [reason](Errno e, const char* why) {
        if (reason) *reason = why;
        return e;
    };
    SdtHeader header;
    if (!read_object(mem, phys, header)) return fail(Errno::efault, "table header unreadable");
    if (!signature_is(header.signature, signature)) return fail(Errno::einval, "wrong signature");
    if (min_length < sizeof(SdtHeader)) min_length = sizeof(SdtHeader);
    if (header.length < min_length) return fail(Errno::einval, "table length too small");
    if (header.length > k_max_table_length)
        return fail(Errno::einval, "table length implausibly large");
    if (phys + header.length < phys) return fail(Errno::einval, "table wraps around memory");
    auto sum = byte_sum(mem, phys, header.length);
    if (!sum) return fail(Errno::efault, "table body unreadable");
    if (*sum != 0) return fail(Errno::ebadmsg, "table checksum mismatch");
    return header;
}

} // namespace pv::acpi
