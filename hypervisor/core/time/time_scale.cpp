#include "core/time/time_scale.hpp"

#include "lib/wide_math.hpp"

namespace pv {

namespace {

using u128 = uint128;
constexpr uint64_t k_u64_max = ~uint64_t{0};
constexpr int k_min_shift = -32, k_max_shift = 32;

} // namespace

Result<TimeScale> TimeScale::from_rates(uint64_t from_rate, uint64_t to_rate) {
    if (from_rate == 0 || to_rate == 0) return Errno::einval;
    // Normalise to b/2 <= a < b, so that to/from = (a/b) * 2^shift with a/b
    // in [1/2, 1). Each loop runs at most 64 times; a stays below 2^65.
    u128 a = to_rate, b = from_rate;
    int shift = 0;
    while (a >= b) {
        b <<= 1;
        ++shift;
    }
    while (a * 2 < b) {
        a <<= 1;
        --shift;
    }
    // mul = round(2^32 * a / b), in [2^31, 2^32]; 2^32 itself is 2^31 one shift up.
    u128 mul = divide128((a << 32) + (b >> 1), b);
    if (mul == (u128(1) << 32)) {
        mul >>= 1;
        ++shift;
    }
    if (shift < k_min_shift || shift > k_max_shift) return Errno::einval;
    return TimeScale(static_cast<uint32_t>(mul), static_cast<int8_t>(shift));
}

uint64_t TimeScale::apply(uint64_t ticks) const {
    uint64_t shifted;
    if (shift_ >= 0) {
        if (ticks > (k_u64_max >> shift_)) return k_u64_max;
        shifted = ticks << shift_;
    } else {
        shifted = ticks >> -shift_;
    }
    // shifted * mul < 2^96, so the result fits in 64 bits.
    return static_cast<uint64_t>((u128(shifted) * mul_) >> 32);
}

uint64_t TimeScale::inverse_ceil(uint64_t value) const {
    if (value == 0) return 0;
    if (mul_ == 0) return k_u64_max;
    // The smallest shifted value with (shifted * mul) >> 32 >= value is
    // ceil(value * 2^32 / mul), below 2^96.
    const u128 shifted = divide128_by_u32((u128(value) << 32) + mul_ - 1, mul_);
    if (shift_ >= 0) {
        // The smallest ticks with ticks << shift >= shifted.
        const u128 ticks = (shifted + ((u128(1) << shift_) - 1)) >> shift_;
        return ticks > k_u64_max ? k_u64_max : static_cast<uint64_t>(ticks);
    }
    // The smallest ticks with ticks >> -shift >= shifted.
    if (shifted > (u128(k_u64_max) >> -shift_)) return k_u64_max;
    return static_cast<uint64_t>(shifted << -shift_);
}

} // namespace pv
