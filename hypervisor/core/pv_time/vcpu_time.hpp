// VcpuTimeState: one vCPU's timers and runstate (Xen's singleshot_timer,
// periodic_timer, poll_timer and runstate fields of struct vcpu; facts from
// xen/common/sched/core.c and xen/common/domain.c).
//
// Timers. All three share the vCPU's one hypervisor timer, which the arch
// provides through HypervisorServices::set_vcpu_timer / cancel_vcpu_timer
// (the APIC timer); it is always armed for the earliest deadline:
//   singleshot  set_timer_op / VCPUOP_set_singleshot_timer: VIRQ_TIMER once
//               at the deadline; a deadline already passed fires at once.
//   periodic    VIRQ_TIMER every `period` ns (PV guests start with 10 ms,
//               Xen's 100 Hz ticker, once the vCPU runs: start()).
//   poll        sched_op poll's timeout: ends the poll, no event.
// When the hypervisor timer fires the arch calls timer_expired().
//
// Runstate: time spent running / runnable / blocked / offline, which the
// scheduler reports with runstate_change(); a guest may register a copy in
// its memory (VCPUOP_register_runstate_memory_area) that is rewritten on
// every change the arch reports with the vCPU's address space.
//
// Locking: `lock_` guards everything here; it is taken before any event
// lock, and VIRQ_TIMER is sent after releasing it.
#pragma once

#include "core/domain/vcpu.hpp"
#include "core/hypercall/guest_memory.hpp"
#include "include/public/vcpu.hpp"
#include "lib/spinlock.hpp"

#include <cstdint>

namespace pv {

class HypervisorServices;

class VcpuTimeState {
public:
    static constexpr uint64_t k_default_period_ns = 10'000'000; // Xen: PV's 100 Hz ticker

    VcpuTimeState(Vcpu& vcpu, HypervisorServices& services);
    VcpuTimeState(const VcpuTimeState&) = delete;
    VcpuTimeState& operator=(const VcpuTimeState&) = delete;

    Vcpu& vcpu() { return vcpu_; }

    // --- Timers (deadlines and now in system-time ns) ---
    // The vCPU starts running for the first time: start the periodic timer
    // if a period is set (Xen arms it when the vCPU is scheduled).
    void start();
    // A deadline <= now fires VIRQ_TIMER at once (before returning).
    void set_singleshot(uint64_t deadline_ns);
    void stop_singleshot();
    // 0 stops it. Otherwise VIRQ_TIMER every period, the first one at once
    // if a period has already passed since the last periodic event.
    void set_periodic(uint64_t period_ns);
    // sched_op poll's timeout (0: none).
    void set_poll_timeout(uint64_t deadline_ns);
    // The arch's hypervisor timer for this vCPU fired.
    void timer_expired();

    uint64_t singleshot_deadline(); // 0: not armed
    uint64_t periodic_period();     // 0: stopped
    uint64_t armed_deadline();      // what the hypervisor timer is armed for; 0: none

    // --- Runstate ---
    // The vCPU enters `state` at system time `now` (monotonic per vCPU).
    // With `space` (the vCPU's address space) the guest's registered copy
    // is rewritten too (Xen's update_runstate_area).
    void runstate_change(abi::RunState state, uint64_t now, GuestAddressSpace* space = nullptr);
    // Xen's vcpu_runstate_get: the times with the current state's time
    // extended to `now`.
    abi::VcpuRunstateInfo runstate(uint64_t now);
    // VCPUOP_register_runstate_memory_area: from now on (0: stop).
    void set_runstate_area(uint64_t guest_va);
    uint64_t runstate_area();
    // Copy the runstate to the registered area (no-op without one; a fault
    // is ignored, as in Xen). With VMASST_TYPE_runstate_update_flag, bit 63
    // of state_entry_time is set while the copy is being rewritten.
    void update_runstate_area(GuestAddressSpace& space);

private:
    void rearm_locked();
    // Xen's vcpu_periodic_timer_work: true if a periodic event is due now.
    bool periodic_work_locked(uint64_t now);
    void send_timer_event();
    void copy_runstate_locked(GuestAddressSpace& space);

    Vcpu& vcpu_;
    HypervisorServices& services_;
    SpinLock lock_;           // guards everything below
    uint64_t singleshot_ = 0; // deadline; 0: off
    uint64_t period_ = k_default_period_ns;
    uint64_t periodic_last_ = 0; // system time of the last periodic event
    uint64_t periodic_next_ = 0; // 0: the periodic timer is not running
    uint64_t poll_deadline_ = 0;
    uint64_t armed_ = 0; // deadline the arch timer is set for; 0: cancelled
    abi::VcpuRunstateInfo runstate_{};
    uint64_t runstate_area_ = 0;
};

} // namespace pv
