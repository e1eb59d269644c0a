#include "core/time/time_scale.hpp"

// Named before <catch2/catch.hpp>, whose <cerrno> defines EINVAL as a macro.
namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
}

#include <catch2/catch.hpp>

#include <cstdint>

using pv::TimeScale;

namespace {

using u128 = unsigned __int128;
constexpr uint64_t k_u64_max = ~uint64_t{0};
constexpr uint64_t k_ghz = 1000000000;
constexpr uint64_t k_ten_years_s = 10ull * 36525 * 864; // 10 * 365.25 days, in seconds

TimeScale ns_scale(uint64_t hz) {
    const auto scale = TimeScale::ticks_to_ns_from_hz(hz);
    REQUIRE(scale.is_ok());
    return *scale;
}

// The exact conversion, truncated.
uint64_t exact_ns(uint64_t ticks, uint64_t hz) {
    return static_cast<uint64_t>(u128(ticks) * k_ghz / hz);
}

// How a Xen PV guest turns a TSC delta into nanoseconds from its
// vcpu_time_info, written out independently of TimeScale::apply.
uint64_t guest_formula(uint64_t delta, uint32_t mul, int8_t shift) {
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return static_cast<uint64_t>((u128(delta) * mul) >> 32);
}

// A deterministic spread of values over many magnitudes.
struct Lcg {
    uint64_t state = 0x9e3779b97f4a7c15ull;
    uint64_t next() {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return state;
    }
    uint64_t below_bits(unsigned bits) { return bits >= 64 ? next() : next() >> (64 - bits); }
};

const uint64_t k_frequencies[] = {1193182,    14318180,   24000000,   100000000,   999999999,
                                  1000000000, 1000000001, 1600000000, 2893249000,  3000000000,
                                  3600000000, 4294967296, 5000000000, 10000000000, 25000000000};

} // namespace

TEST_CASE("time scale: 1 GHz is the identity, in Xen's form", "[time]") {
    const TimeScale s = ns_scale(k_ghz);
    CHECK(s.mul() == 0x80000000u);
    CHECK(s.shift() == 1);
    for (uint64_t t : {0ull, 1ull, 2ull, 999ull, 123456789012345ull, 1ull << 62})
        CHECK(s.apply(t) == t);
}

TEST_CASE("time scale: mul is normalised and the form is the guest's", "[time]") {
    Lcg rng;
    for (uint64_t hz : k_frequencies) {
        INFO("hz " << hz);
        const TimeScale s = ns_scale(hz);
        CHECK(s.valid());
        CHECK(s.mul() >= 0x80000000u);
        for (int i = 0; i < 1000; ++i) {
            const uint64_t t = rng.below_bits(1 + i % 60);
            // Where the guest's shift would wrap, apply() saturates instead.
            if (s.shift() > 0 && t > (k_u64_max >> s.shift())) continue;
            CHECK(s.apply(t) == guest_formula(t, s.mul(), s.shift()));
        }
    }
}

TEST_CASE("time scale: error below 1 ppm over many magnitudes", "[time]") {
    Lcg rng;
    for (uint64_t hz : k_frequencies) {
        INFO("hz " << hz);
        const TimeScale s = ns_scale(hz);
        for (int i = 0; i < 2000; ++i) {
            const uint64_t t = rng.below_bits(8 + i % 55);
            if (u128(t) * k_ghz / hz >= 1ull << 62) continue; // beyond the range (time_scale.hpp)
            const uint64_t want = exact_ns(t, hz);
            const uint64_t got = s.apply(t);
            const uint64_t error = got > want ? got - want : want - got;
            INFO("ticks " << t << " want " << want << " got " << got);
            // 1 ppm, plus the nanosecond that truncation may cost.
            CHECK(error <= want / 1000000 + 1);
            // In fact far better: mul is exact to 2^-32, and a negative
            // shift drops fewer than 2^-shift ticks.
            const uint64_t dropped_ns =
                s.shift() < 0 ? (((1ull << -s.shift()) * k_ghz) / hz) + 1 : 0;
            CHECK(error <= (want >> 31) + dropped_ns + 1);
        }
    }
}

TEST_CASE("time scale: ten years of uptime at 10 GHz", "[time]") {
    const uint64_t hz = 10 * k_ghz;
    const TimeScale s = ns_scale(hz);
    const uint64_t ticks = k_ten_years_s * hz; // 3.16e18 < 2^64
    const uint64_t want = k_ten_years_s * k_ghz;
    const uint64_t got = s.apply(ticks);
    CHECK(got <= want + want / 1000000);
    CHECK(got >= want - want / 1000000);
    // Still monotonic and not wrapped at the end of the TSC's range.
    CHECK(s.apply(k_u64_max) >= got);
    const uint64_t end = exact_ns(k_u64_max, hz);
    CHECK(s.apply(k_u64_max) <= end + end / 1000000);
    CHECK(s.apply(k_u64_max) >= end - end / 1000000);
}

TEST_CASE("time scale: slow clocks shift left without wrapping", "[time]") {
    const TimeScale s = ns_scale(1193182); // the PIT
    CHECK(s.shift() > 0);
    const uint64_t ten_years_of_ticks = k_ten_years_s * 1193182;
    const uint64_t want = exact_ns(ten_years_of_ticks, 1193182);
    CHECK(s.apply(ten_years_of_ticks) <= want + want / 1000000);
    CHECK(s.apply(ten_years_of_ticks) + want / 1000000 >= want);
    // Far beyond any uptime the shifted value would overflow: saturate.
    CHECK(s.apply(k_u64_max) == k_u64_max);
}

TEST_CASE("time scale: inverse_ceil is the exact inverse for deadlines", "[time]") {
    Lcg rng;
    for (uint64_t hz : k_frequencies) {
        INFO("hz " << hz);
        const TimeScale s = ns_scale(hz);
        CHECK(s.inverse_ceil(0) == 0);
        for (int i = 0; i < 2000; ++i) {
            const uint64_t ns = rng.below_bits(1 + i % 59);
            const uint64_t t = s.inverse_ceil(ns);
            INFO("ns " << ns << " ticks " << t);
            REQUIRE(t != k_u64_max);
            CHECK(s.apply(t) >= ns);
            if (t > 0) CHECK(s.apply(t - 1) < ns);
        }
    }
}

TEST_CASE("time scale: inverse_ceil of ten years at 10 GHz", "[time]") {
    const uint64_t hz = 10 * k_ghz;
    const TimeScale s = ns_scale(hz);
    const uint64_t ns = k_ten_years_s * k_ghz;
    const uint64_t t = s.inverse_ceil(ns);
    CHECK(s.apply(t) >= ns);
    CHECK(s.apply(t - 1) < ns);
    const uint64_t want = k_ten_years_s * hz;
    CHECK(t <= want + want / 1000000);
    CHECK(t + want / 1000000 >= want);
}

TEST_CASE("time scale: inverse_ceil saturates past the end of the range", "[time]") {
    // A 10 GHz clock wraps 64 bits after ~1.8e9 s; ask for later than that.
    CHECK(ns_scale(10 * k_ghz).inverse_ceil(k_u64_max) == k_u64_max);
    CHECK(TimeScale().inverse_ceil(1) == k_u64_max);
    CHECK(TimeScale().apply(12345) == 0);
    CHECK_FALSE(TimeScale().valid());
}

TEST_CASE("time scale: general rates, e.g. nanoseconds to APIC timer ticks", "[time]") {
    const auto to_apic = TimeScale::from_rates(k_ghz, 100000000); // 100 MHz bus
    REQUIRE(to_apic.is_ok());
    CHECK(to_apic->apply(10000000) == 1000000); // 10 ms
    const auto half = TimeScale::from_rates(2, 1);
    REQUIRE(half.is_ok());
    CHECK(half->apply(1000) == 500);
    const auto same = TimeScale::from_rates(7, 7);
    REQUIRE(same.is_ok());
    CHECK(same->apply(k_u64_max >> 1) == k_u64_max >> 1);
}

TEST_CASE("time scale: rejected rates", "[time]") {
    CHECK(TimeScale::ticks_to_ns_from_hz(0).error() == k_einval);
    CHECK(TimeScale::from_rates(1, 0).error() == k_einval);
    // Ratios outside [2^-33, 2^32) need a shift beyond +-32.
    CHECK(TimeScale::from_rates(1, 1ull << 32).error() == k_einval);
    CHECK(TimeScale::from_rates(1, (1ull << 32) - 1).is_ok());
    CHECK(TimeScale::from_rates(1ull << 33, 1).is_ok());
    CHECK(TimeScale::from_rates(1ull << 34, 1).error() == k_einval);
    // 1 Hz is slow but fine: 1e9 ns per tick.
    const auto one_hz = TimeScale::ticks_to_ns_from_hz(1);
    REQUIRE(one_hz.is_ok());
    CHECK(one_hz->apply(3) == 3 * k_ghz);
}
