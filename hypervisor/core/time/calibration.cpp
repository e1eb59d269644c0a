#include "core/time/calibration.hpp"

#include "lib/wide_math.hpp"

namespace pv {

namespace {

using u128 = uint128;
constexpr uint64_t k_u64_max = ~uint64_t{0};
constexpr u128 k_u128_max = ~u128{0};
constexpr uint64_t k_ppm = 1000000;

bool plausible(const CalibrationSample& s, uint64_t max_uncertainty_ppm) {
    return s.counted != 0 && s.reference_ticks != 0 &&
           u128(s.uncertainty) * k_ppm <= u128(s.counted) * max_uncertainty_ppm;
}

// A plausible sample's uncertainty in ppm of its count, rounded up.
uint64_t uncertainty_ppm(const CalibrationSample& s) {
    return static_cast<uint64_t>(divide128(u128(s.uncertainty) * k_ppm + s.counted - 1, s.counted));
}

// counted / reference_ticks in 32.32 fixed point: below 2^96.
u128 fixed_rate(const CalibrationSample& s) {
    return divide128(u128(s.counted) << 32, s.reference_ticks);
}

} // namespace

Result<uint64_t> rate_from_count(uint64_t counted, uint64_t reference_ticks, Rate reference) {
    if (counted == 0 || reference_ticks == 0 || reference.numerator == 0 ||
        reference.denominator == 0)
        return Errno::einval;
    // rate = counted * numerator / (reference_ticks * denominator); each
    // product of two 64-bit values fits in 128 bits.
    const u128 dividend = u128(counted) * reference.numerator;
    const u128 divisor = u128(reference_ticks) * reference.denominator;
    if (dividend > k_u128_max - (divisor >> 1)) return Errno::einval;
    const u128 rate = divide128(dividend + (divisor >> 1), divisor);
    if (rate > k_u64_max || rate == 0) return Errno::einval;
    return static_cast<uint64_t>(rate);
}

bool samples_agree(const CalibrationSample& a, const CalibrationSample& b, uint64_t ppm) {
    if (a.reference_ticks == 0 || b.reference_ticks == 0) return false;
    const u128 x = fixed_rate(a), y = fixed_rate(b);
    const u128 difference = x > y ? x - y : y - x;
    // Both products stay below 2^128 (ppm beyond 2^32 means nothing anyway).
    const uint64_t limit = ppm > 0xffffffffu ? 0xffffffffu : ppm;
    return difference * k_ppm <= (x > y ? y : x) * limit;
}

Result<size_t> agreeing_sample(const CalibrationSample* samples, size_t count,
                               uint64_t max_uncertainty_ppm) {
    size_t best = count;
    for (size_t i = 0; i < count; ++i) {
        if (!plausible(samples[i], max_uncertainty_ppm)) continue;
        bool agrees = false;
        for (size_t j = 0; j < count && !agrees; ++j)
            agrees = j != i && plausible(samples[j], max_uncertainty_ppm) &&
                     samples_agree(samples[i], samples[j],
                                   uncertainty_ppm(samples[i]) + uncertainty_ppm(samples[j]));
        if (agrees && (best == count || samples[i].uncertainty < samples[best].uncertainty))
            best = i;
    }
    if (best == count) return Errno::eagain;
    return best;
}

Result<size_t> best_sample(const CalibrationSample* samples, size_t count,
                           uint64_t max_uncertainty_ppm) {
    size_t best = count;
    for (size_t i = 0; i < count; ++i) {
        if (!plausible(samples[i], max_uncertainty_ppm)) continue;
        if (best == count || samples[i].uncertainty < samples[best].uncertainty) best = i;
    }
    if (best == count) return Errno::eio;
    return best;
}

bool within_ppm(uint64_t measured, uint64_t expected, uint64_t ppm) {
    const uint64_t difference = measured > expected ? measured - expected : expected - measured;
    return u128(difference) * k_ppm <= u128(expected) * ppm;
}

DecimalMhz to_decimal_mhz(uint64_t hz) {
    const uint64_t tenths = hz / 100000 + (hz % 100000 >= 50000 ? 1 : 0);
    return {tenths / 10, static_cast<uint32_t>(tenths % 10)};
}

} // namespace pv
