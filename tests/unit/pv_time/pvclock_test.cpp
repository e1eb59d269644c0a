// pvclock: the guest's formula against 128-bit reference arithmetic, the
// version protocol, the wallclock.
#include "tests/unit/event/event_fixture.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <random>
#include <thread>

using namespace pv;
using namespace pv::test;

namespace {

using u128 = unsigned __int128;

// The guest's formula, written out independently.
uint64_t reference_read(uint64_t tsc, uint64_t stamp, uint64_t system_time, uint32_t mul,
                        int8_t shift) {
    u128 delta = static_cast<uint64_t>(tsc - stamp);
    delta = shift >= 0 ? static_cast<uint64_t>(delta << shift) : delta >> -shift;
    return system_time + static_cast<uint64_t>((delta * mul) >> 32);
}

} // namespace

TEST_CASE("pvclock_read is the guest's formula for any mul and shift", "[pv_time]") {
    std::mt19937_64 rng(42);
    for (int i = 0; i < 20000; ++i) {
        abi::VcpuTimeInfo t{};
        t.tsc_timestamp = rng();
        t.system_time = rng() >> 2;
        t.tsc_to_system_mul = static_cast<uint32_t>(rng());
        t.tsc_shift = static_cast<int8_t>(static_cast<int>(rng() % 65) - 32);
        // Deltas a guest actually sees: up to about 2^40 ticks.
        const uint64_t tsc = t.tsc_timestamp + (rng() >> (24 + rng() % 40));
        CHECK(pvclock_read(t, tsc) == reference_read(tsc, t.tsc_timestamp, t.system_time,
                                                     t.tsc_to_system_mul, t.tsc_shift));
    }
}

TEST_CASE("pvclock against exact 128-bit ns for many TSC frequencies", "[pv_time]") {
    std::mt19937_64 rng(7);
    std::vector<uint64_t> rates = {1'000'000,     33'333'333,    100'000'000,   999'999'999,
                                   1'000'000'000, 1'000'000'001, 2'400'000'000, 2'899'999'123,
                                   3'123'456'789, 4'000'000'000, 5'000'000'000, 10'000'000'000};
    for (int i = 0; i < 40; ++i)
        rates.push_back(50'000'000 + rng() % 6'000'000'000);
    for (uint64_t hz : rates) {
        auto scale = TimeScale::ticks_to_ns_from_hz(hz);
        REQUIRE(scale);
        abi::VcpuTimeInfo t{};
        const uint64_t stamp = rng() >> 8;
        const uint64_t system_time = rng() >> 12;
        update_vcpu_time(t, stamp, system_time, *scale, abi::k_pvclock_tsc_stable);
        CHECK(t.tsc_to_system_mul == scale->mul());
        CHECK(t.tsc_shift == scale->shift());
        CHECK(t.flags == abi::k_pvclock_tsc_stable);
        const int shift = scale->shift();
        for (int j = 0; j < 500; ++j) {
            // From one tick to about 2^44 ticks (hours at GHz rates).
            const uint64_t delta = j == 0 ? 0 : (rng() >> (20 + rng() % 44));
            const uint64_t got = pvclock_read(t, stamp + delta);
            // The hypervisor's own conversion gives the same nanoseconds.
            CHECK(got == system_time + scale->apply(delta));
            const u128 exact_ns = u128(delta) * k_ns_per_second / hz; // floor
            const uint64_t expected = system_time + static_cast<uint64_t>(exact_ns);
            // mul is exact to 2^-32 relative; a right shift drops fewer than
            // 2^-shift ticks; the final floor loses under 1 ns.
            const u128 dropped_ticks = shift < 0 ? (u128(1) << -shift) : 1;
            const uint64_t bound = static_cast<uint64_t>(exact_ns >> 30) + 2 +
                                   static_cast<uint64_t>(dropped_ticks * k_ns_per_second / hz);
            const uint64_t diff = got > expected ? got - expected : expected - got;
            INFO("hz=" << hz << " delta=" << delta << " got=" << got << " expected=" << expected);
            CHECK(diff <= bound);
        }
    }
}

TEST_CASE("vcpu_time_info version: odd while updating, even after, +2 per update", "[pv_time]") {
    static_assert(version_update_begin(0) == 1 && version_update_end(1) == 2);
    static_assert(version_update_begin(6) == 7 && version_update_end(7) == 8);
    // A guest may have scribbled an odd value: the writer still ends even.
    static_assert(version_update_begin(7) == 9 && version_update_end(9) == 10);
    auto scale = TimeScale::ticks_to_ns_from_hz(2'000'000'000);
    REQUIRE(scale);
    abi::VcpuTimeInfo t{};
    update_vcpu_time(t, 100, 200, *scale);
    CHECK(t.version == 2);
    update_vcpu_time(t, 300, 400, *scale);
    CHECK(t.version == 4);
    CHECK(t.tsc_timestamp == 300);
    CHECK(t.system_time == 400);
    t.version = 7;
    update_vcpu_time(t, 500, 600, *scale);
    CHECK(t.version == 10);
}

TEST_CASE("a guest reader following the version protocol never sees a torn update", "[pv_time]") {
    auto scale = TimeScale::ticks_to_ns_from_hz(3'000'000'000);
    REQUIRE(scale);
    abi::VcpuTimeInfo t{};
    update_vcpu_time(t, 0, 0, *scale);
    std::atomic<bool> done{false};
    std::atomic<uint64_t> reads{0}, torn{0}, odd_seen{0};
    std::thread reader([&] {
        while (!done.load()) {
            const uint32_t v1 = __atomic_load_n(&t.version, __ATOMIC_ACQUIRE);
            if (v1 & 1) {
                odd_seen.fetch_add(1);
                continue;
            }
            const uint64_t stamp = __atomic_load_n(&t.tsc_timestamp, __ATOMIC_RELAXED);
            const uint64_t stime = __atomic_load_n(&t.system_time, __ATOMIC_RELAXED);
            std::atomic_thread_fence(std::memory_order_acquire);
            if (__atomic_load_n(&t.version, __ATOMIC_RELAXED) != v1) continue;
            reads.fetch_add(1);
            if (stime != stamp * 3) torn.fetch_add(1);
        }
    });
    // Keep writing until the reader has had a fair share of reads.
    uint64_t i = 1;
    for (; i <= 200000 || (reads.load() < 10000 && i < 50'000'000); ++i)
        update_vcpu_time(t, i, i * 3, *scale);
    done = true;
    reader.join();
    CHECK(torn.load() == 0);
    CHECK(t.version == 2 * i);
    CHECK(reads.load() > 0);
}

TEST_CASE("update_vcpu_time through the event table follows vcpu_info's location", "[pv_time]") {
    EventServices s;
    TestDomain d(s, 1, false, 2);
    auto scale = TimeScale::ticks_to_ns_from_hz(1'000'000'000);
    REQUIRE(scale);
    update_vcpu_time(d.events, 1, 10, 20, *scale);
    CHECK(d.shared->vcpu_info[1].time.system_time == 20);
    alignas(64) static abi::VcpuInfo moved;
    REQUIRE(rc(d.events.move_vcpu_info(1, &moved, 5)) == 0);
    update_vcpu_time(d.events, 1, 30, 40, *scale);
    CHECK(moved.time.system_time == 40);
    CHECK(moved.time.version == 4); // copied 2, then one update
    CHECK(d.shared->vcpu_info[1].time.system_time == 20);
    update_vcpu_time(d.events, 7, 30, 40, *scale); // no such vCPU: nothing
}

TEST_CASE("wallclock: 64-bit seconds split into wc_sec / wc_sec_hi, versioned", "[pv_time]") {
    abi::SharedInfo s{};
    update_wallclock(s, 0x1'2345'6789ull, 999'999'999);
    CHECK(s.wc_version == 2);
    CHECK(s.wc_sec == 0x2345'6789u);
    CHECK(s.wc_sec_hi == 1u);
    CHECK(s.wc_nsec == 999'999'999u);
    uint64_t sec = 0;
    uint32_t nsec = 0;
    read_wallclock(s, sec, nsec);
    CHECK(sec == 0x1'2345'6789ull);
    CHECK(nsec == 999'999'999u);
    update_wallclock(s, 1'700'000'000, 5);
    CHECK(s.wc_version == 4);
    CHECK(s.wc_sec_hi == 0u);
    read_wallclock(s, sec, nsec);
    CHECK(sec == 1'700'000'000ull);
    CHECK(nsec == 5u);
}
