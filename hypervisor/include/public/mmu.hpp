// The PV MMU interface: mmu_update (checked page-table and M2P writes),
// mmuext_op (pinning, base pointers, TLB and cache maintenance) and
// update_va_mapping's flush flags. Numbers and layouts of Xen's xen.h, in
// our words.
//
//   mmu_update(reqs, count, done_out, foreigndom)
//   mmuext_op(ops, count, done_out, foreigndom)
//   update_va_mapping(va, new_pte, flags)
//   update_va_mapping_otherdomain(va, new_pte, flags, domid)
//
// foreigndom bits 15:0 name the domain that owns the data frames being
// mapped (DOMID_SELF for the caller); bits 31:16, if non-zero, are one more
// than the id of the domain owning the page tables being written.
//
// A PV guest's page tables hold machine frame numbers. They must be mapped
// read-only in the guest, and a table is only used as one after the
// hypervisor validated it (pinning, or installing it as a base pointer).
#ifndef PARAVANE_PUBLIC_MMU_HPP
#define PARAVANE_PUBLIC_MMU_HPP

#include "types.hpp"

namespace pv::abi {

// MmuUpdate::ptr bits 1:0 select the command; the rest is a machine address.
enum class MmuUpdateCmd : uint32_t {
    normal_pt_update = 0,       // checked *ptr = val; ptr is the machine address of a PTE
    machphys_update = 1,        // M2P[ptr >> 12] = val (ptr: any address in the frame)
    pt_update_preserve_ad = 2,  // as normal, keeping the entry's current Accessed/Dirty bits
    pt_update_no_translate = 3, // as normal, val is not translated through foreigndom
};
inline constexpr uint64_t k_mmu_update_cmd_mask = 0x3;

struct MmuUpdate {
    uint64_t ptr;
    uint64_t val;
};
static_assert(sizeof(MmuUpdate) == 16);
static_assert(offsetof(MmuUpdate, ptr) == 0);
static_assert(offsetof(MmuUpdate, val) == 8);

enum class MmuextCmd : uint32_t {
    pin_l1_table = 0, // arg1.mfn: validate and pin as an L1 table
    pin_l2_table = 1,
    pin_l3_table = 2,
    pin_l4_table = 3,
    unpin_table = 4, // arg1.mfn
    new_baseptr = 5, // arg1.mfn: new kernel page-table base
    tlb_flush_local = 6,
    invlpg_local = 7,    // arg1.linear_addr
    tlb_flush_multi = 8, // arg2.vcpumask
    invlpg_multi = 9,    // arg1.linear_addr, arg2.vcpumask
    tlb_flush_all = 10,
    invlpg_all = 11, // arg1.linear_addr
    flush_cache = 12,
    set_ldt = 13, // arg1.linear_addr (page aligned), arg2.nr_ents
    // 14 is unused.
    new_user_baseptr = 15, // arg1.mfn: page-table base used in guest user mode (x86-64)
    clear_page = 16,       // arg1.mfn
    copy_page = 17,        // arg1.mfn destination, arg2.src_mfn
    flush_cache_global = 18,
    mark_super = 19, // arg1.mfn: retired superpage interface
    unmark_super = 20,
};

struct MmuextOp {
    uint32_t cmd; // MmuextCmd
    uint32_t pad;
    union Arg1 {
        Pfn mfn;
        uint64_t linear_addr;
    } arg1;
    union Arg2 {
        uint32_t nr_ents;
        GuestPtr<const void> vcpumask; // bitmap of vCPUs
        Pfn src_mfn;
    } arg2;
};
static_assert(sizeof(MmuextOp) == 24);
static_assert(offsetof(MmuextOp, cmd) == 0);
static_assert(offsetof(MmuextOp, arg1) == 8);
static_assert(offsetof(MmuextOp, arg2) == 16);

// update_va_mapping flags: a flush type, OR-ed with a scope. For a subset
// of vCPUs the scope is a guest pointer to a vCPU bitmap (low bits clear),
// so k_uvmf_local is the "multi" scope with a null bitmap.
inline constexpr uint64_t k_uvmf_none = 0;
inline constexpr uint64_t k_uvmf_tlb_flush = 1; // flush whole TLBs
inline constexpr uint64_t k_uvmf_invlpg = 2;    // flush the one entry
inline constexpr uint64_t k_uvmf_flushtype_mask = 3;
inline constexpr uint64_t k_uvmf_multi = 0; // OR in a vCPU bitmap pointer
inline constexpr uint64_t k_uvmf_local = 0;
inline constexpr uint64_t k_uvmf_all = 1u << 2;

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_MMU_HPP
