// Per-CPU state: each CPU's GDT, TSS, stacks and identity. GS_BASE points at
// the CPU's own PerCpu while the hypervisor runs, so `this_cpu()` is one load.
#pragma once

// Offsets the entry stubs use (%gs:OFFSET while the hypervisor's GS is live).
#define PERCPU_STACK_TOP 16
#define PERCPU_SCRATCH_RSP 24

#ifndef __ASSEMBLER__
#include "arch/x86/gdt.hpp"

#include <cstddef>
#include <cstdint>

namespace pv {
class Vcpu;
}

namespace pv::x86 {

inline constexpr uint32_t k_max_cpus = 64;

struct PerCpu {
    PerCpu* self; // first: this_cpu() reads %gs:0
    uint32_t index;   // 0 = boot CPU, dense
    uint32_t apic_id;
    uint64_t stack_top;   // TSS.RSP0: a guest's frame sits right below it
    uint64_t scratch_rsp; // the guest's RSP during SYSCALL entry
    uint64_t ist_top[ist::count + 1]; // [1..count] used, as the IST slot numbers
    bool online;
    Vcpu* current = nullptr; // the guest vCPU this CPU runs, if any
    Vcpu* start_vcpu = nullptr; // handed over by VCPUOP_up, started when idle
    // This CPU's APIC timer serves the running vCPU's timer and the poll of
    // a blocked vCPU (system time, ns; ~0 = none).
    uint64_t vcpu_deadline = ~0ull;
    uint64_t poll_deadline = ~0ull;
    // The scheduler's: when this CPU must pass its scheduling point again
    // (~0 = never), and whether it must at its next return to a guest.
    uint64_t sched_deadline = ~0ull;
    bool need_resched = false;
    // Cross-CPU TLB shootdown (pv/remote_tlb.hpp): the latest generation
    // asked of this CPU, and the latest it has flushed for.
    uint64_t tlb_flush_requested = 0;
    uint64_t tlb_flush_done = 0;
    CpuDescriptorTables tables;
};
static_assert(offsetof(PerCpu, stack_top) == PERCPU_STACK_TOP);
static_assert(offsetof(PerCpu, scratch_rsp) == PERCPU_SCRATCH_RSP);

inline PerCpu& this_cpu() {
    PerCpu* self;
    asm volatile("mov %%gs:0, %0" : "=r"(self));
    return *self;
}

// Load this CPU's GDT, TSS and IDT and point GS_BASE at `cpu`.
void cpu_tables_init(PerCpu& cpu);

} // namespace pv::x86
#endif
