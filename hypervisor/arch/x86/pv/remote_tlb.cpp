#include "arch/x86/pv/remote_tlb.hpp"

#include "arch/x86/percpu.hpp"
#include "arch/x86/pv/pv_mm_glue.hpp"
#include "core/domain/vcpu.hpp"
#include "lib/spinlock.hpp"

namespace pv::x86 {

namespace {
PerCpu* all_cpus = nullptr;
uint32_t cpu_count = 0;
void (*send_flush_ipi)(uint32_t) = nullptr;
uint64_t generation = 0; // the latest request's number
} // namespace

void remote_tlb_init(PerCpu* cpus, uint32_t count, void (*send_ipi)(uint32_t cpu)) {
    all_cpus = cpus;
    cpu_count = count;
    send_flush_ipi = send_ipi;
    spin_wait_hook = service_tlb_flush_request;
}

void service_tlb_flush_request() {
    if (!all_cpus) return;
    PerCpu& cpu = this_cpu();
    const uint64_t wanted = __atomic_load_n(&cpu.tlb_flush_requested, __ATOMIC_ACQUIRE);
    if (wanted == __atomic_load_n(&cpu.tlb_flush_done, __ATOMIC_RELAXED)) return;
    flush_tlb_including_global();
    __atomic_store_n(&cpu.tlb_flush_done, wanted, __ATOMIC_RELEASE);
}

void flush_remote_tlbs(const Domain* domain) {
    if (!all_cpus || cpu_count < 2) return;
    PerCpu& self = this_cpu();
    const uint64_t gen = __atomic_add_fetch(&generation, 1, __ATOMIC_ACQ_REL);
    bool asked[k_max_cpus] = {};
    for (uint32_t i = 0; i < cpu_count; ++i) {
        PerCpu& cpu = all_cpus[i];
        if (&cpu == &self || !cpu.online) continue;
        const Vcpu* running = __atomic_load_n(&cpu.current, __ATOMIC_ACQUIRE);
        if (!running || (domain && &running->domain() != domain)) continue;
        // A later request covers an earlier one: only ever raise it.
        uint64_t seen = __atomic_load_n(&cpu.tlb_flush_requested, __ATOMIC_RELAXED);
        while (seen < gen && !__atomic_compare_exchange_n(&cpu.tlb_flush_requested, &seen, gen, false,
                                                          __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
        }
        asked[i] = true;
        send_flush_ipi(i);
    }
    for (uint32_t i = 0; i < cpu_count; ++i) {
        if (!asked[i]) continue;
        while (__atomic_load_n(&all_cpus[i].tlb_flush_done, __ATOMIC_ACQUIRE) < gen) {
            service_tlb_flush_request(); // two CPUs asking each other
            SpinLock::cpu_relax();
        }
    }
}

} // namespace pv::x86
