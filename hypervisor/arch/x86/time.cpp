#include "arch/x86/time.hpp"

#include "arch/x86/cpu.hpp"

namespace pv::x86 {

Status SystemClock::init(uint64_t tsc_hz, uint64_t epoch_tsc) {
    TimeScale scale = TRY(TimeScale::ticks_to_ns_from_hz(tsc_hz));
    scale_ = scale;
    tsc_hz_ = tsc_hz;
    epoch_tsc_ = epoch_tsc;
    return Status::ok();
}

uint64_t SystemClock::ns_at(uint64_t tsc) const {
    return tsc > epoch_tsc_ ? scale_.apply(tsc - epoch_tsc_) : 0;
}

uint64_t SystemClock::now_ns() const {
    return ns_at(rdtsc_ordered());
}

uint64_t SystemClock::tsc_at(uint64_t ns) const {
    const uint64_t ticks = scale_.inverse_ceil(ns);
    return ticks > ~uint64_t{0} - epoch_tsc_ ? ~uint64_t{0} : epoch_tsc_ + ticks;
}

void SystemClock::delay_ns(uint64_t ns) const {
    const uint64_t start = rdtsc_ordered();
    const uint64_t ticks = scale_.inverse_ceil(ns);
    while (rdtsc_ordered() - start < ticks)
        cpu_relax();
}

} // namespace pv::x86
