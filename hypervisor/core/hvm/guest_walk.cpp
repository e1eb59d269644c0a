#include "core/hvm/guest_walk.hpp"

namespace pv::hvm {

namespace {

constexpr uint64_t k_page_size = 4096;
constexpr uint64_t k_present = 1u << 0;
constexpr uint64_t k_writable = 1u << 1;
constexpr uint64_t k_page_size_bit = 1u << 7; // PS: this entry maps a large page
constexpr uint64_t k_nx = 1ull << 63;
constexpr uint64_t k_address_mask = 0x000f'ffff'ffff'f000ull; // bits 51:12

constexpr uint64_t low_bits(unsigned n) { return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; }

// What one walk needs besides the entries.
struct Walk {
    const PagingState& paging;
    GuestPhysicalReader& memory;
    bool write;
    // Bits of a 64-bit entry that must be zero everywhere: address bits at
    // and above MAXPHYADDR, and XD when EFER.NXE = 0 (SDM Vol. 3 §4.5.4).
    uint64_t reserved;

    Walk(const PagingState& p, GuestPhysicalReader& m, GuestAccess access)
        : paging(p), memory(m), write(access == GuestAccess::write),
          reserved((k_address_mask & ~low_bits(p.phys_bits < 52 ? p.phys_bits : 52)) |
                   ((p.efer & PagingState::k_efer_nxe) ? 0 : k_nx)) {}

    bool wp() const { return (paging.cr0 & PagingState::k_cr0_wp) != 0; }

    // A 64-bit entry, present, no reserved bits, writable if it must be.
    Result<uint64_t> entry(uint64_t table, uint64_t index, uint64_t extra_reserved) {
        const uint64_t e = TRY(memory.read_gpa_u64(table + index * 8));
        if (!(e & k_present) || (e & (reserved | extra_reserved))) return Errno::efault;
        if (write && wp() && !(e & k_writable)) return Errno::efault;
        return e;
    }

    // A 32-bit entry (non-PAE paging) from the quadword that holds it.
    Result<uint32_t> entry32(uint64_t table, uint64_t index) {
        const uint64_t address = table + index * 4;
        const uint64_t q = TRY(memory.read_gpa_u64(address & ~uint64_t{7}));
        const uint32_t e = static_cast<uint32_t>((address & 4) ? q >> 32 : q);
        if (!(e & k_present)) return Errno::efault;
        if (write && wp() && !(e & k_writable)) return Errno::efault;
        return e;
    }
};

// Page directory and page table levels, shared by 4-level and PAE paging
// (same 64-bit entry format): `pd` is the page-directory address.
Result<uint64_t> walk_directory(Walk& w, uint64_t pd, uint64_t va) {
    // A 2 MiB page: bits 20:13 are reserved (bit 12 is PAT).
    const uint64_t pde = TRY(w.entry(pd, (va >> 21) & 511, 0));
    if (pde & k_page_size_bit) {
        if (pde & (low_bits(21) & ~low_bits(13))) return Errno::efault;
        return (pde & k_address_mask & ~low_bits(21)) | (va & low_bits(21));
    }
    const uint64_t pte = TRY(w.entry(pde & k_address_mask, (va >> 12) & 511, 0));
    return (pte & k_address_mask) | (va & (k_page_size - 1));
}

// SDM Vol. 3 §4.5: PML4 -> PDPT -> PD -> PT.
Result<uint64_t> walk_long_mode(Walk& w, uint64_t va) {
    if (w.paging.cr4 & PagingState::k_cr4_la57) return Errno::efault; // 5-level: not offered
    if (!is_canonical_address(va)) return Errno::efault;
    const uint64_t pml4e = TRY(w.entry(w.paging.cr3 & k_address_mask, (va >> 39) & 511, k_page_size_bit));
    const uint64_t pdpte = TRY(w.entry(pml4e & k_address_mask, (va >> 30) & 511, 0));
    if (pdpte & k_page_size_bit) { // a 1 GiB page: bits 29:13 reserved
        if (pdpte & (low_bits(30) & ~low_bits(13))) return Errno::efault;
        return (pdpte & k_address_mask & ~low_bits(30)) | (va & low_bits(30));
    }
    return walk_directory(w, pdpte & k_address_mask, va);
}

// SDM Vol. 3 §4.4: four PDPTEs at CR3 (32-byte aligned), then PD and PT.
Result<uint64_t> walk_pae(Walk& w, uint64_t va) {
    if (va >> 32) return Errno::efault;
    const uint64_t pdpt = w.paging.cr3 & 0xffff'ffe0ull;
    const uint64_t pdpte = TRY(w.memory.read_gpa_u64(pdpt + (va >> 30) * 8));
    // PDPTEs have no access rights; bits 2:1, 8:5 and 63:MAXPHYADDR are reserved.
    const uint64_t reserved = 0x1e6 | (w.reserved & ~k_nx) | k_nx;
    if (!(pdpte & k_present) || (pdpte & reserved)) return Errno::efault;
    return walk_directory(w, pdpte & k_address_mask, va);
}

// SDM Vol. 3 §4.3: 32-bit page directory and tables, 4 MiB pages with
// CR4.PSE (PSE-36: bits 20:13 of the PDE give address bits 39:32).
Result<uint64_t> walk_32bit(Walk& w, uint64_t va) {
    if (va >> 32) return Errno::efault;
    const uint32_t pde = TRY(w.entry32(w.paging.cr3 & 0xffff'f000ull, va >> 22));
    if ((pde & k_page_size_bit) && (w.paging.cr4 & PagingState::k_cr4_pse)) {
        const unsigned phys = w.paging.phys_bits < 40 ? w.paging.phys_bits : 40;
        const unsigned high_bits = phys > 32 ? phys - 32 : 0;
        const uint64_t high = (pde >> 13) & 0xff;
        if ((pde & (1u << 21)) || (high >> high_bits)) return Errno::efault;
        return (uint64_t{pde} & 0xffc0'0000u) | (high << 32) | (va & low_bits(22));
    }
    const uint32_t pte = TRY(w.entry32(pde & 0xffff'f000u, (va >> 12) & 1023));
    return (uint64_t{pte} & 0xffff'f000u) | (va & (k_page_size - 1));
}

} // namespace

Result<uint64_t> translate_guest_va(const PagingState& paging, GuestPhysicalReader& memory,
                                    uint64_t va, GuestAccess access) {
    if (!(paging.cr0 & PagingState::k_cr0_pg)) {
        // Paging off (PVH start of day): 32-bit protected mode, gpa = va.
        if (va >> 32) return Errno::efault;
        return va;
    }
    Walk w(paging, memory, access);
    if (paging.efer & PagingState::k_efer_lma) return walk_long_mode(w, va);
    if (paging.cr4 & PagingState::k_cr4_pae) return walk_pae(w, va);
    return walk_32bit(w, va);
}

Result<uint64_t> FrameMapReader::read_gpa_u64(uint64_t gpa) {
    if (gpa & 7) return Errno::efault;
    const uint8_t* page = frames_.host_page(gpa / k_page_size);
    if (page == nullptr) return Errno::efault;
    uint64_t value;
    __builtin_memcpy(&value, page + (gpa & (k_page_size - 1)), sizeof value);
    return value;
}

Result<uint8_t*> PvhGuestSpace::host_address(uint64_t va, GuestAccess access) {
    const uint64_t gpa = TRY(translate_guest_va(paging_, reader_, va, access));
    uint8_t* page = frames_.host_page(gpa / k_page_size);
    if (page == nullptr) return Errno::efault;
    return page + (gpa & (k_page_size - 1));
}

Status PvhGuestSpace::copy_from(uint64_t guest_va, void* dst, size_t len) {
    if (len == 0) return Status::ok();
    if (!guest_range_plausible(guest_va, len)) return Errno::efault;
    auto* out = static_cast<uint8_t*>(dst);
    while (len > 0) {
        const uint64_t chunk = k_page_size - (guest_va & (k_page_size - 1));
        const size_t n = chunk < len ? static_cast<size_t>(chunk) : len;
        const uint8_t* from = TRY(host_address(guest_va, GuestAccess::read));
        __builtin_memcpy(out, from, n);
        out += n;
        guest_va += n;
        len -= n;
    }
    return Status::ok();
}

Status PvhGuestSpace::copy_to(uint64_t guest_va, const void* src, size_t len) {
    if (len == 0) return Status::ok();
    if (!guest_range_plausible(guest_va, len)) return Errno::efault;
    const auto* in = static_cast<const uint8_t*>(src);
    while (len > 0) {
        const uint64_t chunk = k_page_size - (guest_va & (k_page_size - 1));
        const size_t n = chunk < len ? static_cast<size_t>(chunk) : len;
        uint8_t* to = TRY(host_address(guest_va, GuestAccess::write));
        __builtin_memcpy(to, in, n);
        in += n;
        guest_va += n;
        len -= n;
    }
    return Status::ok();
}

} // namespace pv::hvm
