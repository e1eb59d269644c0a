#include "lib/wide_math.hpp"

#include <catch2/catch.hpp>

#include <cstdint>

using pv::uint128;

namespace {

struct Lcg {
    uint64_t state = 0x2545f4914f6cdd1dull;
    uint64_t next() {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return state;
    }
    // A value of 1..128 significant bits.
    uint128 wide(unsigned bits) {
        const uint128 x = (uint128(next()) << 64) | next();
        return bits >= 128 ? x : x >> (128 - bits);
    }
};

} // namespace

TEST_CASE("wide math: leading zeros", "[wide_math]") {
    CHECK(pv::leading_zeros128(0) == 128);
    CHECK(pv::leading_zeros128(1) == 127);
    CHECK(pv::leading_zeros128(uint128(1) << 64) == 63);
    CHECK(pv::leading_zeros128(~uint128(0)) == 0);
}

TEST_CASE("wide math: division agrees with the compiler's", "[wide_math]") {
    Lcg rng;
    for (int i = 0; i < 20000; ++i) {
        const uint128 n = rng.wide(1 + i % 128);
        uint128 d = rng.wide(1 + (i / 128) % 128);
        if (d == 0) d = 1;
        INFO("i " << i);
        CHECK(pv::divide128(n, d) == n / d);
        const uint32_t d32 = static_cast<uint32_t>(d) | 1;
        uint32_t rest = 0;
        CHECK(pv::divide128_by_u32(n, d32, &rest) == n / d32);
        CHECK(rest == n % d32);
    }
}

TEST_CASE("wide math: edges", "[wide_math]") {
    const uint128 max = ~uint128(0);
    CHECK(pv::divide128(max, 1) == max);
    CHECK(pv::divide128(max, max) == 1);
    CHECK(pv::divide128(max - 1, max) == 0);
    CHECK(pv::divide128(5, 0) == 0);
    CHECK(pv::divide128(max, uint128(1) << 127) == 1);
    CHECK(pv::divide128_by_u32(max, 0xffffffffu) == max / 0xffffffffu);
    static_assert(pv::divide128(uint128(1) << 100, uint128(1) << 36) == uint128(1) << 64);
}
