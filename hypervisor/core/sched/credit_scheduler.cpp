// CreditScheduler: membership, parameters, state changes, run queues and the
// scheduling decision. Credit accounting is in credit_accounting.cpp.
#include "core/sched/credit_scheduler.hpp"

namespace pv::sched {

using detail::SchedCpu;
using detail::SchedDomain;
using detail::SchedVcpu;

CreditScheduler::CreditScheduler(const Storage& storage, uint32_t cpu_count)
    : cpus_(storage.cpus), vcpus_(storage.vcpus), vcpu_slots_(storage.vcpu_slots),
      domains_(storage.domains), domain_slots_(storage.domain_slots),
      cpu_count_(cpu_count == 0 ? 1
                                : (cpu_count > storage.cpu_slots ? storage.cpu_slots : cpu_count)) {
}

// --- Lookup --------------------------------------------------------------------
// Linear scans: the tables are small (a few hundred vCPUs at most) and the
// hot path (pick_next, tick) never searches.

SchedVcpu* CreditScheduler::find(const Vcpu& vcpu) const {
    for (size_t i = 0; i < vcpu_slots_; ++i)
        if (vcpus_[i].vcpu == &vcpu) return &vcpus_[i];
    return nullptr;
}

SchedDomain* CreditScheduler::find(const Domain& domain) const {
    for (size_t i = 0; i < domain_slots_; ++i)
        if (domains_[i].domain == &domain) return &domains_[i];
    return nullptr;
}

bool CreditScheduler::runnable(const SchedVcpu& e) {
    const VcpuState s = e.vcpu->state;
    return (s == VcpuState::runnable || s == VcpuState::running) &&
           e.vcpu->domain().state == DomainState::running;
}

// xl's checks (libxl sched_credit_domain_set): weight 1..65535, cap from 0
// to 100 per vCPU of the domain.
static bool valid_params(const Domain& domain, uint32_t weight, uint32_t cap) {
    const uint32_t vcpus = domain.vcpu_count == 0 ? 1 : domain.vcpu_count;
    return weight >= 1 && weight <= k_max_weight && cap <= 100 * vcpus;
}

// --- Membership ------------------------------------------------------------------

Status CreditScheduler::add_vcpu(Vcpu& vcpu, const SchedParams& params) {
    LockGuard guard(lock_);
    if (find(vcpu)) return Errno::eexist;
    if (!valid_params(vcpu.domain(), params.weight, params.cap)) return Errno::einval;
    const CpuMask allowed_cpus = params.affinity & online_cpus();
    if (allowed_cpus == 0) return Errno::einval;

    SchedDomain* dom = find(vcpu.domain());
    SchedDomain* fresh = nullptr;
    if (!dom) {
        for (size_t i = 0; i < domain_slots_ && !fresh; ++i)
            if (!domains_[i].domain) fresh = &domains_[i];
        if (!fresh) return Errno::enospc;
    }
    SchedVcpu* e = nullptr;
    for (size_t i = 0; i < vcpu_slots_ && !e; ++i)
        if (!vcpus_[i].vcpu) e = &vcpus_[i];
    if (!e) return Errno::enospc;

    if (!dom) {
        dom = fresh;
        *dom = SchedDomain{};
        dom->domain = &vcpu.domain();
        dom->weight = params.weight;
        dom->cap = params.cap;
    }
    ++dom->vcpus;
    *e = SchedVcpu{};
    e->vcpu = &vcpu;
    e->dom = dom;
    e->affinity = params.affinity;
    e->cpu = static_cast<uint32_t>(__builtin_ctzll(allowed_cpus));
    return Status::ok();
}

Status CreditScheduler::remove_vcpu(Vcpu& vcpu) {
    LockGuard guard(lock_);
    SchedVcpu* e = find(vcpu);
    if (!e) return Errno::esrch;
    if (e->running) return Errno::ebusy;
    if (e->queued) dequeue(*e);
    if (e->active) deactivate(*e);
    if (e->parked) --parked_count_;
    SchedDomain* dom = e->dom;
    if (--dom->vcpus == 0) *dom = SchedDomain{};
    *e = SchedVcpu{};
    return Status::ok();
}

// --- Parameters --------------------------------------------------------------------

Status CreditScheduler::set_params(Domain& domain, uint32_t weight, uint32_t cap) {
    LockGuard guard(lock_);
    SchedDomain* dom = find(domain);
    if (!dom) return Errno::esrch;
    if (!valid_params(domain, weight, cap)) return Errno::einval;
    dom->weight = weight;
    dom->cap = cap;
    return Status::ok();
}

Result<SchedParams> CreditScheduler::params(const Domain& domain) const {
    LockGuard guard(lock_);
    const SchedDomain* dom = find(domain);
    if (!dom) return Errno::esrch;
    SchedParams p;
    p.weight = dom->weight;
    p.cap = dom->cap;
    return p;
}

Result<CpuMask> CreditScheduler::set_affinity(Vcpu& vcpu, CpuMask mask) {
    LockGuard guard(lock_);
    SchedVcpu* e = find(vcpu);
    if (!e) return Errno::esrch;
    if ((mask & online_cpus()) == 0) return Errno::einval;
    e->affinity = mask;
    const bool here_ok = has_cpu(allowed(*e), e->cpu);
    if (e->queued && !here_ok) {
        dequeue(*e);
        return queue_and_tickle(*e);
    }
    if (e->queued) return kick_idle_for(*e, 0);
    if (e->running && !here_ok) return cpu_bit(e->cpu); // pick_next moves it
    return CpuMask{0};
}

CpuMask CreditScheduler::affinity(const Vcpu& vcpu) const {
    LockGuard guard(lock_);
    const SchedVcpu* e = find(vcpu);
    return e ? e->affinity : 0;
}

// --- State changes -------------------------------------------------------------------

CpuMask CreditScheduler::wake(Vcpu& vcpu, uint64_t now_ns) {
    LockGuard guard(lock_);
    SchedVcpu* e = find(vcpu);
    if (!e || e->running || e->queued || e->parked || !runnable(*e)) return 0;
    // Xen boosts a waking vCPU that has credit, so that a latency-sensitive
    // vCPU (one that blocks and wakes a lot) preempts CPU hogs; the first
    // tick that finds it running ends the boost.
    if (e->pri == Priority::under) e->pri = Priority::boost;
    e->burn_from_ns = e->ran_since_ns = now_ns;
    return queue_and_tickle(*e);
}

CpuMask CreditScheduler::sleep(Vcpu& vcpu) {
    LockGuard guard(lock_);
    SchedVcpu* e = find(vcpu);
    if (!e) return 0;
    // A wake that raced ahead of this call has already made it runnable
    // again: nothing to undo.
    if (runnable(*e) && !e->parked) return 0;
    if (e->queued) dequeue(*e);
    return e->running ? cpu_bit(e->cpu) : 0;
}

CpuMask CreditScheduler::yield(Vcpu& vcpu) {
    LockGuard guard(lock_);
    SchedVcpu* e = find(vcpu);
    if (!e || !e->running) return 0;
    e->yielding = true;
    return cpu_bit(e->cpu);
}

// --- Run queues ------------------------------------------------------------------------

// Ordered by priority, FIFO within one priority. A yielding vCPU goes behind
// the first vCPU of lower priority too, if there is one (Xen's
// __runq_insert); otherwise behind its equals.
void CreditScheduler::enqueue(SchedVcpu& e, uint32_t cpu) {
    SchedCpu& pc = cpus_[cpu];
    SchedVcpu* at = pc.head;
    while (at && at->pri >= e.pri)
        at = at->next;
    if (e.yielding && at) at = at->next;
    e.next = at;
    e.prev = at ? at->prev : pc.tail;
    (e.prev ? e.prev->next : pc.head) = &e;
    (at ? at->prev : pc.tail) = &e;
    e.cpu = cpu;
    e.queued = true;
    ++pc.queued;
}

void CreditScheduler::dequeue(SchedVcpu& e) {
    SchedCpu& pc = cpus_[e.cpu];
    (e.prev ? e.prev->next : pc.head) = e.next;
    (e.next ? e.next->prev : pc.tail) = e.prev;
    e.prev = e.next = nullptr;
    e.queued = false;
    --pc.queued;
}

// After accounting changed priorities: re-insert everyone in order (stable,
// so FIFO order within a priority survives).
void CreditScheduler::resort(uint32_t cpu) {
    SchedCpu& pc = cpus_[cpu];
    SchedVcpu* e = pc.head;
    pc.head = pc.tail = nullptr;
    pc.queued = 0;
    while (e) {
        SchedVcpu* next = e->next;
        e->queued = false;
        enqueue(*e, cpu);
        e = next;
    }
}

// Where a vCPU that becomes runnable should queue (a simple form of Xen's
// csched_cpu_pick): its last CPU if that is idle, else any idle CPU of its
// affinity, else the least loaded one, its last CPU winning ties.
uint32_t CreditScheduler::place(const SchedVcpu& e) const {
    const CpuMask mask = allowed(e);
    const uint32_t start =
        has_cpu(mask, e.cpu) ? e.cpu : static_cast<uint32_t>(__builtin_ctzll(mask));
    uint32_t best = start;
    uint32_t best_load = ~0u;
    for (uint32_t i = 0; i < cpu_count_; ++i) {
        const uint32_t cpu = (start + i) % cpu_count_;
        if (!has_cpu(mask, cpu)) continue;
        const uint32_t load = cpus_[cpu].queued + (cpus_[cpu].current ? 1 : 0);
        if (load < best_load) {
            best = cpu;
            best_load = load;
        }
    }
    return best;
}

// Queue a runnable vCPU and say which CPU must look at it: the chosen one if
// it is idle or runs something of lower priority (Xen's __runq_tickle).
CpuMask CreditScheduler::queue_and_tickle(SchedVcpu& e) {
    const uint32_t cpu = place(e);
    enqueue(e, cpu);
    const SchedVcpu* cur = cpus_[cpu].current;
    if (!cur || e.pri > cur->pri) return cpu_bit(cpu);
    return kick_idle_for(e, 0);
}

// An idle CPU (nothing running, nothing queued) that may run `e` and is not
// in `already`: it will steal `e` at its scheduling point.
CpuMask CreditScheduler::kick_idle_for(const SchedVcpu& e, CpuMask already) const {
    const CpuMask mask = allowed(e) & ~already;
    for (uint32_t cpu = 0; cpu < cpu_count_; ++cpu)
        if (has_cpu(mask, cpu) && !cpus_[cpu].current && cpus_[cpu].queued == 0)
            return cpu_bit(cpu);
    return 0;
}

// Xen's csched_load_balance: look through the queues of busy peers (an idle
// peer is about to run its own queue) for the first vCPU better than what
// `cpu` has that may run on `cpu`.
SchedVcpu* CreditScheduler::steal(uint32_t cpu, Priority better_than) {
    for (uint32_t i = 1; i < cpu_count_; ++i) {
        const uint32_t peer = (cpu + i) % cpu_count_;
        if (!cpus_[peer].current) continue;
        for (SchedVcpu* e = cpus_[peer].head; e && e->pri > better_than; e = e->next) {
            if (!has_cpu(allowed(*e), cpu)) continue;
            dequeue(*e);
            return e;
        }
    }
    return nullptr;
}

// --- The scheduling decision ---------------------------------------------------------------

uint64_t CreditScheduler::next_deadline(uint32_t cpu) const {
    const SchedCpu& pc = cpus_[cpu];
    if (pc.current) return pc.slice_end_ns < pc.next_tick_ns ? pc.slice_end_ns : pc.next_tick_ns;
    // Idle: only parked vCPUs need this CPU to come back by itself (to run
    // the accounting that unparks them); anything else arrives with a kick.
    return parked_count_ ? next_account_ns_ : k_forever;
}

Decision CreditScheduler::pick_next(uint32_t cpu, uint64_t now_ns) {
    LockGuard guard(lock_);
    Decision d;
    if (cpu >= cpu_count_) return d;
    SchedCpu& pc = cpus_[cpu];
    if (pc.next_tick_ns <= now_ns) pc.next_tick_ns = now_ns + k_tick_ns;

    if (SchedVcpu* prev = pc.current) {
        charge(*prev, now_ns);
        prev->running = false;
        pc.current = nullptr;
        const bool wants_cpu = runnable(*prev) && !prev->parked;
        if (prev->vcpu->state == VcpuState::running) prev->vcpu->state = VcpuState::runnable;
        if (wants_cpu && has_cpu(allowed(*prev), cpu)) {
            // Within its slice and nothing better waiting here: carry on.
            if (!prev->yielding && now_ns < pc.slice_end_ns &&
                (!pc.head || pc.head->pri <= prev->pri)) {
                prev->running = true;
                prev->vcpu->state = VcpuState::running;
                pc.current = prev;
                d.next = prev->vcpu;
                d.run_until_ns = next_deadline(cpu);
                return d;
            }
            enqueue(*prev, cpu);
        } else if (wants_cpu) {
            d.kicks |= queue_and_tickle(*prev); // its affinity no longer has this CPU
        }
        prev->yielding = false;
    }

    SchedVcpu* next = pc.head;
    if (!next || next->pri == Priority::over) {
        if (SchedVcpu* stolen = steal(cpu, next ? next->pri : Priority::idle))
            next = stolen;
        else if (next)
            dequeue(*next);
    } else {
        dequeue(*next);
    }

    if (next) {
        next->cpu = cpu;
        next->running = true;
        next->vcpu->state = VcpuState::running;
        next->burn_from_ns = next->ran_since_ns = now_ns;
        pc.current = next;
        pc.slice_end_ns = now_ns + k_slice_ns;
        d.next = next->vcpu;
    }
    // Whatever still waits here could run on an idle CPU now.
    for (const SchedVcpu* e = pc.head; e; e = e->next)
        d.kicks |= kick_idle_for(*e, d.kicks);
    d.kicks &= ~cpu_bit(cpu);
    d.run_until_ns = next_deadline(cpu);
    return d;
}

// --- Observation ----------------------------------------------------------------------------

uint64_t CreditScheduler::cpu_time(const Vcpu& vcpu, uint64_t now_ns) const {
    LockGuard guard(lock_);
    const SchedVcpu* e = find(vcpu);
    uint64_t t = vcpu.cpu_time_ns;
    if (e && e->running && now_ns > e->ran_since_ns) t += now_ns - e->ran_since_ns;
    return t;
}

Vcpu* CreditScheduler::current(uint32_t cpu) const {
    LockGuard guard(lock_);
    return cpu < cpu_count_ && cpus_[cpu].current ? cpus_[cpu].current->vcpu : nullptr;
}

int CreditScheduler::running_on(const Vcpu& vcpu) const {
    LockGuard guard(lock_);
    const SchedVcpu* e = find(vcpu);
    return e && e->running ? static_cast<int>(e->cpu) : -1;
}

uint32_t CreditScheduler::last_cpu(const Vcpu& vcpu) const {
    LockGuard guard(lock_);
    const SchedVcpu* e = find(vcpu);
    return e ? e->cpu : 0;
}

Priority CreditScheduler::priority(const Vcpu& vcpu) const {
    LockGuard guard(lock_);
    const SchedVcpu* e = find(vcpu);
    return e ? e->pri : Priority::idle;
}

int64_t CreditScheduler::credit(const Vcpu& vcpu) const {
    LockGuard guard(lock_);
    const SchedVcpu* e = find(vcpu);
    return e ? e->credit : 0;
}

bool CreditScheduler::parked(const Vcpu& vcpu) const {
    LockGuard guard(lock_);
    const SchedVcpu* e = find(vcpu);
    return e && e->parked;
}

uint32_t CreditScheduler::queued(uint32_t cpu) const {
    LockGuard guard(lock_);
    return cpu < cpu_count_ ? cpus_[cpu].queued : 0;
}

} // namespace pv::sched
