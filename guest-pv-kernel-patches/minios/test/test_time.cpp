// Time as a PV guest reads it (Xen's vcpu_time_info and wallclock in
// shared_info, vcpu_op runstate and is_up): consistent pvclock records,
// monotonic system time, a plausible wallclock.
#include "kernel/pvclock.hpp"
#include "test/groups.hpp"
#include "test/pv_test.hpp"

namespace minios::test {
namespace {

using abi::Errno;

void test_pvclock(Kernel& k, Checker& c) {
    const abi::VcpuTimeInfo& time = k.events.vcpu_info()->time;
    constexpr unsigned k_reads = 20'000;
    bool even = true, monotonic = true;
    uint32_t retries = 0;
    uint64_t previous = 0, backwards_by = 0;
    for (unsigned i = 0; i < k_reads; ++i) {
        const PvclockSample s = pvclock_read(time);
        even = even && (s.version % 2 == 0);
        retries += s.retries;
        if (s.ns < previous) {
            monotonic = false;
            backwards_by = previous - s.ns;
        }
        previous = s.ns;
    }
    c.check(even, "pvclock: the version is even whenever the record is read consistently");
    c.check(__atomic_load_n(&time.version, __ATOMIC_SEQ_CST) % 2 == 0,
            "pvclock: version even after the reads");
    c.check(monotonic, "pvclock: system time monotonic over 20000 reads", "went back by {} ns",
            backwards_by);
    println("minios-test: pvclock version {}, {} retries, system time {} ns", time.version, retries,
            previous);

    const uint64_t hz = pvclock_tsc_hz(time);
    c.check(hz >= 1'000'000 && hz <= 100'000'000'000ull,
            "pvclock: TSC frequency plausible (1 MHz .. 100 GHz)", "{} Hz", hz);
    const uint64_t stamp = __atomic_load_n(&time.system_time, __ATOMIC_SEQ_CST);
    c.check(stamp <= system_time_ns(time), "pvclock: now is not before the record's system_time");

    const uint64_t t0 = system_time_ns(time);
    for (int i = 0; i < 3; ++i)
        hv::sched_op(abi::SchedOp::yield);
    const uint64_t tsc0 = read_tsc();
    while (read_tsc() - tsc0 < hz / 1000) // about 1 ms of TSC
        asm volatile("pause");
    const uint64_t t1 = system_time_ns(time);
    c.check(t1 > t0, "pvclock: system time advances across yields and a busy wait", "{} -> {}", t0,
            t1);
    c.check(t1 - t0 >= 900'000, "pvclock: a busy wait of 1 ms of TSC is >= 0.9 ms of system time",
            "{} ns", t1 - t0);
}

void test_wallclock(Kernel& k, Checker& c) {
    const abi::SharedInfo& shared = *k.events.shared_info();
    const Wallclock wc = wallclock_read(shared);
    c.check(wc.version % 2 == 0, "wallclock: wc_version even", "{}", wc.version);
    c.check(wc.nsec < 1'000'000'000, "wallclock: wc_nsec below one second", "{}", wc.nsec);
    const uint64_t now = unix_time(wc, system_time_ns(shared.vcpu_info[0].time));
    const uint32_t year = year_of(now);
    println("minios-test: wallclock {} s since the epoch (year {})", now, year);
    c.check(year >= 2024 && year < 2200, "wallclock: year plausible (>= 2024)", "year {}", year);
}

void test_vcpu_queries(Kernel& k, Checker& c) {
    c.expect(hv::vcpu_op(abi::VcpuOp::is_up, 0), 1, "vcpu_op is_up of vCPU 0");
    c.expect(hv::vcpu_op(abi::VcpuOp::is_up, 4096), err(Errno::enoent),
             "vcpu_op is_up of vCPU 4096 (-ENOENT)");

    abi::VcpuRunstateInfo info{};
    c.expect(hv::vcpu_op(abi::VcpuOp::get_runstate_info, 0, &info), 0, "vcpu_op get_runstate_info");
    const uint64_t now = now_ns(k);
    c.check(info.state == abi::raw(abi::RunState::running) && info.time[0] > 0 &&
                info.state_entry_time <= now,
            "runstate: running, time spent running, entered in the past",
            "state {} running {} entry {} now {}", info.state, info.time[0], info.state_entry_time,
            now);

    static abi::VcpuRunstateInfo area{};
    area.state = -1;
    abi::VcpuRegisterRunstateMemoryArea reg{page_va(&area)};
    c.expect(hv::vcpu_op(abi::VcpuOp::register_runstate_memory_area, 0, &reg), 0,
             "vcpu_op register_runstate_memory_area");
    hv::sched_op(abi::SchedOp::yield);
    // The copy holds the accumulated times without the current stretch
    // (Xen: a vCPU that never left "running" shows time[running] 0).
    c.check(__atomic_load_n(&area.state, __ATOMIC_SEQ_CST) == abi::raw(abi::RunState::running) &&
                area.state_entry_time <= now_ns(k),
            "the registered runstate area is filled in (running)", "state {} entry {}", area.state,
            area.state_entry_time);
    reg.addr = 0;
    c.expect(hv::vcpu_op(abi::VcpuOp::register_runstate_memory_area, 0, &reg), 0,
             "register_runstate_memory_area(0) unregisters it");
}

} // namespace

void test_time(Kernel& k, Checker& c) {
    if (k.events.vcpu_info() == nullptr) {
        c.skip("time", "shared_info not mapped");
        return;
    }
    test_pvclock(k, c);
    test_wallclock(k, c);
    test_vcpu_queries(k, c);
}

} // namespace minios::test
