#include "arch/x86/pv/vcpu_timers.hpp"

#include "arch/x86/percpu.hpp"

namespace pv::x86 {

// Lock-free: a domain released meanwhile leaves at worst an early wake-up.
uint64_t VcpuTimers::earliest_vcpu_deadline() const {
    uint64_t earliest = k_none;
    for (uint32_t id = 0; id < k_max_domain_id; ++id) {
        const PvDomain* pd = parts_.domains->find(static_cast<DomainId>(id));
        if (!pd) continue;
        for (uint32_t i = 0; i < pd->domain.vcpu_count; ++i) {
            uint64_t d = __atomic_load_n(&pd->timer_deadline[i], __ATOMIC_ACQUIRE);
            if (d < earliest) earliest = d;
        }
    }
    return earliest;
}

void VcpuTimers::program() {
    PerCpu& cpu = this_cpu();
    uint64_t next = cpu.sched_deadline < cpu.poll_deadline ? cpu.sched_deadline : cpu.poll_deadline;
    if (cpu.index == 0) {
        uint64_t vcpus = earliest_vcpu_deadline();
        if (vcpus < next) next = vcpus;
    }
    if (next == k_none)
        parts_.timer->disarm();
    else
        parts_.timer->arm(next);
}

void VcpuTimers::set(Vcpu& v, uint64_t deadline_ns) {
    PvDomain* pd = parts_.domains->find(v.domain());
    if (!pd || v.id() >= Domain::k_max_vcpus) return;
    __atomic_store_n(&pd->timer_deadline[v.id()], deadline_ns, __ATOMIC_RELEASE);
    if (this_cpu().index == 0) {
        if (!firing_) program();
    } else {
        parts_.send_ipi(0);
    }
}

void VcpuTimers::cancel(Vcpu& v) {
    PvDomain* pd = parts_.domains->find(v.domain());
    if (pd && v.id() < Domain::k_max_vcpus) __atomic_store_n(&pd->timer_deadline[v.id()], k_none, __ATOMIC_RELEASE);
}

void VcpuTimers::fire(uint64_t now) {
    LockGuard guard(parts_.domains->lock()); // no domain goes away meanwhile
    firing_ = true;
    for (uint32_t id = 0; id < k_max_domain_id; ++id) {
        PvDomain* pd = parts_.domains->find(static_cast<DomainId>(id));
        if (!pd) continue;
        for (uint32_t i = 0; i < pd->domain.vcpu_count; ++i) {
            uint64_t d = __atomic_load_n(&pd->timer_deadline[i], __ATOMIC_ACQUIRE);
            if (d > now || !__atomic_compare_exchange_n(&pd->timer_deadline[i], &d, k_none, false,
                                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
                continue;
            parts_.update_guest_time(pd->vcpu(i));
            pd->time(i).timer_expired(); // VIRQ_TIMER
        }
    }
    firing_ = false;
}

void VcpuTimers::on_expiry() {
    PerCpu& cpu = this_cpu();
    uint64_t now = parts_.clock->now_ns();
    if (cpu.sched_deadline <= now) {
        cpu.sched_deadline = k_none;
        cpu.need_resched = true;
    }
    if (cpu.poll_deadline <= now) cpu.poll_deadline = k_none;
    if (cpu.index == 0) {
        fire(now);
        if (parts_.boot_cpu_work) parts_.boot_cpu_work();
    }
    program();
}

} // namespace pv::x86
