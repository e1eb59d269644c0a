// Scalar types shared by every guest-ABI header.
//
// The x86-64 Xen PV ABI is LP64: what Xen's headers spell "unsigned long",
// xen_ulong_t or xen_pfn_t is 64 bits here, and a guest handle stored in a
// structure is one 64-bit guest virtual address. We spell these with
// fixed-width types so the layouts are the same for the hypervisor, the Dom0
// toolstack and guest kernels. Freestanding: <cstdint> and <cstddef> only.
#ifndef PARAVANE_PUBLIC_TYPES_HPP
#define PARAVANE_PUBLIC_TYPES_HPP

#include <cstddef>
#include <cstdint>

namespace pv::abi {

using DomainId = uint16_t; // domid_t
using Pfn = uint64_t;      // xen_pfn_t: a frame number (machine or guest-physical)
using XenULong = uint64_t; // xen_ulong_t: a register-sized value

inline constexpr uint32_t k_page_shift = 12;
inline constexpr uint64_t k_page_size = uint64_t{1} << k_page_shift;

// A guest pointer as it is stored in an ABI structure or passed in an
// argument register: a guest virtual address (guest-physical for PVH).
// It is only an address: whoever dereferences it must go through the
// hypervisor's checked copy_from_guest / copy_to_guest.
template <typename T> struct GuestPtr {
    uint64_t address;

    // Guest-side convenience: a guest kernel filling in a request.
    static GuestPtr of(const T* p) { return GuestPtr{reinterpret_cast<uintptr_t>(p)}; }
    constexpr bool is_null() const { return address == 0; }
};
static_assert(sizeof(GuestPtr<int>) == 8);

// The raw value of an ABI enumeration, for writing it into a register or a
// structure field (std::to_underlying without <utility>).
template <typename E> constexpr auto raw(E e) {
    return static_cast<__underlying_type(E)>(e);
}

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_TYPES_HPP
