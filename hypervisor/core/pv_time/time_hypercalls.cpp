#include "core/pv_time/time_hypercalls.hpp"

#include "core/event/event_channels.hpp"
#include "core/pv_hypercalls/common.hpp"
#include "core/pv_time/vcpu_time.hpp"
#include "include/public/vcpu.hpp"

namespace pv {
namespace {

using abi::VcpuOp;
using pvh::error;

long register_runstate_area(HypercallContext& ctx, VcpuTimeState& t, uint64_t arg) {
    abi::VcpuRegisterRunstateMemoryArea area;
    if (!copy_from_guest(ctx.guest, GuestHandle<abi::VcpuRegisterRunstateMemoryArea>(arg), area))
        return error(Errno::efault);
    const GuestHandle<abi::VcpuRunstateInfo> h(area.addr);
    if (!guest_array_plausible(h, 0, 1)) return error(Errno::efault);
    t.set_runstate_area(area.addr);
    // Xen copies the current runstate at once and ignores a fault.
    const abi::VcpuRunstateInfo now = t.runstate(ctx.services->system_time_ns());
    if (area.addr != 0) (void)copy_to_guest(ctx.guest, h, now);
    return 0;
}

// Xen's map_vcpu_info.
long register_vcpu_info(HypercallContext& ctx, Vcpu& v, uint64_t arg) {
    abi::VcpuRegisterVcpuInfo info;
    if (!copy_from_guest(ctx.guest, GuestHandle<abi::VcpuRegisterVcpuInfo>(arg), info))
        return error(Errno::efault);
    EventChannels* events = ctx.services->event_channels(*ctx.domain);
    if (events == nullptr) return error(Errno::enosys);
    if (info.offset > abi::k_page_size - sizeof(abi::VcpuInfo)) return error(Errno::einval);
    if ((info.offset & (alignof(abi::VcpuInfo) - 1)) != 0) return error(Errno::einval);
    if (events->vcpu_info_mfn(v.id()) != ~uint64_t{0}) return error(Errno::einval);
    // Only on yourself or on an offline vCPU.
    if (&v != ctx.vcpu && v.state != VcpuState::offline) return error(Errno::einval);

    void* page = ctx.services->map_guest_frame(*ctx.domain, info.mfn);
    if (page == nullptr) return error(Errno::einval);
    auto* where = reinterpret_cast<abi::VcpuInfo*>(static_cast<uint8_t*>(page) + info.offset);
    if (Status s = events->move_vcpu_info(v.id(), where, info.mfn); !s) {
        ctx.services->unmap_guest_frame(*ctx.domain, info.mfn);
        return s.as_return();
    }
    return 0;
}

long vcpu_down(HypercallContext& ctx, Vcpu& v) {
    Domain& d = *ctx.domain;
    bool other_up = false;
    for (uint32_t i = 0; i < d.vcpu_count; ++i) {
        Vcpu* w = d.vcpu(i);
        if (w != nullptr && w != &v && w->state != VcpuState::offline) other_up = true;
    }
    if (!other_up) {
        // Xen: the last vCPU going down powers the domain off.
        ctx.services->domain_shutdown(d, static_cast<uint8_t>(abi::ShutdownReason::poweroff));
        return 0;
    }
    if (v.state == VcpuState::offline) return 0;
    // A vCPU taking itself down: the arch sees it offline on the way out of
    // the hypercall and leaves it there (it comes back with VCPUOP_up).
    if (&v == ctx.vcpu) {
        v.state = VcpuState::offline;
        return 0;
    }
    return error(Errno::enosys); // stopping another running vCPU needs the scheduler
}

} // namespace

long do_set_timer_op(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    VcpuTimeState* t = ctx.services->vcpu_time(*ctx.vcpu);
    if (t == nullptr) return error(Errno::enosys);
    const auto timeout = args.as<int64_t>(0);
    const auto now = static_cast<int64_t>(ctx.services->system_time_ns());
    const int64_t offset =
        static_cast<int64_t>(static_cast<uint64_t>(timeout) - static_cast<uint64_t>(now));
    if (timeout == 0) {
        t->stop_singleshot();
    } else if (timeout < 0 || (offset > 0 && (offset >> 50) != 0)) {
        t->set_singleshot(static_cast<uint64_t>(now) + k_huge_timeout_fallback_ns);
    } else {
        t->set_singleshot(static_cast<uint64_t>(timeout));
    }
    return 0;
}

long do_vcpu_op(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const auto cmd = args.as<int32_t>(0);
    Vcpu* v = ctx.domain->vcpu(args.as<uint32_t>(1));
    const uint64_t arg = args.raw(2);
    if (v == nullptr) return error(Errno::enoent);
    VcpuTimeState* t = ctx.services->vcpu_time(*v);
    if (t == nullptr) return error(Errno::enosys);

    switch (cmd) {
    case abi::raw(VcpuOp::up):
        if (v->state != VcpuState::offline) return 0;
        if (!v->initialised) return error(Errno::einval);
        return ctx.services->vcpu_up(*v);

    case abi::raw(VcpuOp::down):
        return vcpu_down(ctx, *v);

    case abi::raw(VcpuOp::is_up):
        return v->state != VcpuState::offline ? 1 : 0;

    case abi::raw(VcpuOp::get_runstate_info): {
        const abi::VcpuRunstateInfo info = t->runstate(ctx.services->system_time_ns());
        if (!copy_to_guest(ctx.guest, GuestHandle<abi::VcpuRunstateInfo>(arg), info))
            return error(Errno::efault);
        return 0;
    }

    case abi::raw(VcpuOp::register_runstate_memory_area):
        return register_runstate_area(ctx, *t, arg);

    case abi::raw(VcpuOp::set_periodic_timer): {
        abi::VcpuSetPeriodicTimer set;
        if (!copy_from_guest(ctx.guest, GuestHandle<abi::VcpuSetPeriodicTimer>(arg), set))
            return error(Errno::efault);
        if (set.period_ns < k_min_periodic_ns || set.period_ns > k_max_periodic_ns)
            return error(Errno::einval);
        t->set_periodic(set.period_ns);
        return 0;
    }

    case abi::raw(VcpuOp::stop_periodic_timer):
        t->set_periodic(0);
        return 0;

    case abi::raw(VcpuOp::set_singleshot_timer): {
        if (v != ctx.vcpu) return error(Errno::einval);
        abi::VcpuSetSingleshotTimer set;
        if (!copy_from_guest(ctx.guest, GuestHandle<abi::VcpuSetSingleshotTimer>(arg), set))
            return error(Errno::efault);
        // VCPU_SSHOTTMR_future is ignored, as current Xen ignores it: a
        // deadline already passed fires VIRQ_TIMER at once.
        t->set_singleshot(set.timeout_abs_ns);
        return 0;
    }

    case abi::raw(VcpuOp::stop_singleshot_timer):
        if (v != ctx.vcpu) return error(Errno::einval);
        t->stop_singleshot();
        return 0;

    case abi::raw(VcpuOp::register_vcpu_info):
        return register_vcpu_info(ctx, *v, arg);

    case abi::raw(VcpuOp::get_physid):
        return error(Errno::einval);

    case abi::raw(VcpuOp::initialise): {
        // Xen: a vCPU gets its context once (-EEXIST after); the context is
        // the guest's VcpuGuestContext, read whole.
        if (v->initialised) return error(Errno::eexist);
        static_assert(sizeof(abi::VcpuGuestContext) < 6 * 1024, "fits the hypervisor stack");
        abi::VcpuGuestContext context;
        if (!copy_from_guest(ctx.guest, GuestHandle<abi::VcpuGuestContext>(arg), context))
            return error(Errno::efault);
        return ctx.services->initialise_vcpu(*v, context);
    }

    default:
        return error(Errno::enosys);
    }
}

} // namespace pv
