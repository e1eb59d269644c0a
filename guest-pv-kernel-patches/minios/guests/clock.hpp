// System time and sleeping for the sample DomUs: pvclock from shared_info
// (kernel/pvclock.hpp), and a sleep that blocks the vCPU until a
// set_timer_op deadline, so a sleeping guest uses no CPU.
//
// The one-shot timer raises VIRQ_TIMER (Xen's set_timer_op semantics), and
// only an event wakes a blocked vCPU, so the clock binds VIRQ_TIMER. It also
// stops the periodic timer (Xen starts PV vCPUs with a 100 Hz one), which
// would otherwise wake the guest a hundred times a second.
#pragma once

#include "kernel/kernel.hpp"

#include <cstdint>

namespace minios::guests {

inline constexpr uint64_t k_ns_per_second = 1'000'000'000;

class GuestClock {
public:
    // 0, or a negative Xen errno: -ENOSYS without shared_info (no pvclock),
    // else bind_virq's result.
    long start(Kernel& k);

    // System time in ns.
    uint64_t now() const;

    // Blocks until system time reaches `deadline` (returns at once if it has).
    void sleep_until(uint64_t deadline);

private:
    Kernel* kernel_ = nullptr;
    uint32_t timer_port_ = 0;
};

} // namespace minios::guests
