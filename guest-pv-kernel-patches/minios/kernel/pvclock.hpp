// System time and wallclock as a PV guest reads them from shared_info
// (include/public/shared_info.hpp):
//   * system time: ns since the hypervisor's time base, extrapolated from
//     vcpu_info.time with the TSC. The hypervisor rewrites the record with
//     `version` odd; a reader retries until it saw the same even version
//     before and after copying it.
//       ns = system_time + ((tsc - tsc_timestamp) << tsc_shift) * mul >> 32
//     (a negative shift shifts right).
//   * wallclock: shared_info.wc_{sec,sec_hi,nsec} is the wall time at system
//     time 0, under the same odd/even protocol with wc_version.
#pragma once

#include "include/public/shared_info.hpp"

#include <cstdint>

namespace minios {

struct PvclockSample {
    uint64_t ns = 0;      // system time
    uint32_t version = 0; // the (even) version the record had
    uint32_t retries = 0; // how often an odd or changed version was seen
};

// Reads the record once, consistently.
PvclockSample pvclock_read(const pv::abi::VcpuTimeInfo& time);

inline uint64_t system_time_ns(const pv::abi::VcpuTimeInfo& time) {
    return pvclock_read(time).ns;
}

// The pure formula, for a record already copied out.
uint64_t pvclock_scale(uint64_t tsc_delta, uint32_t mul, int8_t shift);

// TSC frequency the record implies, in Hz: ((10^9 << 32) / mul) >> shift.
uint64_t pvclock_tsc_hz(const pv::abi::VcpuTimeInfo& time);

inline uint64_t read_tsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t{hi} << 32) | lo;
}

struct Wallclock {
    uint64_t sec = 0; // at system time 0
    uint32_t nsec = 0;
    uint32_t version = 0;
};
Wallclock wallclock_read(const pv::abi::SharedInfo& shared);

// Seconds since the epoch of `now_ns` of system time.
inline uint64_t unix_time(const Wallclock& wc, uint64_t now_ns) {
    return wc.sec + (wc.nsec + now_ns) / 1'000'000'000ull;
}

// The civil year of a Unix time (proleptic Gregorian, UTC).
uint32_t year_of(uint64_t unix_seconds);

} // namespace minios
