#include "core/grant/pv_host_mapping.hpp"

namespace pv::grant {

namespace {

using abi::GrantStatus;

constexpr uint64_t k_ad_bits = pte::accessed | pte::dirty;

// Xen's __addr_ok() on x86-64.
constexpr bool guest_address(uint64_t va) {
    return va < (uint64_t{1} << 47) || va >= abi::k_hypervisor_virt_end;
}

// A validated L1 table the domain owns.
bool is_l1_of(PvMmu& mmu, const Domain& d, uint64_t mfn) {
    const FrameInfo* info = mmu.types().table().lookup(mfn);
    return info != nullptr && info->owner == d.id() && info->type == FrameType::l1 &&
           info->type_count != 0 && (info->flags & k_frame_validated) != 0;
}

// The machine address of the L1 entry that maps `va` in the vCPU's current
// tables (as PvMmu's update_va_mapping walks them), or false.
bool walk_to_l1e(PvMmu& mmu, const Vcpu& vcpu, uint64_t va, uint64_t& maddr) {
    if (!guest_address(va)) return false;
    const uint64_t base = vcpu.pv.kernel_mode ? vcpu.pv.kernel_cr3 : vcpu.pv.user_cr3;
    if (base == 0) return false;
    PageTypes& types = mmu.types();
    uint64_t table = base >> k_page_shift;
    for (unsigned level = 4; level > 1; --level) {
        if (types.effective_type(table) != table_type(level)) return false;
        const uint64_t e = types.memory().read(table, pte::index_of(va, level));
        if (!pte::is_present(e) || (e & pte::pse) != 0) return false;
        table = pte::mfn_of(e);
    }
    if (!is_l1_of(mmu, vcpu.domain(), table)) return false;
    maddr = (table << k_page_shift) | (uint64_t{pte::index_of(va, 1)} * 8);
    return true;
}

bool locate(PvMmu& mmu, const Vcpu& mapper, uint64_t addr, uint32_t flags, uint64_t& maddr) {
    if ((flags & abi::k_gntmap_contains_pte) == 0) return walk_to_l1e(mmu, mapper, addr, maddr);
    if ((addr & 7) != 0) return false; // would corrupt neighbouring entries
    if (!is_l1_of(mmu, mapper.domain(), addr >> k_page_shift)) return false;
    maddr = addr;
    return true;
}

// Replace the entry, tolerating only the hardware's A/D updates meanwhile.
bool exchange(PvMmu& mmu, uint64_t maddr, uint64_t& old, uint64_t value) {
    const uint64_t mfn = maddr >> k_page_shift;
    const auto index = static_cast<unsigned>((maddr & (k_page_size - 1)) / 8);
    const uint64_t first = old;
    for (int round = 0; round < 8; ++round) {
        if (mmu.types().memory().compare_exchange(mfn, index, old, value)) return true;
        if (((old ^ first) & ~k_ad_bits) != 0) return false;
    }
    return false;
}

uint64_t read_entry(PvMmu& mmu, uint64_t maddr) {
    return mmu.types().memory().read(maddr >> k_page_shift,
                                     static_cast<unsigned>((maddr & (k_page_size - 1)) / 8));
}

bool matches(uint64_t entry, uint64_t mfn, uint32_t flags) {
    const uint64_t want = grant_pte(mfn, flags);
    return pte::mfn_of(entry) == mfn && ((entry ^ want) & (pte::present | pte::rw)) == 0;
}

} // namespace

uint64_t grant_pte(uint64_t mfn, uint32_t flags) {
    uint64_t e = (mfn << k_page_shift) | pte::present | pte::accessed | pte::dirty | pte::nx;
    if ((flags & abi::k_gntmap_readonly) == 0) e |= pte::rw;
    if ((flags & abi::k_gntmap_application_map) != 0) e |= pte::user;
    e |= (uint64_t{flags >> abi::k_gntmap_guest_avail0_shift} << 9) & pte::avail;
    return pte::adjust_l1(e);
}

GrantStatus install_grant_pte(PvMmu& mmu, Vcpu& mapper, uint64_t addr, uint32_t flags, uint64_t mfn,
                              uint64_t& pte_maddr) {
    uint64_t maddr = 0;
    if (!locate(mmu, mapper, addr, flags, maddr)) return GrantStatus::general_error;
    uint64_t old = read_entry(mmu, maddr);
    if (!exchange(mmu, maddr, old, grant_pte(mfn, flags))) return GrantStatus::general_error;
    mmu.types().put_l1e(old); // Xen: put_page_from_l1e(ol1e)
    pte_maddr = maddr;
    return GrantStatus::okay;
}

GrantStatus remove_grant_pte(PvMmu& mmu, Vcpu& mapper, uint64_t addr, uint32_t flags, uint64_t mfn) {
    uint64_t maddr = 0;
    if (!locate(mmu, mapper, addr, flags, maddr)) return GrantStatus::general_error;
    uint64_t old = read_entry(mmu, maddr);
    if (!matches(old, mfn, flags)) return GrantStatus::general_error;
    if (!exchange(mmu, maddr, old, 0)) return GrantStatus::general_error;
    return GrantStatus::okay;
}

bool zap_grant_pte(PvMmu& mmu, const Domain& mapper, uint64_t pte_maddr, uint32_t flags, uint64_t mfn) {
    if (!is_l1_of(mmu, mapper, pte_maddr >> k_page_shift)) return false;
    uint64_t old = read_entry(mmu, pte_maddr);
    if (!matches(old, mfn, flags)) return false;
    return exchange(mmu, pte_maddr, old, 0);
}

} // namespace pv::grant
