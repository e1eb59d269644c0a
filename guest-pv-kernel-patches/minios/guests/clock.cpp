#include "guests/clock.hpp"

#include "arch/hypercall.hpp"
#include "include/public/errno.hpp"
#include "kernel/pvclock.hpp"

namespace minios::guests {

long GuestClock::start(Kernel& k) {
    if (k.events.vcpu_info() == nullptr) return -static_cast<long>(abi::Errno::enosys);
    abi::EvtchnBindVirq virq{abi::raw(abi::Virq::timer), 0, 0};
    const long rc = hv::event_channel_op(abi::EventChannelOp::bind_virq, &virq);
    if (rc < 0) return rc;
    timer_port_ = virq.port;
    // Not fatal if refused: the guest then wakes on every tick and sleeps again.
    hv::vcpu_op(abi::VcpuOp::stop_periodic_timer, 0);
    kernel_ = &k;
    return 0;
}

uint64_t GuestClock::now() const {
    return system_time_ns(kernel_->events.vcpu_info()->time);
}

void GuestClock::sleep_until(uint64_t deadline) {
    Events& events = kernel_->events;
    while (now() < deadline) {
        // Returns after the upcall (kernel/events.cpp) has acknowledged
        // whatever woke us: the timer, or another event such as the console
        // backend's.
        events.block(deadline);
        events.take_delivered(timer_port_);
    }
}

} // namespace minios::guests
