// 128-bit unsigned arithmetic for exact time and rate calculations.
//
// GCC multiplies, shifts and compares `unsigned __int128` inline, but turns
// `/` and `%` into calls to libgcc's __udivti3/__umodti3, which the
// freestanding image does not link (-nostdlib). These divide without them.
#pragma once

#include <cstdint>

namespace pv {

using uint128 = unsigned __int128;

inline constexpr unsigned leading_zeros128(uint128 x) {
    const uint64_t high = static_cast<uint64_t>(x >> 64), low = static_cast<uint64_t>(x);
    if (high != 0) return static_cast<unsigned>(__builtin_clzll(high));
    if (low != 0) return 64 + static_cast<unsigned>(__builtin_clzll(low));
    return 128;
}

// n / d for d < 2^32: four 64-bit divisions over 32-bit limbs, each of
// which divides a value below d * 2^32, so nothing overflows. d must be > 0.
inline constexpr uint128 divide128_by_u32(uint128 n, uint32_t d, uint32_t* remainder = nullptr) {
    uint128 quotient = 0;
    uint64_t rest = 0;
    for (int limb = 3; limb >= 0; --limb) {
        const uint64_t current = (rest << 32) | static_cast<uint32_t>(n >> (32 * limb));
        quotient |= uint128(current / d) << (32 * limb);
        rest = current % d;
    }
    if (remainder != nullptr) *remainder = static_cast<uint32_t>(rest);
    return quotient;
}

// n / d for any d > 0 (d == 0 gives 0): 64-bit division when both fit,
// otherwise shift-and-subtract, at most 128 steps.
inline constexpr uint128 divide128(uint128 n, uint128 d) {
    if (d == 0 || n < d) return 0;
    if ((n >> 64) == 0) return static_cast<uint64_t>(n) / static_cast<uint64_t>(d);
    if ((d >> 32) == 0) return divide128_by_u32(n, static_cast<uint32_t>(d));
    const unsigned shift = leading_zeros128(d) - leading_zeros128(n);
    d <<= shift;
    uint128 quotient = 0;
    for (unsigned i = 0; i <= shift; ++i) {
        quotient <<= 1;
        if (n >= d) {
            n -= d;
            quotient |= 1;
        }
        d >>= 1;
    }
    return quotient;
}

} // namespace pv
