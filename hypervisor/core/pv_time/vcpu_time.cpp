#include "core/pv_time/vcpu_time.hpp"

#include "core/event/event_channels.hpp"
#include "core/pv_hypercalls/common.hpp"
#include "core/pv_hypercalls/services.hpp"

namespace pv {

VcpuTimeState::VcpuTimeState(Vcpu& vcpu, HypervisorServices& services)
    : vcpu_(vcpu), services_(services) {
    // Xen: a new vCPU is offline from its creation time.
    runstate_.state = abi::raw(abi::RunState::offline);
    runstate_.state_entry_time = services_.system_time_ns();
}

// --- Timers -------------------------------------------------------------------------

void VcpuTimeState::rearm_locked() {
    uint64_t next = 0;
    for (uint64_t d : {singleshot_, periodic_next_, poll_deadline_})
        if (d != 0 && (next == 0 || d < next)) next = d;
    if (next == armed_) return;
    armed_ = next;
    if (next == 0)
        services_.cancel_vcpu_timer(vcpu_);
    else
        services_.set_vcpu_timer(vcpu_, next);
}

bool VcpuTimeState::periodic_work_locked(uint64_t now) {
    if (period_ == 0) {
        periodic_next_ = 0;
        return false;
    }
    bool fire = false;
    uint64_t next = periodic_last_ + period_;
    if (now >= next) {
        fire = true;
        periodic_last_ = now;
        next = now + period_;
    }
    periodic_next_ = next;
    return fire;
}

void VcpuTimeState::send_timer_event() {
    if (EventChannels* events = services_.event_channels(vcpu_.domain()); events != nullptr)
        events->send_virq(abi::Virq::timer, vcpu_.id());
}

void VcpuTimeState::start() {
    bool fire = false;
    {
        LockGuard guard(lock_);
        if (period_ != 0 && periodic_next_ == 0)
            fire = periodic_work_locked(services_.system_time_ns());
        rearm_locked();
    }
    if (fire) send_timer_event();
}

void VcpuTimeState::set_singleshot(uint64_t deadline_ns) {
    bool fire = false;
    {
        LockGuard guard(lock_);
        if (deadline_ns <= services_.system_time_ns()) {
            singleshot_ = 0;
            fire = true;
        } else {
            singleshot_ = deadline_ns;
        }
        rearm_locked();
    }
    if (fire) send_timer_event();
}

void VcpuTimeState::stop_singleshot() {
    LockGuard guard(lock_);
    singleshot_ = 0;
    rearm_locked();
}

void VcpuTimeState::set_periodic(uint64_t period_ns) {
    bool fire = false;
    {
        LockGuard guard(lock_);
        period_ = period_ns;
        periodic_next_ = 0;
        if (period_ns != 0) fire = periodic_work_locked(services_.system_time_ns());
        rearm_locked();
    }
    if (fire) send_timer_event();
}

void VcpuTimeState::set_poll_timeout(uint64_t deadline_ns) {
    LockGuard guard(lock_);
    poll_deadline_ = deadline_ns;
    rearm_locked();
}

void VcpuTimeState::timer_expired() {
    bool fire = false, poll_over = false;
    {
        LockGuard guard(lock_);
        const uint64_t now = services_.system_time_ns();
        armed_ = 0; // the arch timer is spent
        if (singleshot_ != 0 && singleshot_ <= now) {
            singleshot_ = 0;
            fire = true;
        }
        if (periodic_next_ != 0 && periodic_next_ <= now) fire |= periodic_work_locked(now);
        if (poll_deadline_ != 0 && poll_deadline_ <= now) {
            poll_deadline_ = 0;
            poll_over = true;
        }
        rearm_locked();
    }
    if (fire) send_timer_event();
    if (poll_over) {
        // Xen's poll_timer_fn: wake it only if it is still polling.
        EventChannels* events = services_.event_channels(vcpu_.domain());
        if (events != nullptr && events->poll_end(vcpu_.id())) services_.kick_vcpu(vcpu_);
    }
}

uint64_t VcpuTimeState::singleshot_deadline() {
    LockGuard guard(lock_);
    return singleshot_;
}
uint64_t VcpuTimeState::periodic_period() {
    LockGuard guard(lock_);
    return period_;
}
uint64_t VcpuTimeState::armed_deadline() {
    LockGuard guard(lock_);
    return armed_;
}

// --- Runstate -------------------------------------------------------------------------

void VcpuTimeState::runstate_change(abi::RunState state, uint64_t now, GuestAddressSpace* space) {
    LockGuard guard(lock_);
    // Xen's vcpu_runstate_change: charge the old state up to now.
    if (now > runstate_.state_entry_time) {
        const auto old = static_cast<uint32_t>(runstate_.state);
        if (old < 4) runstate_.time[old] += now - runstate_.state_entry_time;
        runstate_.state_entry_time = now;
    }
    runstate_.state = abi::raw(state);
    if (space != nullptr) copy_runstate_locked(*space);
}

abi::VcpuRunstateInfo VcpuTimeState::runstate(uint64_t now) {
    LockGuard guard(lock_);
    abi::VcpuRunstateInfo out = runstate_;
    const auto state = static_cast<uint32_t>(out.state);
    if (now > out.state_entry_time && state < 4) out.time[state] += now - out.state_entry_time;
    return out;
}

void VcpuTimeState::set_runstate_area(uint64_t guest_va) {
    LockGuard guard(lock_);
    runstate_area_ = guest_va;
}

uint64_t VcpuTimeState::runstate_area() {
    LockGuard guard(lock_);
    return runstate_area_;
}

void VcpuTimeState::update_runstate_area(GuestAddressSpace& space) {
    LockGuard guard(lock_);
    copy_runstate_locked(space);
}

void VcpuTimeState::copy_runstate_locked(GuestAddressSpace& space) {
    if (runstate_area_ == 0) return;
    const GuestHandle<abi::VcpuRunstateInfo> area(runstate_area_);
    const GuestHandle<uint64_t> entry_time(runstate_area_ +
                                           offsetof(abi::VcpuRunstateInfo, state_entry_time));
    const bool flag =
        pvh::vm_assist_enabled(vcpu_.domain(), abi::VmAssistType::runstate_update_flag);
    abi::VcpuRunstateInfo copy = runstate_;
    // Faults are ignored: the guest gave a bad address and gets no copy.
    if (flag) {
        copy.state_entry_time |= abi::k_runstate_update;
        (void)copy_to_guest(space, entry_time, copy.state_entry_time);
        __atomic_thread_fence(__ATOMIC_RELEASE);
    }
    (void)copy_to_guest(space, area, copy);
    if (flag) {
        __atomic_thread_fence(__ATOMIC_RELEASE);
        (void)copy_to_guest(space, entry_time, runstate_.state_entry_time);
    }
}

} // namespace pv
