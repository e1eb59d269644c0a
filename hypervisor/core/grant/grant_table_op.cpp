#include "core/grant/grant_table_op.hpp"

#include "core/grant/grant_table.hpp"
#include "core/hypercall/continuation.hpp"
#include "core/pv_hypercalls/common.hpp"

#include <cstddef>

namespace pv {

namespace {

using abi::GnttabOp;
using abi::GrantStatus;
using pvh::error;

// Xen's GNTTABOP_CMD_MASK: the low 12 bits name the command; the bits above
// carry continuation state, which only cache_flush uses.
constexpr uint32_t k_cmd_mask = (1u << 12) - 1;

constexpr int16_t status_of(GrantStatus s) {
    return static_cast<int16_t>(s);
}

// The table of `dom` as the caller names it, or null.
GrantTable* lookup(GrantTables& gt, const Domain& caller, DomainId dom) {
    return gt.hooks().table_of(dom == abi::k_domid_self ? caller.id() : dom);
}

// Xen's XSM_TARGET default: the domain itself, or a privileged caller.
bool may_control(const Domain& caller, GrantTable& t) {
    return caller.privileged() || t.domain().id() == caller.id();
}

// The status field of the i-th element of an op array.
template <typename Op>
Status put_status(HypercallContext& ctx, GuestHandle<Op> ops, uint64_t i, size_t status_offset, int16_t s) {
    const GuestHandle<Op> one = ops.offset(i);
    if (one.address() == k_poisoned_guest_address) return Errno::efault;
    return copy_to_guest(ctx.guest, GuestHandle<int16_t>(one.address() + status_offset), s);
}

// Run `one(op, i)` over ops[0..count), which must write each op's results
// back; preempted between ops (Xen's hypercall_preempt_check) through a
// continuation that resumes with the rest of the array.
template <typename Op, typename Fn>
long batch(HypercallContext& ctx, const HypercallArgs& args, uint32_t count, Fn&& one) {
    const GuestHandle<Op> ops = args.handle<Op>(1);
    if (!guest_array_plausible(ops, 0, count)) return error(Errno::efault);
    for (uint32_t i = 0; i < count; ++i) {
        if (i != 0 && ctx.preempt_requested()) {
            HypercallArgs next = args;
            next.set(1, ops.offset(i));
            next.set(2, count - i);
            return hypercall_continuation(ctx, next);
        }
        Op op;
        if (!copy_from_guest(ctx.guest, ops.offset(i), op)) return error(Errno::efault);
        if (!one(op, i)) return error(Errno::efault);
    }
    return 0;
}

long setup_table(HypercallContext& ctx, GrantTables& gt, GuestHandle<abi::GnttabSetupTable> uop, uint32_t count) {
    if (count != 1) return error(Errno::einval);
    abi::GnttabSetupTable op;
    if (!copy_from_guest(ctx.guest, uop, op)) return error(Errno::efault);
    const GuestHandle<abi::Pfn> list(op.frame_list);
    if (!guest_array_plausible(list, 0, op.nr_frames)) return error(Errno::efault);

    GrantTable* t = lookup(gt, *ctx.domain, op.dom);
    if (t == nullptr) {
        op.status = status_of(GrantStatus::bad_domain);
    } else if (!may_control(*ctx.domain, *t)) {
        op.status = status_of(GrantStatus::permission_denied);
    } else {
        op.status = status_of(gt.grow(*t, op.nr_frames));
        if (op.status == status_of(GrantStatus::okay)) {
            for (uint32_t i = 0; i < op.nr_frames; ++i) {
                const abi::Pfn mfn = t->frame(i); // PV: machine frames
                if (!copy_to_guest(ctx.guest, list.offset(i), mfn)) op.status = status_of(GrantStatus::bad_virt_addr);
            }
        }
    }
    return put_status(ctx, uop, 0, offsetof(abi::GnttabSetupTable, status), op.status).is_ok()
               ? 0
               : error(Errno::efault);
}

long query_size(HypercallContext& ctx, GrantTables& gt, GuestHandle<abi::GnttabQuerySize> uop, uint32_t count) {
    if (count != 1) return error(Errno::einval);
    abi::GnttabQuerySize op;
    if (!copy_from_guest(ctx.guest, uop, op)) return error(Errno::efault);
    GrantTable* t = lookup(gt, *ctx.domain, op.dom);
    if (t == nullptr) {
        op.status = status_of(GrantStatus::bad_domain);
    } else if (!may_control(*ctx.domain, *t)) {
        op.status = status_of(GrantStatus::permission_denied);
    } else {
        op.nr_frames = t->nr_frames();
        op.max_nr_frames = t->max_frames();
        op.status = status_of(GrantStatus::okay);
    }
    return copy_to_guest(ctx.guest, uop, op).is_ok() ? 0 : error(Errno::efault);
}

long get_version(HypercallContext& ctx, GrantTables& gt, GuestHandle<abi::GnttabGetVersion> uop) {
    abi::GnttabGetVersion op;
    if (!copy_from_guest(ctx.guest, uop, op)) return error(Errno::efault);
    GrantTable* t = lookup(gt, *ctx.domain, op.dom);
    if (t == nullptr) return error(Errno::esrch);
    if (!may_control(*ctx.domain, *t)) return error(Errno::eperm);
    const uint32_t version = 1;
    const GuestHandle<uint32_t> field(uop.address() + offsetof(abi::GnttabGetVersion, version));
    return copy_to_guest(ctx.guest, field, version).is_ok() ? 0 : error(Errno::efault);
}

long set_version(HypercallContext& ctx, GuestHandle<abi::GnttabSetVersion> uop) {
    abi::GnttabSetVersion op;
    if (!copy_from_guest(ctx.guest, uop, op)) return error(Errno::efault);
    // Xen with max_grant_version=1: version 2 is "not implemented".
    const long rc = op.version == 1 ? 0 : op.version == 2 ? error(Errno::enosys) : error(Errno::einval);
    op.version = 1;
    return copy_to_guest(ctx.guest, uop, op).is_ok() ? rc : error(Errno::efault);
}

} // namespace

long do_grant_table_op(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    GrantTables* gt = ctx.services->grant_tables();
    if (gt == nullptr) return error(Errno::enosys);

    const uint32_t raw_cmd = args.as<uint32_t>(0);
    const uint32_t count = args.as<uint32_t>(2);
    if (static_cast<int32_t>(count) < 0) return error(Errno::einval);
    const auto cmd = static_cast<GnttabOp>(raw_cmd & k_cmd_mask);
    if ((raw_cmd & ~k_cmd_mask) != 0 && cmd != GnttabOp::cache_flush) return error(Errno::einval);

    switch (cmd) {
    case GnttabOp::map_grant_ref:
        return batch<abi::GnttabMapGrantRef>(ctx, args, count, [&](abi::GnttabMapGrantRef& op, uint32_t i) {
            gt->map(*ctx.vcpu, op);
            return copy_to_guest(ctx.guest, args.handle<abi::GnttabMapGrantRef>(1).offset(i), op).is_ok();
        });
    case GnttabOp::unmap_grant_ref:
        return batch<abi::GnttabUnmapGrantRef>(ctx, args, count, [&](abi::GnttabUnmapGrantRef& op, uint32_t i) {
            gt->unmap(*ctx.vcpu, op);
            return put_status(ctx, args.handle<abi::GnttabUnmapGrantRef>(1), i,
                              offsetof(abi::GnttabUnmapGrantRef, status), op.status)
                .is_ok();
        });
    case GnttabOp::copy:
        return batch<abi::GnttabCopy>(ctx, args, count, [&](abi::GnttabCopy& op, uint32_t i) {
            const int16_t s = status_of(gt->copy(*ctx.domain, op));
            return put_status(ctx, args.handle<abi::GnttabCopy>(1), i, offsetof(abi::GnttabCopy, status), s)
                .is_ok();
        });
    case GnttabOp::setup_table:
        return setup_table(ctx, *gt, args.handle<abi::GnttabSetupTable>(1), count);
    case GnttabOp::query_size:
        return query_size(ctx, *gt, args.handle<abi::GnttabQuerySize>(1), count);
    case GnttabOp::get_version:
        return get_version(ctx, *gt, args.handle<abi::GnttabGetVersion>(1));
    case GnttabOp::set_version:
        return set_version(ctx, args.handle<abi::GnttabSetVersion>(1));
    default:
        return error(Errno::enosys);
    }
}

} // namespace pv
