// sched_op poll: Xen's do_poll (xen/common/sched/core.c).
#include "core/event/event_channel_op.hpp"
#include "core/event/event_channels.hpp"
#include "core/pv_hypercalls/common.hpp"
#include "core/pv_time/vcpu_time.hpp"

namespace pv {

long do_poll(HypercallContext& ctx, const abi::SchedPoll& request) {
    if (!pvh::has_caller(ctx)) return pvh::error(Errno::enosys);
    EventChannels* events = ctx.services->event_channels(*ctx.domain);
    if (events == nullptr) return pvh::error(Errno::enosys);
    Vcpu& vcpu = *ctx.vcpu;
    const uint32_t id = vcpu.id();

    // Blocked and polling first, then look: a send from here on finds the
    // vCPU polling and wakes it, so no event is missed.
    vcpu.block_ends_on_upcall = false;
    vcpu.state = VcpuState::blocked;
    events->poll_begin(id);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    long rc = 0;
    const GuestHandle<const uint32_t> ports(request.ports);
    uint32_t port = 0;
    bool wait = !events->events_need_delivery(id);
    for (uint32_t i = 0; wait && i < request.nr_ports; ++i) {
        if (!copy_from_guest(ctx.guest, ports, i, &port, 1)) {
            rc = pvh::error(Errno::efault);
            wait = false;
        } else if (port >= events->port_limit()) {
            rc = pvh::error(Errno::einval);
            wait = false;
        } else if (events->port_pending(port)) {
            wait = false;
        }
    }
    if (!wait) {
        events->poll_end(id);
        vcpu.state = VcpuState::running;
        return rc;
    }

    if (request.nr_ports == 1) events->poll_only(id, port);
    if (VcpuTimeState* timers = ctx.services->vcpu_time(vcpu); timers != nullptr)
        timers->set_poll_timeout(request.timeout);
    ctx.services->block(vcpu);
    return 0;
}

} // namespace pv
