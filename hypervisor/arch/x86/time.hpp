// System time: nanoseconds since the hypervisor started, from the TSC. The
// same number on every CPU provided their TSCs are synchronised (invariant
// TSC, CPUID 8000_0007H:EDX[8], and no firmware writing IA32_TIME_STAMP_COUNTER);
// nothing checks that yet.
#pragma once

#include "core/time/time_scale.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv::x86 {

class SystemClock {
public:
    // From here on now_ns() counts from `epoch_tsc`, the TSC value at which
    // system time is zero (the composition root takes it at entry). Called
    // once, on the boot CPU, before any other CPU reads the clock: afterwards
    // nothing changes, so readers need no lock.
    Status init(uint64_t tsc_hz, uint64_t epoch_tsc);
    bool ready() const { return scale_.valid(); }

    // Nanoseconds since the epoch; 0 until init, or on a CPU whose TSC is
    // behind the epoch.
    uint64_t now_ns() const;
    // The first TSC value at which now_ns() >= ns: a deadline that never
    // fires early.
    uint64_t tsc_at(uint64_t ns) const;
    uint64_t ns_at(uint64_t tsc) const;

    // Busy waits, for hardware that needs a pause. Only after init: until
    // then the TSC rate is unknown and they would wait forever.
    void delay_ns(uint64_t ns) const;
    void delay_us(uint64_t us) const { delay_ns(us * 1000); }

    uint64_t tsc_hz() const { return tsc_hz_; }
    uint64_t epoch_tsc() const { return epoch_tsc_; }
    // TSC ticks to ns: what a guest's vcpu_time_info will carry.
    const TimeScale& scale() const { return scale_; }

private:
    TimeScale scale_;
    uint64_t tsc_hz_ = 0;
    uint64_t epoch_tsc_ = 0;
};

} // namespace pv::x86
