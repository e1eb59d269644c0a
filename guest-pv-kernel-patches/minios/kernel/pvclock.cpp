#include "kernel/pvclock.hpp"

namespace minios {
namespace {

template <typename T> T read_once(const T& field) {
    return __atomic_load_n(&field, __ATOMIC_RELAXED);
}

void read_barrier() {
    // x86 keeps loads in order; stop the compiler from moving them.
    asm volatile("" ::: "memory");
}

bool leap(uint32_t year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

} // namespace

uint64_t pvclock_scale(uint64_t tsc_delta, uint32_t mul, int8_t shift) {
    if (shift < 0)
        tsc_delta >>= -shift;
    else
        tsc_delta <<= shift;
    // (delta * mul) >> 32 with a 128-bit product.
    uint64_t lo, hi;
    asm("mulq %[mul]" : "=a"(lo), "=d"(hi) : "a"(tsc_delta), [mul] "rm"(uint64_t{mul}) : "cc");
    return (hi << 32) | (lo >> 32);
}

PvclockSample pvclock_read(const pv::abi::VcpuTimeInfo& time) {
    PvclockSample s;
    for (;;) {
        const uint32_t before = read_once(time.version);
        read_barrier();
        const uint64_t tsc_timestamp = read_once(time.tsc_timestamp);
        const uint64_t system_time = read_once(time.system_time);
        const uint32_t mul = read_once(time.tsc_to_system_mul);
        const int8_t shift = read_once(time.tsc_shift);
        const uint64_t tsc = read_tsc();
        read_barrier();
        const uint32_t after = read_once(time.version);
        if ((before & 1) == 0 && before == after) {
            s.version = before;
            s.ns = system_time + pvclock_scale(tsc - tsc_timestamp, mul, shift);
            return s;
        }
        ++s.retries;
    }
}

uint64_t pvclock_tsc_hz(const pv::abi::VcpuTimeInfo& time) {
    const uint32_t mul = read_once(time.tsc_to_system_mul);
    const int8_t shift = read_once(time.tsc_shift);
    if (mul == 0) return 0;
    // 10^9 < 2^30, so 10^9 << 32 still fits 64 bits.
    const uint64_t q = (1'000'000'000ull << 32) / mul;
    return shift < 0 ? q << -shift : q >> shift;
}

Wallclock wallclock_read(const pv::abi::SharedInfo& shared) {
    Wallclock wc;
    for (;;) {
        const uint32_t before = read_once(shared.wc_version);
        read_barrier();
        const uint64_t sec =
            (uint64_t{read_once(shared.wc_sec_hi)} << 32) | read_once(shared.wc_sec);
        const uint32_t nsec = read_once(shared.wc_nsec);
        read_barrier();
        if ((before & 1) == 0 && before == read_once(shared.wc_version)) {
            wc.sec = sec;
            wc.nsec = nsec;
            wc.version = before;
            return wc;
        }
    }
}

uint32_t year_of(uint64_t unix_seconds) {
    uint64_t days = unix_seconds / 86'400;
    uint32_t year = 1970;
    for (;;) {
        const uint64_t length = leap(year) ? 366 : 365;
        if (days < length) return year;
        days -= length;
        ++year;
    }
}

} // namespace minios
