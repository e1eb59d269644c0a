#include "core/hvm_hypercalls/hvm_op.hpp"

#include "core/hvm_hypercalls/hvm_domain_ops.hpp"
#include "core/pv_hypercalls/services.hpp"
#include "include/public/hvm.hpp"

namespace pv {
namespace {

constexpr long error(Errno e) { return -static_cast<long>(e); }

long param_op(HypercallContext& ctx, const HypercallArgs& args, bool set) {
    const GuestHandle<abi::HvmParam> handle = args.handle<abi::HvmParam>(1);
    abi::HvmParam p;
    if (!copy_from_guest(ctx.guest, handle, p)) return error(Errno::efault);
    // The 16-bit hole after domid is not looked at: Xen's structure has it
    // only implicitly, and guests (Linux) leave stack garbage there.
    if (p.index >= abi::k_hvm_nr_params) return error(Errno::einval);
    Domain* d = ctx.domain;
    if (p.domid != abi::k_domid_self && p.domid != ctx.domain->id()) {
        if (!ctx.domain->privileged()) return error(Errno::eperm);
        d = p.domid < abi::k_domid_first_reserved ? ctx.services->domain_by_id(p.domid) : nullptr;
        if (d == nullptr) return error(Errno::esrch);
    }
    HvmDomainOps* ops = ctx.services->hvm_ops(*d);
    if (ops == nullptr) return error(Errno::einval);
    if (!set) {
        p.value = ops->param(p.index);
        return copy_to_guest(ctx.guest, handle, p) ? 0 : error(Errno::efault);
    }
    const bool callback = p.index == abi::raw(abi::HvmParamIndex::callback_irq);
    // A guest chooses how its events arrive; where its rings are is the
    // toolstack's to say.
    if (!callback && !ctx.domain->privileged()) return error(Errno::eperm);
    if (callback && p.value != 0 &&
        (abi::hvm_callback_type(p.value) != abi::k_hvm_callback_type_vector ||
         abi::hvm_callback_vector(p.value) < abi::k_hvm_min_upcall_vector))
        return error(Errno::einval); // GSI and PCI INTx need interrupt controllers we do not emulate
    ops->set_param(p.index, p.value);
    return 0;
}

long upcall_vector_op(HypercallContext& ctx, const HypercallArgs& args) {
    abi::HvmEvtchnUpcallVector u;
    if (!copy_from_guest(ctx.guest, args.handle<const abi::HvmEvtchnUpcallVector>(1), u))
        return error(Errno::efault);
    HvmDomainOps* ops = ctx.services->hvm_ops(*ctx.domain);
    if (ops == nullptr) return error(Errno::einval);
    if (u.vector < abi::k_hvm_min_upcall_vector) return error(Errno::einval);
    if (u.vcpu >= ctx.domain->vcpu_count) return error(Errno::enoent);
    ops->set_upcall_vector(u.vcpu, u.vector);
    return 0;
}

} // namespace

long do_hvm_op(HypercallContext& ctx, const HypercallArgs& args) {
    if (ctx.domain == nullptr || ctx.services == nullptr) return error(Errno::enosys);
    switch (static_cast<abi::HvmOp>(args.as<uint64_t>(0))) {
    case abi::HvmOp::set_param:
        return param_op(ctx, args, true);
    case abi::HvmOp::get_param:
        return param_op(ctx, args, false);
    case abi::HvmOp::set_evtchn_upcall_vector:
        return upcall_vector_op(ctx, args);
    default:
        return error(Errno::enosys);
    }
}

} // namespace pv
