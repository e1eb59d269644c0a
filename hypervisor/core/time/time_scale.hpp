// TimeScale: converts a count of one clock's ticks into another unit with a
// multiply and a shift, integer-only. It is the representation of Xen's
// vcpu_time_info (tsc_to_system_mul, tsc_shift), and apply() is the exact
// formula a PV guest evaluates:
//
//   shifted = shift >= 0 ? ticks << shift : ticks >> -shift
//   result  = (shifted * mul) >> 32          (96-bit product)
//
// so the hypervisor and its guests compute the same nanoseconds from the
// same TSC value, bit for bit.
//
// Precision: mul is normalised into [2^31, 2^32), so the scale factor is
// off by at most 2^-32 relative (0.0002 ppm); a negative shift drops fewer
// than 2^-shift ticks (under a nanosecond for a clock above 1 GHz).
// Range: a positive shift at most doubles the value before the multiply, so
// ticks_to_ns works until the result nears 2^63 ns (292 years); a 10 GHz TSC
// itself wraps after 58 years.
#pragma once

#include "lib/status.hpp"

#include <cstdint>

namespace pv {

inline constexpr uint64_t k_ns_per_second = 1000000000;

class TimeScale {
public:
    // A zero scale (apply() returns 0) until a factory's result is assigned.
    constexpr TimeScale() = default;

    // Scales `from_rate` units into `to_rate` units: apply(x) ~ x * to / from.
    // EINVAL if a rate is 0 or the ratio is outside [2^-33, 2^32).
    static Result<TimeScale> from_rates(uint64_t from_rate, uint64_t to_rate);
    // Ticks of a clock running at `hz` into nanoseconds.
    static Result<TimeScale> ticks_to_ns_from_hz(uint64_t hz) {
        return from_rates(hz, k_ns_per_second);
    }

    // The guest's formula (see the top of the file). Saturates at 2^64-1
    // instead of wrapping where the shifted value would overflow.
    uint64_t apply(uint64_t ticks) const;
    // The exact inverse for deadlines: the smallest `ticks` with
    // apply(ticks) >= value, so a timer armed for it never fires early.
    // Saturates at 2^64-1; a zero scale gives 2^64-1 for any value > 0.
    uint64_t inverse_ceil(uint64_t value) const;

    uint32_t mul() const { return mul_; }   // vcpu_time_info.tsc_to_system_mul
    int8_t shift() const { return shift_; } // vcpu_time_info.tsc_shift
    bool valid() const { return mul_ != 0; }
    constexpr bool operator==(const TimeScale&) const = default;

private:
    // Only from_rates makes scales: mul in [2^31, 2^32), shift in [-32, 32].
    constexpr TimeScale(uint32_t mul, int8_t shift) : mul_(mul), shift_(shift) {}

    uint32_t mul_ = 0;
    int8_t shift_ = 0;
};

} // namespace pv
