// x86-64 page-table entries as the PV MMU checks them (SDM Vol. 3 §4.5,
// Tables 4-15..4-20), with the rules Xen applies to a 64-bit PV guest's
// entries (facts from xen/arch/x86/mm.c and pv/mm.h: the *_DISALLOW_MASKs
// and adjust_guest_l*e).
#pragma once

#include <cstdint>

namespace pv::pte {

inline constexpr unsigned k_entries = 512;

inline constexpr uint64_t present = 1ull << 0;
inline constexpr uint64_t rw = 1ull << 1;
inline constexpr uint64_t user = 1ull << 2;
inline constexpr uint64_t pwt = 1ull << 3;
inline constexpr uint64_t pcd = 1ull << 4;
inline constexpr uint64_t accessed = 1ull << 5;
inline constexpr uint64_t dirty = 1ull << 6;
inline constexpr uint64_t pse = 1ull << 7; // L2/L3: superpage. L1: PAT
inline constexpr uint64_t pat = 1ull << 7;
inline constexpr uint64_t global = 1ull << 8;
inline constexpr uint64_t avail = 7ull << 9;           // bits 9-11: the guest's own
inline constexpr uint64_t avail_high = 0x7ffull << 52; // bits 52-62: the guest's own
inline constexpr uint64_t nx = 1ull << 63;
inline constexpr uint64_t address_mask = 0x000f'ffff'ffff'f000ull; // bits 12-51
inline constexpr uint64_t cache_attrs = pwt | pcd | pat;

// Xen's _PAGE_GUEST_KERNEL: a software bit (the lowest of avail_high) that
// marks an L1 entry the guest kernel wrote without _PAGE_USER. The kernel
// runs in ring 3, so such entries get USER, and this bit remembers why.
inline constexpr uint64_t guest_kernel = 1ull << 52;

// What a 64-bit PV guest may set (Xen's base_disallow_mask is the
// complement): present, RW, user, A/D, the available bits and NX.
inline constexpr uint64_t k_guest_allowed = present | rw | user | accessed | dirty | avail |
                                            avail_high | nx | address_mask;
// L2-L4: no superpages (PSE), no cache attributes, no global bit.
inline constexpr uint64_t k_table_disallowed = ~k_guest_allowed;
// L1: global allowed; cache attributes only for domains with I/O memory
// (Xen's l1_disallow_mask).
inline constexpr uint64_t k_l1_disallowed = ~k_guest_allowed & ~global;
inline constexpr uint64_t k_l1_disallowed_io = k_l1_disallowed & ~cache_attrs;

// Entries of one A/D-insensitive "same mapping" check (Xen's fast path:
// everything but A, D and the available bits 9-11 equal).
inline constexpr uint64_t k_fastpath_ignored = accessed | dirty | avail;

constexpr bool is_present(uint64_t e) { return (e & present) != 0; }
constexpr uint64_t mfn_of(uint64_t e) { return (e & address_mask) >> 12; }

// The largest frame number an entry can name: Xen treats it as "invalid
// MFN" (-EINVAL rather than -EPERM when a guest maps it).
inline constexpr uint64_t k_invalid_entry_mfn = address_mask >> 12;

// Xen's adjust_guest_l*e for a 64-bit PV guest: the guest kernel runs in
// ring 3, so every present entry it installs gets USER (L1 entries it wrote
// as supervisor also get guest_kernel); L4 entries are always Accessed.
// (Xen also makes user L1 entries global; we leave G as the guest wrote it.)
constexpr uint64_t adjust_l1(uint64_t e) {
    if (!is_present(e)) return e;
    if ((e & user) == 0) e |= guest_kernel | user;
    return e;
}
constexpr uint64_t adjust_table(unsigned level, uint64_t e) {
    if (!is_present(e)) return e;
    e |= user;
    if (level == 4) e |= accessed;
    return e;
}

// Page-table indices of a virtual address.
constexpr unsigned index_of(uint64_t va, unsigned level) {
    return static_cast<unsigned>((va >> (12 + 9 * (level - 1))) & 511);
}

} // namespace pv::pte
