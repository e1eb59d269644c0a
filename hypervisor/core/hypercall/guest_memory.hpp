// Guest memory as hypercall handlers see it: an untrusted address space
// reached only through copies that check every byte (DESIGN.md §3 "Guest
// memory is touched only through a guest-handle type").
//
//   GuestAddressSpace  the narrow interface arch code implements for one
//                      vCPU: PV walks the guest's page tables; PVH walks the
//                      guest's tables and then the nested (NPT/EPT) tables.
//                      Unit tests implement it over a byte array.
//   GuestHandle<T>     a typed guest virtual address (Xen's XEN_GUEST_HANDLE,
//                      Zircon's user_in_ptr). It is only an address: nothing
//                      can dereference it except copy_from_guest /
//                      copy_to_guest below. GuestHandle<const T> is read-only.
//
// Every failure is EFAULT, whatever the reason (unmapped, non-present,
// read-only for a write, non-canonical, hypervisor-owned, wrapping), so a
// guest learns nothing about the hypervisor's layout from the error.
#pragma once

#include "include/public/hypercall.hpp"
#include "include/public/types.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace pv {

static_assert(sizeof(size_t) == sizeof(uint64_t), "guest lengths are 64-bit values");

// x86-64 4-level paging: bits 63..47 of a usable address are all equal
// (SDM Vol. 1 §3.3.7.1). PV and PVH guests of this ABI use 4-level paging.
constexpr bool is_canonical_address(uint64_t va) {
    const uint64_t top = va >> 47;
    return top == 0 || top == 0x1ffff;
}

// The common pre-check that every GuestAddressSpace implementation makes
// before it looks at a page table, and that the copy helpers below make
// again: [va, va + len) is canonical throughout, does not wrap past 2^64,
// does not straddle the non-canonical hole, and does not touch the range
// the hypervisor reserves in every guest (abi::k_hypervisor_virt_start ..
// _end, 0xffff800000000000-0xffff87ffffffffff). A range ending exactly at
// 2^64 is fine. len == 0 names no bytes but va must still be such an address.
constexpr bool guest_range_plausible(uint64_t va, uint64_t len) {
    if (!is_canonical_address(va)) return false;
    const uint64_t span = len == 0 ? 0 : len - 1;
    if (span > ~uint64_t{0} - va) return false; // wraps
    const uint64_t last = va + span;
    if (!is_canonical_address(last) || (va >> 63) != (last >> 63)) return false;
    return last < abi::k_hypervisor_virt_start || va >= abi::k_hypervisor_virt_end;
}

// What arch code implements, one instance per running vCPU (the address
// space is the vCPU's current one: PV kernel or user tables, PVH CR3).
// Contract for both functions:
//   * EFAULT unless guest_range_plausible(guest_va, len) and every byte lies
//     in a present guest page that the guest itself could access (for
//     copy_to: writable; a PV guest's read-only page-table pages stay
//     read-only here too);
//   * len == 0 succeeds without touching anything;
//   * on EFAULT the destination may hold a partial copy (as in Xen, which
//     copies page by page); callers must not rely on either buffer.
class GuestAddressSpace {
public:
    virtual Status copy_from(uint64_t guest_va, void* dst, size_t len) = 0;
    virtual Status copy_to(uint64_t guest_va, const void* src, size_t len) = 0;

protected:
    ~GuestAddressSpace() = default;
};

// A non-canonical address: where GuestHandle::offset() lands when the
// arithmetic overflows, so that any later copy fails with EFAULT.
inline constexpr uint64_t k_poisoned_guest_address = 0x8000'0000'0000'0000;
static_assert(!guest_range_plausible(k_poisoned_guest_address, 1));

template <typename T> class GuestHandle {
    static_assert(std::is_trivially_copyable_v<T>, "guest memory holds plain layouts only");
    static_assert(!std::is_void_v<T>, "use a byte type for untyped buffers");

public:
    constexpr GuestHandle() = default;
    constexpr explicit GuestHandle(uint64_t address) : address_(address) {}
    // A guest pointer stored in an ABI structure.
    constexpr GuestHandle(abi::GuestPtr<std::remove_const_t<T>> p) : address_(p.address) {}
    // Writable to read-only, never the other way.
    template <typename U,
              typename = std::enable_if_t<std::is_same_v<const U, T> && !std::is_const_v<U>>>
    constexpr GuestHandle(GuestHandle<U> h) : address_(h.address()) {}

    constexpr uint64_t address() const { return address_; }
    constexpr bool is_null() const { return address_ == 0; }

    // The handle n elements further on. Overflow yields a poisoned
    // (non-canonical) handle rather than wrapping to another guest address.
    constexpr GuestHandle offset(uint64_t n) const {
        if (n > ~uint64_t{0} / sizeof(T)) return GuestHandle(k_poisoned_guest_address);
        const uint64_t bytes = n * sizeof(T);
        if (bytes > ~uint64_t{0} - address_) return GuestHandle(k_poisoned_guest_address);
        return GuestHandle(address_ + bytes);
    }

    constexpr bool operator==(const GuestHandle&) const = default;

private:
    uint64_t address_ = 0;
};

namespace detail {

// The byte range of elements [index, index + count) of the array at `base`,
// or nothing if the arithmetic overflows or the range is implausible.
template <typename T>
constexpr bool guest_array_range(uint64_t base, uint64_t index, uint64_t count, uint64_t& va,
                                 uint64_t& bytes) {
    constexpr uint64_t max_elements = ~uint64_t{0} / sizeof(T);
    if (index > max_elements || count > max_elements) return false;
    const uint64_t offset = index * sizeof(T);
    if (offset > ~uint64_t{0} - base) return false;
    va = base + offset;
    bytes = count * sizeof(T);
    return guest_range_plausible(va, bytes);
}

} // namespace detail

// True if elements [index, index + count) of h lie in a plausible guest
// range (Xen's guest_handle_okay): lets a batch operation refuse a hostile
// count up front. Says nothing about whether the pages are mapped.
template <typename T>
constexpr bool guest_array_plausible(GuestHandle<T> h, uint64_t index, uint64_t count) {
    uint64_t va = 0, bytes = 0;
    return detail::guest_array_range<T>(h.address(), index, count, va, bytes);
}

// One object in.
template <typename T>
Status copy_from_guest(GuestAddressSpace& space, GuestHandle<T> src, std::remove_const_t<T>& out) {
    if (!guest_range_plausible(src.address(), sizeof(T))) return Errno::efault;
    return space.copy_from(src.address(), &out, sizeof(T));
}

// One object out.
template <typename T>
Status copy_to_guest(GuestAddressSpace& space, GuestHandle<T> dst, const T& value) {
    static_assert(!std::is_const_v<T>, "copy_to_guest through a read-only handle");
    if (!guest_range_plausible(dst.address(), sizeof(T))) return Errno::efault;
    return space.copy_to(dst.address(), &value, sizeof(T));
}

// Elements [index, index + count) of the guest array at src into out[0..count).
// EFAULT if count * sizeof(T), index * sizeof(T) or the end address overflow.
template <typename T>
Status copy_from_guest(GuestAddressSpace& space, GuestHandle<T> src, uint64_t index,
                       std::remove_const_t<T>* out, uint64_t count) {
    if (count == 0) return Status::ok();
    uint64_t va = 0, bytes = 0;
    if (!detail::guest_array_range<T>(src.address(), index, count, va, bytes)) return Errno::efault;
    return space.copy_from(va, out, bytes);
}

// values[0..count) into elements [index, index + count) of the guest array at dst.
template <typename T>
Status copy_to_guest(GuestAddressSpace& space, GuestHandle<T> dst, uint64_t index, const T* values,
                     uint64_t count) {
    static_assert(!std::is_const_v<T>, "copy_to_guest through a read-only handle");
    if (count == 0) return Status::ok();
    uint64_t va = 0, bytes = 0;
    if (!detail::guest_array_range<T>(dst.address(), index, count, va, bytes)) return Errno::efault;
    return space.copy_to(va, values, bytes);
}

} // namespace pv
