// The PV MMU hypercalls (Xen's do_mmu_update, do_mmuext_op,
// do_update_va_mapping[_otherdomain] and the PV part of do_memory_op), with
// Xen's semantics and error codes. They work on ctx.domain / ctx.vcpu through
// HypervisorServices::pv_mmu(); with any of those null they answer -ENOSYS.
#pragma once

#include "core/hypercall/hypercall_table.hpp"

namespace pv {

// mmu_update(reqs, count, pdone, foreigndom) and mmuext_op(ops, count,
// pdone, foreigndom): requests run in order until one fails; the result is
// 0 or the failing request's error, and *pdone (if not null) counts the
// requests done. Preempted batches continue through a continuation with
// the handle advanced and Xen's MMU_UPDATE_PREEMPTED bit in count (the
// done count so far is kept in *pdone).
long do_mmu_update(HypercallContext& ctx, const HypercallArgs& args);
long do_mmuext_op(HypercallContext& ctx, const HypercallArgs& args);
// update_va_mapping(va, pte, flags) / _otherdomain(va, pte, flags, domid).
long do_update_va_mapping(HypercallContext& ctx, const HypercallArgs& args);
long do_update_va_mapping_otherdomain(HypercallContext& ctx, const HypercallArgs& args);
// memory_op(cmd, arg): the sub-ops a PV kernel uses (see memory_op.cpp).
long do_memory_op(HypercallContext& ctx, const HypercallArgs& args);

// Xen's MMU_UPDATE_PREEMPTED: the top bit of count marks a resumed batch.
inline constexpr uint32_t k_mmu_update_preempted = 0x8000'0000u;

inline constexpr HypercallEntry k_mmu_update_entry{abi::Hypercall::mmu_update, "mmu_update",
                                                   do_mmu_update, 4};
inline constexpr HypercallEntry k_mmuext_op_entry{abi::Hypercall::mmuext_op, "mmuext_op",
                                                  do_mmuext_op, 4};
inline constexpr HypercallEntry k_update_va_mapping_entry{
    abi::Hypercall::update_va_mapping, "update_va_mapping", do_update_va_mapping, 3};
inline constexpr HypercallEntry k_update_va_mapping_otherdomain_entry{
    abi::Hypercall::update_va_mapping_otherdomain, "update_va_mapping_otherdomain",
    do_update_va_mapping_otherdomain, 4};
inline constexpr HypercallEntry k_memory_op_entry{abi::Hypercall::memory_op, "memory_op",
                                                  do_memory_op, 2};

} // namespace pv
