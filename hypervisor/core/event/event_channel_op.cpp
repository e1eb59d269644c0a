#include "core/event/event_channel_op.hpp"

#include "core/event/event_channels.hpp"
#include "core/pv_hypercalls/common.hpp"
#include "include/public/event_channel.hpp"

namespace pv {
namespace {

using abi::EventChannelOp;
using pvh::error;

long as_return(Status s) {
    return s.as_return();
}

// Xen's rcu_lock_domain_by_any_id: DOMID_SELF or an id. Null: -ESRCH.
EventChannels* table_by_any_id(HypercallContext& ctx, DomainId id) {
    Domain* d = id == abi::k_domid_self ? ctx.domain : ctx.services->domain_by_id(id);
    return d != nullptr ? ctx.services->event_channels(*d) : nullptr;
}

// Xen's XSM_TARGET default: the caller itself or a privileged caller.
bool may_target(const HypercallContext& ctx, const EventChannels& target) {
    return target.domain_id() == ctx.domain->id() || ctx.domain->privileged();
}

// Copy the command's structure in, run `op` on it, copy it back out if
// `copy_back` and op succeeded.
template <typename T, typename Op>
long with_struct(HypercallContext& ctx, uint64_t arg, bool copy_back, Op op) {
    T v{};
    if (!copy_from_guest(ctx.guest, GuestHandle<T>(arg), v)) return error(Errno::efault);
    const long rc = op(v);
    if (rc == 0 && copy_back && !copy_to_guest(ctx.guest, GuestHandle<T>(arg), v))
        return error(Errno::efault);
    return rc;
}

long alloc_unbound(HypercallContext& ctx, abi::EvtchnAllocUnbound& a) {
    EventChannels* d = table_by_any_id(ctx, a.dom);
    if (d == nullptr) return error(Errno::esrch);
    // Xen finds the free port before the permission check; both leave the
    // table unchanged on failure, so the order only shows in the errno.
    if (!may_target(ctx, *d)) return error(Errno::eperm);
    const DomainId remote = a.remote_dom == abi::k_domid_self ? ctx.domain->id() : a.remote_dom;
    Result<uint32_t> port = d->alloc_unbound(remote);
    if (!port) return as_return(port.status());
    a.port = *port;
    return 0;
}

long bind_interdomain(HypercallContext& ctx, EventChannels& self, abi::EvtchnBindInterdomain& b) {
    const DomainId rdom = b.remote_dom == abi::k_domid_self ? ctx.domain->id() : b.remote_dom;
    EventChannels* remote = rdom == ctx.domain->id() ? &self : table_by_any_id(ctx, rdom);
    if (remote == nullptr) return error(Errno::esrch);
    Result<uint32_t> port = self.bind_interdomain(*remote, b.remote_port);
    if (!port) return as_return(port.status());
    b.local_port = *port;
    return 0;
}

long status(HypercallContext& ctx, abi::EvtchnStatus& s) {
    EventChannels* d = table_by_any_id(ctx, s.dom);
    if (d == nullptr) return error(Errno::esrch);
    if (!may_target(ctx, *d)) return error(Errno::eperm);
    return as_return(d->status(s.port, s));
}

long reset(HypercallContext& ctx, const abi::EvtchnReset& r) {
    EventChannels* d = table_by_any_id(ctx, r.dom);
    if (d == nullptr) return error(Errno::esrch);
    if (!may_target(ctx, *d)) return error(Errno::eperm);
    // Xen: another domain's ports only while its controller keeps it paused.
    if (&d->domain() != ctx.domain && d->domain().state != DomainState::paused)
        return error(Errno::ebusy);
    d->reset();
    return 0;
}

long event_channel_op(HypercallContext& ctx, EventChannels& self, int32_t cmd, uint64_t arg) {
    switch (cmd) {
    case abi::raw(EventChannelOp::alloc_unbound):
        return with_struct<abi::EvtchnAllocUnbound>(ctx, arg, true,
                                                    [&](auto& a) { return alloc_unbound(ctx, a); });

    case abi::raw(EventChannelOp::bind_interdomain):
        return with_struct<abi::EvtchnBindInterdomain>(
            ctx, arg, true, [&](auto& b) { return bind_interdomain(ctx, self, b); });

    case abi::raw(EventChannelOp::bind_virq):
        return with_struct<abi::EvtchnBindVirq>(ctx, arg, true, [&](auto& b) {
            Result<uint32_t> port = self.bind_virq(b.virq, b.vcpu);
            if (!port) return as_return(port.status());
            b.port = *port;
            return 0L;
        });

    case abi::raw(EventChannelOp::bind_ipi):
        return with_struct<abi::EvtchnBindIpi>(ctx, arg, true, [&](auto& b) {
            Result<uint32_t> port = self.bind_ipi(b.vcpu);
            if (!port) return as_return(port.status());
            b.port = *port;
            return 0L;
        });

    case abi::raw(EventChannelOp::bind_pirq):
        // No physical IRQs are routed to guests: every pirq is out of range.
        return with_struct<abi::EvtchnBindPirq>(ctx, arg, false,
                                                [](auto&) { return error(Errno::einval); });

    case abi::raw(EventChannelOp::close):
        return with_struct<abi::EvtchnClose>(
            ctx, arg, false, [&](auto& c) { return as_return(self.close(c.port)); });

    case abi::raw(EventChannelOp::send):
        ++ctx.vcpu->counters.event_sends;
        return with_struct<abi::EvtchnSend>(ctx, arg, false,
                                            [&](auto& s) { return as_return(self.send(s.port)); });

    case abi::raw(EventChannelOp::status):
        return with_struct<abi::EvtchnStatus>(ctx, arg, true,
                                              [&](auto& s) { return status(ctx, s); });

    case abi::raw(EventChannelOp::bind_vcpu):
        return with_struct<abi::EvtchnBindVcpu>(
            ctx, arg, false, [&](auto& b) { return as_return(self.bind_vcpu(b.port, b.vcpu)); });

    case abi::raw(EventChannelOp::unmask):
        return with_struct<abi::EvtchnUnmask>(
            ctx, arg, false, [&](auto& u) { return as_return(self.unmask(u.port)); });

    case abi::raw(EventChannelOp::reset):
        return with_struct<abi::EvtchnReset>(ctx, arg, false,
                                             [&](auto& r) { return reset(ctx, r); });

    case abi::raw(EventChannelOp::init_control):
    case abi::raw(EventChannelOp::expand_array):
    case abi::raw(EventChannelOp::set_priority):
    default:
        // FIFO ABI not implemented: guests fall back to 2-level.
        return error(Errno::enosys);
    }
}

} // namespace

long do_event_channel_op(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    EventChannels* self = ctx.services->event_channels(*ctx.domain);
    if (self == nullptr) return error(Errno::enosys);
    return event_channel_op(ctx, *self, args.as<int32_t>(0), args.raw(1));
}

long do_event_channel_op_compat(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    EventChannels* self = ctx.services->event_channels(*ctx.domain);
    if (self == nullptr) return error(Errno::enosys);
    // Xen copies the whole EvtchnOp in, then runs the command on its union
    // in guest memory.
    abi::EvtchnOp op{};
    if (!copy_from_guest(ctx.guest, GuestHandle<abi::EvtchnOp>(args.raw(0)), op))
        return error(Errno::efault);
    switch (op.cmd) {
    case abi::raw(EventChannelOp::bind_interdomain):
    case abi::raw(EventChannelOp::bind_virq):
    case abi::raw(EventChannelOp::bind_pirq):
    case abi::raw(EventChannelOp::close):
    case abi::raw(EventChannelOp::send):
    case abi::raw(EventChannelOp::status):
    case abi::raw(EventChannelOp::alloc_unbound):
    case abi::raw(EventChannelOp::bind_ipi):
    case abi::raw(EventChannelOp::bind_vcpu):
    case abi::raw(EventChannelOp::unmask):
        return event_channel_op(ctx, *self, static_cast<int32_t>(op.cmd),
                                args.raw(0) + offsetof(abi::EvtchnOp, u));
    default:
        return error(Errno::enosys);
    }
}

} // namespace pv
