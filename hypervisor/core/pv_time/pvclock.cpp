#include "core/pv_time/pvclock.hpp"

#include "core/event/event_channels.hpp"
#include "lib/wide_math.hpp"

namespace pv {
namespace {

template <typename T> void put(T& field, T value) {
    __atomic_store_n(&field, value, __ATOMIC_RELAXED);
}
template <typename T> T get(const T& field) {
    return __atomic_load_n(&field, __ATOMIC_RELAXED);
}
void write_barrier() {
    __atomic_thread_fence(__ATOMIC_RELEASE); // smp_wmb
}
void read_barrier() {
    __atomic_thread_fence(__ATOMIC_ACQUIRE); // smp_rmb
}

} // namespace

uint64_t pvclock_read(const abi::VcpuTimeInfo& t, uint64_t tsc) {
    uint64_t delta = tsc - t.tsc_timestamp;
    if (t.tsc_shift >= 0)
        delta <<= t.tsc_shift;
    else
        delta >>= -t.tsc_shift;
    return t.system_time + static_cast<uint64_t>((uint128(delta) * t.tsc_to_system_mul) >> 32);
}

void update_vcpu_time(abi::VcpuTimeInfo& t, uint64_t tsc_now, uint64_t system_time_ns,
                      const TimeScale& scale, uint8_t flags) {
    const uint32_t version = get(t.version);
    put(t.version, version_update_begin(version));
    write_barrier();
    put(t.tsc_timestamp, tsc_now);
    put(t.system_time, system_time_ns);
    put(t.tsc_to_system_mul, scale.mul());
    put(t.tsc_shift, scale.shift());
    put(t.flags, flags);
    write_barrier();
    put(t.version, version_update_end(version_update_begin(version)));
}

void update_vcpu_time(EventChannels& events, uint32_t vcpu, uint64_t tsc_now,
                      uint64_t system_time_ns, const TimeScale& scale, uint8_t flags) {
    if (abi::VcpuInfo* info = events.vcpu_info(vcpu); info != nullptr)
        update_vcpu_time(info->time, tsc_now, system_time_ns, scale, flags);
}

void update_wallclock(abi::SharedInfo& s, uint64_t sec, uint32_t nsec) {
    const uint32_t version = get(s.wc_version);
    put(s.wc_version, version_update_begin(version));
    write_barrier();
    put(s.wc_sec, static_cast<uint32_t>(sec));
    put(s.wc_nsec, nsec);
    put(s.wc_sec_hi, static_cast<uint32_t>(sec >> 32));
    write_barrier();
    put(s.wc_version, version_update_end(version_update_begin(version)));
}

void read_wallclock(const abi::SharedInfo& s, uint64_t& sec, uint32_t& nsec) {
    for (;;) {
        const uint32_t before = __atomic_load_n(&s.wc_version, __ATOMIC_ACQUIRE);
        read_barrier();
        sec = (uint64_t{get(s.wc_sec_hi)} << 32) | get(s.wc_sec);
        nsec = get(s.wc_nsec);
        read_barrier();
        if ((before & 1) == 0 && __atomic_load_n(&s.wc_version, __ATOMIC_ACQUIRE) == before) return;
        __builtin_ia32_pause();
    }
}

} // namespace pv
