// Writing the guest's clocks: vcpu_time_info (pvclock) and shared_info's
// wallclock, with the version protocol a guest reader relies on (Xen's
// __update_vcpu_system_time and update_domain_wallclock_time,
// xen/arch/x86/time.c and xen/common/time.c).
//
// Version protocol (a seqlock the guest reads without locking): the writer
// makes `version` odd ((v + 1) | 1), fences, writes the fields, fences, then
// makes it even (v + 1). A reader retries while the version is odd or
// changed across its read. The fences are release fences between plain
// (relaxed atomic) stores: x86 keeps stores in order, the fence keeps the
// compiler from reordering them.
#pragma once

#include "core/time/time_scale.hpp"
#include "include/public/shared_info.hpp"

#include <cstdint>

namespace pv {

class EventChannels;

// The guest's formula, bit for bit (see abi::VcpuTimeInfo): system time in
// ns at TSC value `tsc`. The subtraction and the shift wrap as the guest's
// do; the product is 96 bits.
uint64_t pvclock_read(const abi::VcpuTimeInfo& t, uint64_t tsc);

// Publish "at TSC `tsc_now` the system time was `system_time_ns`, and TSC
// ticks convert to ns with `scale`" (flags: abi::k_pvclock_*, e.g.
// tsc_stable when every CPU's TSC is synchronised).
void update_vcpu_time(abi::VcpuTimeInfo& t, uint64_t tsc_now, uint64_t system_time_ns,
                      const TimeScale& scale, uint8_t flags = 0);

// The same through the vCPU's current vcpu_info (wherever
// register_vcpu_info moved it); nothing if it has none.
void update_vcpu_time(EventChannels& events, uint32_t vcpu, uint64_t tsc_now,
                      uint64_t system_time_ns, const TimeScale& scale, uint8_t flags = 0);

// Wallclock time at system time 0: `sec` seconds (64 bits: wc_sec and
// wc_sec_hi) and `nsec` (< 10^9) nanoseconds since the Unix epoch.
void update_wallclock(abi::SharedInfo& s, uint64_t sec, uint32_t nsec);

// Reader side of the wallclock (retries while an update is in progress),
// for tests and for the hypervisor's own checks.
void read_wallclock(const abi::SharedInfo& s, uint64_t& sec, uint32_t& nsec);

// Xen's version_update_begin / _end.
constexpr uint32_t version_update_begin(uint32_t v) {
    return (v + 1) | 1;
}
constexpr uint32_t version_update_end(uint32_t v) {
    return v + 1;
}

} // namespace pv
