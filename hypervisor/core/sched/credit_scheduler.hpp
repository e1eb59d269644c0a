// CreditScheduler: Xen's credit (credit1) scheduler as pure logic over a
// clock the caller passes in. Facts from xen/common/sched/credit.c and the
// xl sched-credit manual; the code is ours.
//
// Model
//   * Each domain has a weight (1..65535, default 256) and a cap (percent of
//     one physical CPU, 0 = none; at most 100 per vCPU, as xl checks).
//   * Credits: 10 per ms of CPU. Every 30 ms (the time slice, which is also
//     the accounting period) credits_per_slice * online CPUs are shared
//     among the active domains by weight (times their active vCPUs); a
//     running vCPU burns 10 credits per ms. Credit >= 0 is UNDER, < 0 is
//     OVER; a waking vCPU that is UNDER is BOOSTed until the next tick finds
//     it running. Run queues are ordered BOOST > UNDER > OVER, FIFO within.
//   * A vCPU is "active" (earns credits) once a tick finds it running; it
//     stops earning when its credit passes one slice's worth (it is halved).
//   * Caps: a capped domain earns at most cap% of one slice per period; a
//     vCPU more than its share of that in debt is parked (off every run
//     queue) until accounting brings it back to credit >= 0.
//   * Per-CPU run queues; a vCPU waking goes to an idle CPU of its affinity
//     if there is one; a CPU that would run nothing or only OVER work steals
//     the first better vCPU from a busy peer's queue that may run on it.
//
// Who may run: a vCPU is runnable when its state is runnable or running and
// its domain is running (not building, paused, shut down or dying). The
// caller changes those (block, pause, vcpu down, ...) and then tells the
// scheduler with sleep(); it changes them back and calls wake(). The
// scheduler re-checks them under its lock, so a wake racing a block is
// never lost. The scheduler itself moves a vCPU between runnable and
// running.
//
// How the arch drives it (times are system-time ns, one clock for all CPUs):
//   * At each CPU's scheduling point -- its timer reached the last
//     Decision::run_until_ns, a reschedule IPI arrived, or the current vCPU
//     blocked or yielded --
//         CpuMask kicks = tick(cpu, now);      // no-op unless a tick is due
//         Decision d = pick_next(cpu, now);    // accounts the previous vCPU
//         kicks |= d.kicks;
//         switch to d.next (nullptr: halt with interrupts enabled)
//         arm the APIC timer for d.run_until_ns (k_forever: no timer)
//     pick_next may return the same vCPU (its slice is not over): then just
//     resume it. run_until is at most 10 ms away while a vCPU runs.
//   * Every CpuMask a call returns names CPUs that must reach their
//     scheduling point soon: send them a reschedule IPI (for the calling CPU
//     itself, reschedule before returning to the guest).
//   * sched_op block / poll: set the state, then sleep(v); yield: yield(v);
//     an event for a blocked vCPU: set it runnable, then wake(v, now);
//     pause / unpause / vcpu down / up: change the state, then sleep / wake.
//   * Destroy: make the domain dying, sleep() its vCPUs, and remove_vcpu()
//     each once it is not current anywhere (running_on(v) < 0).
//   * Lock: all state is guarded by one internal SpinLock, taken by every
//     public call; call with interrupts disabled (wake() runs from
//     interrupt context). No allocation: fixed tables, intrusive queues.
#pragma once

#include "core/domain/domain.hpp"
#include "core/domain/vcpu.hpp"
#include "core/sched/cpu_mask.hpp"
#include "lib/spinlock.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::sched {

// --- Xen credit1 constants -------------------------------------------------
inline constexpr uint32_t k_default_weight = 256;
inline constexpr uint32_t k_max_weight = 65535;
inline constexpr uint64_t k_ns_per_ms = 1'000'000;
inline constexpr uint64_t k_tick_ns = 10 * k_ns_per_ms;  // per-CPU tick
inline constexpr uint64_t k_slice_ns = 30 * k_ns_per_ms; // time slice = accounting period
inline constexpr int32_t k_credits_per_ms = 10;
inline constexpr int32_t k_credits_per_slice = 300;
inline constexpr uint64_t k_forever = ~uint64_t{0};

// Storage for the hypervisor's scheduler, sized in this one place.
inline constexpr size_t k_max_sched_domains = 64;
inline constexpr size_t k_max_sched_vcpus = k_max_sched_domains * Domain::k_max_vcpus;

enum class Priority : int8_t {
    idle = -64,
    over = -2,  // no credit left
    under = -1, // has credit
    boost = 0,  // just woke from blocking
};

struct SchedParams {
    uint32_t weight = k_default_weight;
    uint32_t cap = 0;              // percent of one CPU; 0 = no cap
    CpuMask affinity = k_all_cpus; // hard affinity (intersected with online CPUs)
};

struct Decision {
    Vcpu* next = nullptr;              // nullptr: idle (halt until an interrupt)
    uint64_t run_until_ns = k_forever; // come back to the scheduling point by then
    CpuMask kicks = 0;                 // other CPUs to reschedule (work to take)
};

namespace detail {

struct SchedDomain {
    Domain* domain = nullptr; // null: free slot
    uint32_t weight = k_default_weight;
    uint32_t cap = 0;
    uint32_t vcpus = 0;          // its vCPUs known to the scheduler
    uint32_t active_vcpus = 0;   // of those, the ones earning credits
    SchedDomain* prev = nullptr; // active-domain list links (while active_vcpus > 0)
    SchedDomain* next = nullptr;
};

struct SchedVcpu {
    Vcpu* vcpu = nullptr; // null: free slot
    SchedDomain* dom = nullptr;
    SchedVcpu* prev = nullptr; // run-queue links (valid while queued)
    SchedVcpu* next = nullptr;
    CpuMask affinity = k_all_cpus;
    uint32_t cpu = 0; // the CPU whose queue holds it / that runs it / it last ran on
    Priority pri = Priority::under;
    int64_t credit = 0;
    uint64_t burn_from_ns = 0; // credits burned up to here (keeps the sub-credit rest)
    uint64_t ran_since_ns = 0; // cpu_time counted up to here
    bool queued = false, running = false, active = false, parked = false, yielding = false;
};

struct SchedCpu {
    SchedVcpu* head = nullptr; // run queue, highest priority first
    SchedVcpu* tail = nullptr;
    uint32_t queued = 0;
    SchedVcpu* current = nullptr; // null: idle
    uint64_t slice_end_ns = 0;
    uint64_t next_tick_ns = 0;
};

} // namespace detail

class CreditScheduler {
public:
    CreditScheduler(const CreditScheduler&) = delete;
    CreditScheduler& operator=(const CreditScheduler&) = delete;

    uint32_t cpu_count() const { return cpu_count_; }
    CpuMask online_cpus() const { return first_cpus(cpu_count_); }

    // --- Membership --------------------------------------------------------
    // The domain's weight and cap come from its first vCPU's params (later
    // vCPUs inherit the domain's; use set_params to change them). The vCPU
    // starts with no credit, UNDER, on no queue: call wake() once it is
    // runnable. -EINVAL: bad weight/cap, no online CPU in the affinity;
    // -EEXIST: already added; -ENOSPC: the scheduler's tables are full.
    Status add_vcpu(Vcpu& vcpu, const SchedParams& params);
    // -ESRCH: unknown; -EBUSY: still current on a CPU (sleep() it and let
    // that CPU pass its scheduling point first).
    Status remove_vcpu(Vcpu& vcpu);

    // --- Parameters (xl sched-credit -d DOM -w W -c C) ---------------------
    // -EINVAL unless 1 <= weight <= 65535 and cap <= 100 * vCPUs (Domain::
    // vcpu_count, at least 1); nothing changes then. -ESRCH: no vCPU of the
    // domain is known. Takes effect at the next accounting.
    Status set_params(Domain& domain, uint32_t weight, uint32_t cap);
    Result<SchedParams> params(const Domain& domain) const; // affinity: all

    // -EINVAL (nothing changes) when no online CPU is in `mask`.
    Result<CpuMask> set_affinity(Vcpu& vcpu, CpuMask mask);
    CpuMask affinity(const Vcpu& vcpu) const;

    // --- State changes -------------------------------------------------------
    // The vCPU may have become runnable (event, unpause, vcpu up): queue it,
    // BOOSTed if it was UNDER and not parked.
    CpuMask wake(Vcpu& vcpu, uint64_t now_ns);
    // The vCPU may have stopped being runnable (block, pause, down): take it
    // off its queue, or ask its CPU to deschedule it.
    CpuMask sleep(Vcpu& vcpu);
    // sched_op yield: the running vCPU gives way to the others of its CPU
    // (it goes behind one lower-priority vCPU if there is one).
    CpuMask yield(Vcpu& vcpu);

    // --- The scheduling point -----------------------------------------------
    // Every 10 ms per CPU: burn the current vCPU's credits, end its BOOST,
    // make it active; every 30 ms (whichever CPU comes first): accounting.
    CpuMask tick(uint32_t cpu, uint64_t now_ns);
    // Accounts the time the previous vCPU ran on `cpu`, then chooses.
    Decision pick_next(uint32_t cpu, uint64_t now_ns);

    // --- Observation -------------------------------------------------------
    // Time the vCPU has run (also kept in Vcpu::cpu_time_ns); with now_ns,
    // including the current stint if it is running.
    uint64_t cpu_time(const Vcpu& vcpu) const { return vcpu.cpu_time_ns; }
    uint64_t cpu_time(const Vcpu& vcpu, uint64_t now_ns) const;
    Vcpu* current(uint32_t cpu) const;
    // The CPU running the vCPU, or -1.
    int running_on(const Vcpu& vcpu) const;
    // The CPU that runs it, queues it, or ran it last (0 if unknown).
    uint32_t last_cpu(const Vcpu& vcpu) const;
    Priority priority(const Vcpu& vcpu) const;
    int64_t credit(const Vcpu& vcpu) const;
    bool parked(const Vcpu& vcpu) const;
    uint32_t queued(uint32_t cpu) const;

protected:
    struct Storage {
        detail::SchedCpu* cpus;
        uint32_t cpu_slots;
        detail::SchedVcpu* vcpus;
        size_t vcpu_slots;
        detail::SchedDomain* domains;
        size_t domain_slots;
    };
    CreditScheduler(const Storage& storage, uint32_t cpu_count);

private:
    using SchedVcpu = detail::SchedVcpu;
    using SchedDomain = detail::SchedDomain;
    using SchedCpu = detail::SchedCpu;

    SchedVcpu* find(const Vcpu& vcpu) const;
    SchedDomain* find(const Domain& domain) const;
    static bool runnable(const SchedVcpu& e);
    CpuMask allowed(const SchedVcpu& e) const { return e.affinity & online_cpus(); }
    bool is_idle(uint32_t cpu) const { return cpus_[cpu].current == nullptr; }

    void enqueue(SchedVcpu& e, uint32_t cpu);
    void dequeue(SchedVcpu& e);
    void resort(uint32_t cpu);
    uint32_t place(const SchedVcpu& e) const;
    CpuMask queue_and_tickle(SchedVcpu& e);
    CpuMask kick_idle_for(const SchedVcpu& e, CpuMask already) const;
    SchedVcpu* steal(uint32_t cpu, Priority better_than);

    void charge(SchedVcpu& e, uint64_t now_ns);
    void link_front(SchedDomain& dom);
    void unlink(SchedDomain& dom);
    void activate(SchedVcpu& e);
    void deactivate(SchedVcpu& e);
    CpuMask park(SchedVcpu& e);
    CpuMask unpark(SchedVcpu& e);
    CpuMask account(uint64_t now_ns);
    uint64_t next_deadline(uint32_t cpu) const;

    mutable SpinLock lock_;                 // guards everything below and the slots' contents
    SchedDomain* active_domains_ = nullptr; // the order accounting serves them in
    SchedCpu* cpus_;
    SchedVcpu* vcpus_;
    size_t vcpu_slots_;
    SchedDomain* domains_;
    size_t domain_slots_;
    uint32_t cpu_count_;
    uint64_t next_account_ns_ = 0; // 0: the first tick accounts
    int64_t credit_balance_ = 0;   // sum of active vCPUs' credit after the last accounting
    uint32_t parked_count_ = 0;
};

// The scheduler with its tables: Cpus run queues, room for Vcpus vCPUs of
// Domains domains. Tests use tiny sizes.
namespace detail {
template <uint32_t Cpus, size_t Vcpus, size_t Domains> struct SchedTables {
    SchedCpu cpus[Cpus];
    SchedVcpu vcpus[Vcpus];
    SchedDomain domains[Domains];
};
} // namespace detail

template <uint32_t Cpus, size_t Vcpus, size_t Domains>
class CreditSchedulerWith : private detail::SchedTables<Cpus, Vcpus, Domains>,
                            public CreditScheduler {
    static_assert(Cpus >= 1 && Cpus <= k_max_cpus);
    using Tables = detail::SchedTables<Cpus, Vcpus, Domains>;

public:
    // CPUs 0..cpu_count-1 are online (at most Cpus).
    explicit CreditSchedulerWith(uint32_t cpu_count)
        : Tables(), CreditScheduler(
                        Storage{Tables::cpus, Cpus, Tables::vcpus, Vcpus, Tables::domains, Domains},
                        cpu_count) {}
};

using HypervisorScheduler = CreditSchedulerWith<k_max_cpus, k_max_sched_vcpus, k_max_sched_domains>;

} // namespace pv::sched
