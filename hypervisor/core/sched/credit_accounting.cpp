// CreditScheduler: burning credits, the per-CPU tick and the accounting
// period that shares credits by weight and enforces caps (Xen's
// burn_credits, csched_tick, csched_unit_acct and csched_acct).
#include "core/sched/credit_scheduler.hpp"

namespace pv::sched {

using detail::SchedCpu;
using detail::SchedDomain;
using detail::SchedVcpu;

namespace {

constexpr uint64_t k_ns_per_credit = k_ns_per_ms / k_credits_per_ms; // 100 us

constexpr uint64_t div_round_up(uint64_t n, uint64_t d) {
    return (n + d - 1) / d;
}

} // namespace

// The running vCPU pays for the time since it was last charged: 10 credits
// per ms, whole credits only (the rest stays in burn_from_ns for next time),
// and the full time goes to its CPU time.
void CreditScheduler::charge(SchedVcpu& e, uint64_t now_ns) {
    if (now_ns > e.burn_from_ns) {
        const uint64_t credits = (now_ns - e.burn_from_ns) / k_ns_per_credit;
        e.credit -= static_cast<int64_t>(credits);
        e.burn_from_ns += credits * k_ns_per_credit;
    }
    if (now_ns > e.ran_since_ns) {
        e.vcpu->cpu_time_ns += now_ns - e.ran_since_ns;
        e.ran_since_ns = now_ns;
    }
}

// The active-domain list: a domain joins at the front when its first vCPU
// becomes active and leaves when its last one stops earning.
void CreditScheduler::link_front(SchedDomain& dom) {
    dom.prev = nullptr;
    dom.next = active_domains_;
    if (active_domains_) active_domains_->prev = &dom;
    active_domains_ = &dom;
}

void CreditScheduler::unlink(SchedDomain& dom) {
    (dom.prev ? dom.prev->next : active_domains_) = dom.next;
    if (dom.next) dom.next->prev = dom.prev;
    dom.prev = dom.next = nullptr;
}

void CreditScheduler::activate(SchedVcpu& e) {
    e.active = true;
    if (e.dom->active_vcpus++ == 0) link_front(*e.dom);
}

void CreditScheduler::deactivate(SchedVcpu& e) {
    e.active = false;
    if (--e.dom->active_vcpus == 0) unlink(*e.dom);
}

// Over its cap: off every queue until accounting pays its debt. A running
// vCPU is descheduled by its CPU (pick_next does not re-queue it).
CpuMask CreditScheduler::park(SchedVcpu& e) {
    e.parked = true;
    ++parked_count_;
    if (e.queued) dequeue(e);
    return e.running ? cpu_bit(e.cpu) : 0;
}

// Back in credit. Not boosted: it did not wake from blocking.
CpuMask CreditScheduler::unpark(SchedVcpu& e) {
    e.parked = false;
    --parked_count_;
    if (!runnable(e) || e.running || e.queued) return 0;
    return queue_and_tickle(e);
}

CpuMask CreditScheduler::tick(uint32_t cpu, uint64_t now_ns) {
    LockGuard guard(lock_);
    if (cpu >= cpu_count_) return 0;
    SchedCpu& pc = cpus_[cpu];
    CpuMask kicks = 0;

    if (now_ns >= pc.next_tick_ns) {
        pc.next_tick_ns = now_ns + k_tick_ns;
        if (SchedVcpu* cur = pc.current) {
            // Found running at a tick: it uses real CPU, so no more boost,
            // and it competes for credits from now on.
            if (cur->pri == Priority::boost) cur->pri = Priority::under;
            charge(*cur, now_ns);
            if (!cur->active) activate(*cur);
        }
    }
    if (now_ns >= next_account_ns_) {
        kicks |= account(now_ns);
        next_account_ns_ = now_ns + k_slice_ns;
    }
    if (const SchedVcpu* cur = pc.current) {
        if (cur->parked || (pc.head && pc.head->pri > cur->pri)) kicks |= cpu_bit(cpu);
    }
    for (const SchedVcpu* e = pc.head; e; e = e->next)
        kicks |= kick_idle_for(*e, kicks);
    return kicks;
}

// One accounting period (csched_acct). Credits for the period -- one slice's
// worth per online CPU, plus any overall debt -- are shared among the active
// domains in proportion to weight * active vCPUs. A domain gets at most one
// slice per active vCPU (more only while the system is in debt), and a
// capped one at most cap% of a slice; what it cannot take goes to the
// domains after it, and such a domain moves to the front of the list so
// that in later periods everything it leaves goes to the others. Then each
// active vCPU's priority follows its credit.
CpuMask CreditScheduler::account(uint64_t) {
    CpuMask kicks = 0;
    uint64_t weight_total = 0;
    for (const SchedDomain* dom = active_domains_; dom; dom = dom->next)
        weight_total += uint64_t{dom->weight} * dom->active_vcpus;

    const int64_t previous_balance = credit_balance_;
    uint64_t credit_total = uint64_t{k_credits_per_slice} * cpu_count_;
    if (previous_balance < 0) credit_total += static_cast<uint64_t>(-previous_balance);
    if (weight_total == 0) {
        credit_balance_ = 0;
        return 0;
    }

    uint64_t weight_left = weight_total;
    int64_t balance = 0;
    bool earlier_below_peak = false;
    SchedDomain* next_dom = nullptr;
    for (SchedDomain* d = active_domains_; d; d = next_dom) {
        next_dom = d->next; // d may move to the front or leave the list
        SchedDomain& dom = *d;
        const uint64_t n = dom.active_vcpus;
        const uint64_t share = uint64_t{dom.weight} * n;
        weight_left -= share;

        uint64_t peak = n * k_credits_per_slice;
        if (previous_balance < 0)
            peak += div_round_up(static_cast<uint64_t>(-previous_balance) * share, weight_total);
        uint64_t cap_per_vcpu = 0;
        if (dom.cap != 0) {
            const uint64_t cap_credits = div_round_up(uint64_t{dom.cap} * k_credits_per_slice, 100);
            if (cap_credits < peak) peak = cap_credits;
            cap_per_vcpu = div_round_up(cap_credits, n);
        }

        uint64_t fair = div_round_up(credit_total * share, weight_total);
        if (fair < peak) {
            earlier_below_peak = true;
        } else {
            // Give what this domain cannot use to the ones after it.
            if (weight_left != 0)
                credit_total += div_round_up((fair - peak) * weight_total, weight_left);
            if (earlier_below_peak) {
                unlink(dom);
                link_front(dom);
            }
            fair = peak;
        }
        const int64_t per_vcpu = static_cast<int64_t>(div_round_up(fair, n));

        for (size_t j = 0; j < vcpu_slots_; ++j) {
            SchedVcpu& e = vcpus_[j];
            if (e.dom != &dom || !e.vcpu || !e.active) continue;
            e.credit += per_vcpu;
            if (e.credit < 0) {
                e.pri = Priority::over;
                if (dom.cap != 0 && e.credit < -static_cast<int64_t>(cap_per_vcpu) && !e.parked)
                    kicks |= park(e);
                if (e.credit < -k_credits_per_slice) e.credit = -k_credits_per_slice;
            } else {
                e.pri = Priority::under;
                if (e.parked) kicks |= unpark(e);
                // Not using its share: it stops earning, and keeps half so
                // that it starts a little ahead when it becomes busy again.
                if (e.credit > k_credits_per_slice) {
                    deactivate(e);
                    e.credit /= 2;
                }
            }
            balance += e.credit;
        }
    }
    credit_balance_ = balance;

    // Priorities changed: re-order the queues; a CPU running something worse
    // than what it has queued should reschedule.
    for (uint32_t cpu = 0; cpu < cpu_count_; ++cpu) {
        resort(cpu);
        const SchedCpu& pc = cpus_[cpu];
        if (pc.current && pc.head && pc.head->pri > pc.current->pri) kicks |= cpu_bit(cpu);
    }
    return kicks;
}

} // namespace pv::sched
