// A simulated machine for the credit scheduler: domains with one or two
// vCPUs, and a clock that jumps from one CPU's scheduling point to the next
// the way the arch drives the scheduler (tick, pick_next, arm the timer at
// run_until, reschedule the CPUs named in kick masks).
#pragma once

#include "core/domain/domain.hpp"
#include "core/domain/vcpu.hpp"
#include "core/sched/credit_scheduler.hpp"

#include <cstdint>

namespace pv::test {

// A running domain whose vCPUs are runnable (CPU-bound until told otherwise).
struct TestDomain {
    Domain domain;
    Vcpu v0, v1;
    explicit TestDomain(DomainId id, uint32_t vcpus = 1)
        : domain(id, false), v0(domain, 0), v1(domain, 1) {
        domain.state = DomainState::running;
        domain.vcpus[0] = &v0;
        domain.vcpus[1] = &v1;
        domain.vcpu_count = vcpus;
        v0.state = VcpuState::runnable;
        v1.state = vcpus > 1 ? VcpuState::runnable : VcpuState::offline;
    }
};

inline constexpr uint64_t k_ms = sched::k_ns_per_ms;
inline constexpr uint32_t k_sim_cpus = 4;

struct Sim {
    sched::CreditScheduler& sched;
    uint32_t cpus;
    uint64_t now = 0;
    uint64_t deadline[k_sim_cpus] = {};
    sched::CpuMask pending = 0;
    // Every decision is checked against this: `pinned` must never run on
    // a CPU outside `pinned_to`.
    const Vcpu* pinned = nullptr;
    sched::CpuMask pinned_to = 0;
    uint32_t affinity_violations = 0;
    uint32_t decisions = 0;

    Sim(sched::CreditScheduler& s, uint32_t n) : sched(s), cpus(n) {
        for (uint32_t c = 0; c < n; ++c)
            deadline[c] = sched::k_forever;
        pending = sched::first_cpus(n);
    }

    void kick(sched::CpuMask m) { pending |= m & sched::first_cpus(cpus); }

    // One CPU's scheduling point.
    sched::Decision point(uint32_t cpu) {
        kick(sched.tick(cpu, now));
        const sched::Decision d = sched.pick_next(cpu, now);
        ++decisions;
        if (d.next && d.next == pinned && !sched::has_cpu(pinned_to, cpu)) ++affinity_violations;
        kick(d.kicks);
        deadline[cpu] = d.run_until_ns;
        pending &= ~sched::cpu_bit(cpu);
        return d;
    }

    // Serve reschedule requests until none is left (bounded: a livelock
    // would show as requests still pending).
    void settle() {
        for (int round = 0; pending != 0 && round < 64; ++round)
            for (uint32_t c = 0; c < cpus; ++c)
                if (sched::has_cpu(pending, c)) point(c);
    }

    void run_for(uint64_t ns) {
        const uint64_t end = now + ns;
        settle();
        while (now < end) {
            uint64_t next = end;
            for (uint32_t c = 0; c < cpus; ++c)
                if (deadline[c] < next) next = deadline[c];
            now = next;
            for (uint32_t c = 0; c < cpus; ++c)
                if (deadline[c] <= now) pending |= sched::cpu_bit(c);
            settle();
        }
    }
};

} // namespace pv::test
