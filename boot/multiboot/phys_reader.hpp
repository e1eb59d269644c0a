// PhysReader: how the boot-protocol parsers reach the loader's structures.
// The hypervisor implements it over its identity map of low memory (refusing
// anything above 4 GiB or a range that wraps); the unit tests implement it
// over a byte buffer that stands for physical memory. The parsers never
// dereference a loader pointer themselves: every byte goes through read().
#pragma once

#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace pv {

class PhysReader {
public:
    // Copies [phys, phys + len) into dst. Returns false, leaving dst in an
    // unspecified state, if any byte of the range is not readable.
    virtual bool read(uint64_t phys, void* dst, size_t len) = 0;

protected:
    ~PhysReader() = default;
};

// Reads one loader structure. T must be a plain layout (checked by the
// caller's static_asserts); `len` lets a caller read only a valid prefix.
template <typename T> bool read_object(PhysReader& mem, uint64_t phys, T& out, size_t len = sizeof(T)) {
    static_assert(std::is_trivially_copyable_v<T>);
    return len <= sizeof(T) && mem.read(phys, &out, len);
}

// Reads a NUL-terminated string at `phys` into dst[0..dst_size), looking at
// no more than `max_len` bytes of physical memory (pass the bytes left in the
// enclosing structure, or SIZE_MAX when the format gives no bound). The
// result is always terminated: a string longer than the buffer or than
// `max_len` is truncated, which is not an error. EFAULT if a byte before the
// terminator (or the cut) is unreadable; EINVAL if dst_size is 0.
//
// Byte-by-byte on purpose: reading ahead in chunks could touch unreadable
// memory that lies beyond the terminator. Boot strings are short.
inline Status read_string(PhysReader& mem, uint64_t phys, size_t max_len, char* dst, size_t dst_size) {
    if (dst == nullptr || dst_size == 0) return Errno::einval;
    size_t limit = dst_size - 1;
    if (max_len < limit) limit = max_len;
    size_t n = 0;
    for (; n < limit; ++n) {
        if (phys + n < phys) { // the string would wrap around the address space
            dst[0] = '\0';
            return Errno::efault;
        }
        char c = 0;
        if (!mem.read(phys + n, &c, 1)) {
            dst[0] = '\0';
            return Errno::efault;
        }
        if (c == '\0') break;
        dst[n] = c;
    }
    dst[n] = '\0';
    return Status::ok();
}

} // namespace pv
