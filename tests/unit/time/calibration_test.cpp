#include "core/time/calibration.hpp"

// Named before <catch2/catch.hpp>, whose <cerrno> defines EINVAL as a macro.
namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
constexpr pv::Errno k_eio = pv::Errno::eio;
constexpr pv::Errno k_eagain = pv::Errno::eagain;
} // namespace

#include <catch2/catch.hpp>

#include <cstdint>

using pv::CalibrationSample;
using pv::Rate;

namespace {

using u128 = unsigned __int128;
constexpr Rate k_pit{39375000, 33}; // 1.193181818... MHz
constexpr uint64_t k_u64_max = ~uint64_t{0};

} // namespace

TEST_CASE("calibration: TSC against the PIT", "[time]") {
    // A 2.893249 GHz TSC counted over 59659 PIT ticks (50 ms).
    const uint64_t hz = 2893249000;
    const uint64_t pit_ticks = 59659;
    const uint64_t counted = static_cast<uint64_t>(u128(hz) * pit_ticks * 33 / 39375000);
    const auto rate = pv::rate_from_count(counted, pit_ticks, k_pit);
    REQUIRE(rate.is_ok());
    CHECK(pv::within_ppm(*rate, hz, 1));
    // Half PIT ticks as the unit: the same rate.
    const auto halves = pv::rate_from_count(counted, 2 * pit_ticks, Rate{2 * 39375000, 33});
    REQUIRE(halves.is_ok());
    CHECK(*halves == *rate);
}

TEST_CASE("calibration: CPUID 0x15 crystal ratio", "[time]") {
    // TSC = crystal * EBX / EAX: 24 MHz * 300 / 2.
    const auto tsc = pv::rate_from_count(300, 2, Rate{24000000});
    REQUIRE(tsc.is_ok());
    CHECK(*tsc == 3600000000);
    // The crystal from a 0x16 base frequency: base * EAX / EBX.
    const auto crystal = pv::rate_from_count(2, 300, Rate{3600000000});
    REQUIRE(crystal.is_ok());
    CHECK(*crystal == 24000000);
}

TEST_CASE("calibration: rounding and rejected inputs", "[time]") {
    CHECK(*pv::rate_from_count(2, 3, Rate{1}) == 1);               // 0.667 -> 1
    CHECK(pv::rate_from_count(1, 3, Rate{1}).error() == k_einval); // rounds to 0 Hz
    CHECK(pv::rate_from_count(0, 3, Rate{1}).error() == k_einval);
    CHECK(pv::rate_from_count(3, 0, Rate{1}).error() == k_einval);
    CHECK(pv::rate_from_count(3, 1, Rate{0}).error() == k_einval);
    CHECK(pv::rate_from_count(3, 1, Rate{1, 0}).error() == k_einval);
    CHECK(pv::rate_from_count(k_u64_max, 1, Rate{2}).error() == k_einval);
    CHECK(*pv::rate_from_count(k_u64_max, 2, Rate{2}) == k_u64_max);
}

TEST_CASE("calibration: the best sample is the least uncertain plausible one", "[time]") {
    const CalibrationSample samples[] = {
        {150000000, 59659, 900},   // 6 ppm
        {150000100, 59659, 300},   // the best
        {150090000, 59659, 90000}, // stretched: 600 ppm, above the limit
        {0, 59659, 0},             // no count at all
    };
    const auto best = pv::best_sample(samples, 4, 100);
    REQUIRE(best.is_ok());
    CHECK(*best == 1);
    // Ties keep the first.
    const CalibrationSample ties[] = {{100, 1, 0}, {100, 1, 0}};
    CHECK(*pv::best_sample(ties, 2, 0) == 0);
    // Nothing plausible.
    CHECK(pv::best_sample(samples + 2, 2, 100).error() == k_eio);
    CHECK(pv::best_sample(samples, 0, 100).error() == k_eio);
}

TEST_CASE("calibration: samples agree on their rate, not their counts", "[time]") {
    const CalibrationSample a{100000000, 50000, 0};
    CHECK(pv::samples_agree(a, {200000000, 100000, 0}, 0)); // same rate, twice as long
    CHECK(pv::samples_agree(a, {100000100, 50000, 0}, 1));  // 1 ppm faster
    CHECK_FALSE(pv::samples_agree(a, {100000200, 50000, 0}, 1));
    CHECK(pv::samples_agree({100000200, 50000, 0}, a, 2)); // symmetric
    CHECK_FALSE(pv::samples_agree(a, {100000000, 0, 0}, 1000000));
    // Extremes do not overflow.
    const CalibrationSample huge{k_u64_max, 1, 0};
    CHECK(pv::samples_agree(huge, huge, k_u64_max));
    CHECK_FALSE(pv::samples_agree(huge, {1, k_u64_max, 0}, 1000000));
}

TEST_CASE("calibration: rounds until two agree", "[time]") {
    // 50 ms rounds of a 2.1 GHz TSC against the PIT.
    CalibrationSample rounds[] = {
        {105000000, 59659, 2100},     // fine: +-20 ppm
        {112000000, 59659, 16000000}, // stalled: too uncertain to count
        {99500000, 59659, 3000},      // a wrapped count or bad luck: disagrees
        {105003000, 59659, 1050},     // 29 ppm from the first, within 20 + 10: agrees
    };
    CHECK(pv::agreeing_sample(rounds, 1, 500).error() == k_eagain);
    CHECK(pv::agreeing_sample(rounds, 3, 500).error() == k_eagain);
    const auto chosen = pv::agreeing_sample(rounds, 4, 500);
    REQUIRE(chosen.is_ok());
    CHECK(*chosen == 3); // the less uncertain of the pair
    // Further apart than their uncertainties: no agreement.
    rounds[3] = {105003300, 59659, 1050}; // 31 ppm
    CHECK(pv::agreeing_sample(rounds, 4, 500).error() == k_eagain);
    // An uncertain round does not count as agreement even if its rate matches.
    rounds[1] = {105000000, 59659, 16000000};
    CHECK(pv::agreeing_sample(rounds, 3, 500).error() == k_eagain);
}

TEST_CASE("calibration: within_ppm", "[time]") {
    CHECK(pv::within_ppm(1000000, 1000000, 0));
    CHECK(pv::within_ppm(1000001, 1000000, 1));
    CHECK_FALSE(pv::within_ppm(1000002, 1000000, 1));
    CHECK(pv::within_ppm(999999, 1000000, 1));
    CHECK(pv::within_ppm(2970000000, 3000000000, 10000)); // 1 %
    CHECK_FALSE(pv::within_ppm(2960000000, 3000000000, 10000));
    CHECK(pv::within_ppm(k_u64_max, k_u64_max - 1, 1));
}

TEST_CASE("calibration: MHz with one decimal, rounded", "[time]") {
    auto check = [](uint64_t hz, uint64_t whole, uint32_t tenths) {
        const pv::DecimalMhz m = pv::to_decimal_mhz(hz);
        INFO(hz);
        CHECK(m.whole == whole);
        CHECK(m.tenths == tenths);
    };
    check(2893249000, 2893, 2);
    check(2893250000, 2893, 3);
    check(999950000, 1000, 0);
    check(1193182, 1, 2);
    check(0, 0, 0);
}
