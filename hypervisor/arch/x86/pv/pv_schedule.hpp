// Running many vCPUs on each CPU: the credit scheduler's decisions turned
// into context switches. A switch happens only at a CPU's return to a
// guest, where the outgoing vCPU's whole state is its entry frame (at the
// top of the CPU's stack) plus a few MSRs and the FPU: the frame is saved
// into the outgoing vCPU and the incoming one's loaded in its place. The
// hypervisor is never preempted, so it needs no stack per vCPU (Xen keeps
// one per CPU for PV guests in the same way).
//
// A CPU with nothing to run waits in pv_idle_loop() with interrupts
// enabled; wake-ups reach it as event-check IPIs.
#pragma once

#include "arch/x86/trap_frame.hpp"
#include "core/domain/vcpu.hpp"
#include "core/sched/credit_scheduler.hpp"

namespace pv::x86 {

struct PvScheduleEnvironment {
    sched::CreditScheduler* scheduler = nullptr;
    uint64_t (*now_ns)() = nullptr;
    // An event-check IPI to CPU `index` (it passes its scheduling point).
    void (*send_ipi)(uint32_t index) = nullptr;
    // Reprogram this CPU's timer (PerCpu::sched_deadline changed).
    void (*program_timer)() = nullptr;
    // The vCPU is about to run on this CPU: its GDT, time info. False: it
    // cannot run (its domain is crashed by the caller).
    bool (*switch_in)(Vcpu&) = nullptr;
    // Periodic work of an idle CPU (console input for Dom0 on CPU 0).
    void (*idle_work)() = nullptr;
    // vCPUs of domains in hardware containers (PVH): does `v` run in one,
    // and one entry into its container with the handling of the exit that
    // ends it (called with interrupts off, returns with them off).
    bool (*in_container)(const Vcpu& v) = nullptr;
    void (*container_step)(Vcpu& v) = nullptr;
};
void pv_schedule_init(const PvScheduleEnvironment& env);

// The vCPU may run now (it woke, was unpaused, brought up): queue it.
void pv_wake(Vcpu& v);
// The vCPU may no longer run (blocked, paused, down, its domain stopped).
void pv_sleep(Vcpu& v);
// sched_op yield.
void pv_yield(Vcpu& v);
// Make the CPUs in `mask` pass their scheduling point soon.
void pv_kick_cpus(sched::CpuMask mask);

// At every return to a guest: switch vCPUs if the scheduler says so. May
// not return (this CPU then idles until there is work).
void pv_schedule(TrapFrame& f);

// This CPU has no vCPU (at boot, or its vCPU stopped): run what the
// scheduler gives it, halting in between. vCPUs in hardware containers run
// inside this loop (entry, exit, handling, again); PV vCPUs leave it for
// ring 3 and come back through pv_schedule().
[[noreturn]] void pv_idle_loop();

// Default FPU state of a new vCPU (FNINIT + MXCSR 0x1f80, SDM Vol. 1 §10.5.1)
// and the MXCSR bits this CPU accepts (a bad context must not #GP FXRSTOR).
void fpu_init_state(Vcpu& v);
void fpu_sanitize(Vcpu& v);

} // namespace pv::x86
