// sched_op(cmd, arg): Xen's do_sched_op (common/sched/core.c).
//
//   yield            0; the scheduler is asked to run someone else.
//   block            clears the vCPU's evtchn_upcall_mask (blocking enables
//                    event delivery atomically), marks it blocked and, unless
//                    an event is already pending, hands it to the scheduler.
//                    0. (Xen's vcpu_block_enable_events.)
//   shutdown         SchedShutdown in; the reason is truncated to 8 bits and
//                    not range-checked, as in Xen. 0, or -EFAULT.
//   shutdown_code    likewise, only records the code for a later shutdown.
//   poll             the arguments are checked as Xen does (nr_ports > 128:
//                    -EINVAL; ports array outside guest space: -EFAULT), then
//                    do_poll() waits (core/event/event_channel_op.hpp).
//   remote_shutdown  SchedRemoteShutdown in; no such domain: -ESRCH; caller
//                    not privileged: -EPERM; else shuts it down, 0.
//   watchdog, pin_override and unknown commands: -ENOSYS.
#include "core/event/event_channel_op.hpp"
#include "core/pv_hypercalls/common.hpp"
#include "core/pv_hypercalls/handlers.hpp"
#include "include/public/sched.hpp"

namespace pv {
namespace {

using abi::SchedOp;
using pvh::error;

// Xen's do_poll limit ("fairly arbitrary").
constexpr uint32_t k_max_poll_ports = 128;

long block(HypercallContext& ctx) {
    Vcpu& vcpu = *ctx.vcpu;
    abi::VcpuInfo* info = ctx.services->vcpu_info(vcpu);
    if (info != nullptr) pvh::store_shared(info->evtchn_upcall_mask, 0);

    vcpu.block_ends_on_upcall = true;
    vcpu.state = VcpuState::blocked;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    // Check for events after marking the vCPU blocked: an event sent from
    // here on finds it blocked and wakes it, so none is missed.
    const bool pending = info != nullptr && pvh::load_shared(info->evtchn_upcall_pending) != 0;
    if (pending) {
        vcpu.state = VcpuState::running;
        return 0;
    }
    ctx.services->block(vcpu);
    return 0;
}

long poll(HypercallContext& ctx, uint64_t arg) {
    abi::SchedPoll request;
    if (!copy_from_guest(ctx.guest, GuestHandle<abi::SchedPoll>(arg), request))
        return error(Errno::efault);
    if (request.nr_ports > k_max_poll_ports) return error(Errno::einval);
    if (!guest_array_plausible(GuestHandle<const uint32_t>(request.ports), 0, request.nr_ports))
        return error(Errno::efault);
    return do_poll(ctx, request); // core/event/poll.cpp (-ENOSYS without event channels)
}

long remote_shutdown(HypercallContext& ctx, uint64_t arg) {
    abi::SchedRemoteShutdown request;
    if (!copy_from_guest(ctx.guest, GuestHandle<abi::SchedRemoteShutdown>(arg), request))
        return error(Errno::efault);
    Domain* target = ctx.services->domain_by_id(request.domain_id);
    if (target == nullptr) return error(Errno::esrch);
    if (!ctx.domain->privileged()) return error(Errno::eperm);
    ctx.services->domain_shutdown(*target, static_cast<uint8_t>(request.reason));
    return 0;
}

} // namespace

long do_sched_op(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const auto cmd = args.as<int32_t>(0);
    const uint64_t arg = args.raw(1);

    switch (cmd) {
    case abi::raw(SchedOp::yield):
        ctx.services->yield(*ctx.vcpu);
        return 0;

    case abi::raw(SchedOp::block):
        return block(ctx);

    case abi::raw(SchedOp::shutdown):
    case abi::raw(SchedOp::shutdown_code): {
        abi::SchedShutdown request;
        if (!copy_from_guest(ctx.guest, GuestHandle<abi::SchedShutdown>(arg), request))
            return error(Errno::efault);
        const auto reason = static_cast<uint8_t>(request.reason);
        if (cmd == abi::raw(SchedOp::shutdown))
            ctx.services->domain_shutdown(*ctx.domain, reason);
        else
            ctx.services->set_shutdown_code(*ctx.domain, reason);
        return 0;
    }

    case abi::raw(SchedOp::poll):
        return poll(ctx, arg);

    case abi::raw(SchedOp::remote_shutdown):
        return remote_shutdown(ctx, arg);

    default:
        return error(Errno::enosys);
    }
}

} // namespace pv
