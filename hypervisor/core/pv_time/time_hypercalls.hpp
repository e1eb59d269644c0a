// set_timer_op and vcpu_op (Xen's do_set_timer_op, xen/common/sched/core.c;
// do_vcpu_op, xen/common/domain.c and xen/arch/x86/domain.c).
//
// set_timer_op(timeout): the calling vCPU's singleshot timer, absolute
//   system time in ns (a signed 64-bit value). 0 stops it; a negative
//   timeout or one more than 2^50 ns (~13 days) ahead fires in 100 ms
//   instead (Xen's workaround for Linux's wrapped jiffies); a deadline
//   already passed fires VIRQ_TIMER at once. Always 0.
//
// vcpu_op(cmd, vcpuid, arg): vcpuid must name one of the caller's vCPUs
//   (-ENOENT), for every command.
//   initialise               -ENOSYS: secondary vCPUs cannot be given a
//                            context yet (needs the arch's PV context check).
//   up                       0 if up; an offline vCPU was never initialised:
//                            -EINVAL.
//   down                     the last vCPU up going down powers the domain
//                            off (Xen); a vCPU already down: 0; taking down
//                            another running vCPU: -ENOSYS (no scheduler hook).
//   is_up                    1 or 0.
//   get_runstate_info        VcpuRunstateInfo out (-EFAULT).
//   register_runstate_memory_area  the area's address must be plausible
//                            (-EFAULT); the runstate is copied there now
//                            (faults ignored) and on every change.
//   set_periodic_timer       period < 1 ms or > 2^62 ns: -EINVAL.
//   stop_periodic_timer      0.
//   set_singleshot_timer     the caller's own vCPU only (-EINVAL); with
//                            VCPU_SSHOTTMR_future a deadline already passed
//                            is -ETIME, otherwise it fires at once.
//   stop_singleshot_timer    the caller's own vCPU only (-EINVAL).
//   register_vcpu_info       offset must leave room for the 64-byte struct
//                            in the page and be 8-byte aligned, the vCPU
//                            must not have one yet, must be the caller or
//                            offline, and the frame must be the domain's own
//                            and writable (map_guest_frame): else -EINVAL.
//   get_physid               -EINVAL (no vCPU is pinned to a physical CPU).
//   send_nmi, register_vcpu_time_memory_area and the rest: -ENOSYS.
// Without a caller or the vCPU's VcpuTimeState (services): -ENOSYS.
#pragma once

#include "core/hypercall/hypercall_table.hpp"

namespace pv {

long do_set_timer_op(HypercallContext& ctx, const HypercallArgs& args);
long do_vcpu_op(HypercallContext& ctx, const HypercallArgs& args);

// Xen's 100 ms fallback for huge set_timer_op timeouts, and its limit.
inline constexpr uint64_t k_huge_timeout_fallback_ns = 100'000'000;
inline constexpr uint64_t k_min_periodic_ns = 1'000'000;         // MILLISECS(1)
inline constexpr uint64_t k_max_periodic_ns = ~uint64_t{0} >> 2; // STIME_DELTA_MAX

} // namespace pv
