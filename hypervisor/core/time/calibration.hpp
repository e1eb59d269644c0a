// The arithmetic of clock calibration: a clock whose rate we want (the TSC,
// the APIC timer) is counted over an interval of a clock whose rate we know
// (the PIT, the HPET, the TSC once known, a crystal). Integer-only.
#pragma once

#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv {

// A clock rate in Hz as an exact fraction: the PIT's 1.193181818... MHz is
// 39375000 / 33 Hz, which no integer states exactly.
struct Rate {
    uint64_t numerator;
    uint64_t denominator = 1;
};

// `counted` ticks of the measured clock passed during `reference_ticks`
// ticks of a clock running at `reference`: the measured clock's rate in Hz,
// rounded to nearest. EINVAL if an input is zero or the result exceeds 64 bits.
Result<uint64_t> rate_from_count(uint64_t counted, uint64_t reference_ticks, Rate reference);

// One calibration round: `counted` measured ticks over `reference_ticks`,
// with the interval's ends known only to within `uncertainty` measured
// ticks (the time the reads of the reference clock took).
struct CalibrationSample {
    uint64_t counted = 0;
    uint64_t reference_ticks = 0;
    uint64_t uncertainty = 0;
};

// The index of the most trustworthy sample: the smallest uncertainty among
// those whose uncertainty is at most `max_uncertainty_ppm` of their count
// (a round that an SMI or a busy host stretched is skipped). EIO if none is.
Result<size_t> best_sample(const CalibrationSample* samples, size_t count,
                           uint64_t max_uncertainty_ppm);

// Whether two samples give the same rate to within `ppm` parts per million.
bool samples_agree(const CalibrationSample& a, const CalibrationSample& b, uint64_t ppm);

// For calibration in rounds until two agree: the least uncertain of the
// samples that pass best_sample's `max_uncertainty_ppm` and agree with
// another that does, to within the sum of the two samples' uncertainties.
// EAGAIN while no two do.
Result<size_t> agreeing_sample(const CalibrationSample* samples, size_t count,
                               uint64_t max_uncertainty_ppm);

// Whether `measured` is within `ppm` parts per million of `expected` (> 0).
bool within_ppm(uint64_t measured, uint64_t expected, uint64_t ppm);

// A rate for humans, rounded to 0.1 MHz: 2893249000 Hz -> {2893, 2}.
struct DecimalMhz {
    uint64_t whole;
    uint32_t tenths;
};
DecimalMhz to_decimal_mhz(uint64_t hz);

} // namespace pv
