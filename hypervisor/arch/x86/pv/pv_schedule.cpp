#include "arch/x86/pv/pv_schedule.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/pv/pv_mm_glue.hpp"
#include "arch/x86/pv/pv_vcpu.hpp"
#include "lib/log.hpp"

extern "C" [[noreturn]] void x86_enter_guest_frame(const pv::x86::TrapFrame* frame, uint64_t destination);

namespace pv::x86 {

namespace {

PvScheduleEnvironment environment;
uint32_t mxcsr_mask = 0xffbf; // without DAZ unless the CPU says otherwise

constexpr uint64_t k_cr0_ts = 1u << 3;

sched::CreditScheduler& scheduler() { return *environment.scheduler; }

// FXSAVE/FXRSTOR need CR0.TS clear (else #NM); the guest's virtual TS is
// put back by load_guest_state.
void save_fpu(Vcpu& v) {
    write_cr0(read_cr0() & ~k_cr0_ts);
    asm volatile("fxsave64 %0" : "=m"(v.pv.fpu));
}
void load_fpu(Vcpu& v) {
    write_cr0(read_cr0() & ~k_cr0_ts);
    asm volatile("fxrstor64 %0" ::"m"(v.pv.fpu));
}

// The outgoing vCPU's state, from the frame and the CPU.
void save_vcpu(Vcpu& v, const TrapFrame& f) {
    frame_to_regs(f, v.regs);
    v.pv.fs_base = rdmsr(msr::fs_base);
    (v.pv.kernel_mode ? v.pv.gs_base_kernel : v.pv.gs_base_user) = rdmsr(msr::kernel_gs_base);
    save_fpu(v);
    if (const auto runstate = pv_environment().runstate) runstate(v, false);
}

// The incoming vCPU onto this CPU; false if it cannot run.
bool load_vcpu(Vcpu& v, TrapFrame& f) {
    PerCpu& cpu = this_cpu();
    cpu.current = &v;
    // Guests may set G on their L1 entries, and global entries survive CR3
    // loads: whatever ran here before (another domain, or this one before
    // its tables changed elsewhere) must not leave a mapping behind.
    flush_tlb_including_global();
    if (environment.switch_in && !environment.switch_in(v)) return false;
    regs_to_frame(v.regs, f);
    load_fpu(v);
    load_guest_state(v); // CR3, segment bases, CR0.TS
    if (const auto runstate = pv_environment().runstate) runstate(v, true);
    return true;
}

void arm(uint64_t run_until_ns) {
    this_cpu().sched_deadline = run_until_ns;
    if (environment.program_timer) environment.program_timer();
}

// The scheduling point proper: tick, pick, kick.
sched::Decision decide() {
    PerCpu& cpu = this_cpu();
    cpu.need_resched = false;
    const uint64_t now = environment.now_ns();
    sched::CpuMask kicks = scheduler().tick(cpu.index, now);
    sched::Decision d = scheduler().pick_next(cpu.index, now);
    pv_kick_cpus(kicks | d.kicks);
    arm(d.run_until_ns);
    return d;
}

bool may_continue(const Vcpu& v) {
    return v.state == VcpuState::running && v.domain().state == DomainState::running;
}

} // namespace

void pv_schedule_init(const PvScheduleEnvironment& env) {
    environment = env;
    // MXCSR_MASK from an FXSAVE image (0 there means 0xffbf; SDM Vol. 1
    // §11.6.6).
    alignas(16) uint8_t image[512] = {};
    write_cr0(read_cr0() & ~k_cr0_ts);
    asm volatile("fxsave64 %0" : "=m"(image));
    uint32_t mask = uint32_t(image[28]) | uint32_t(image[29]) << 8 | uint32_t(image[30]) << 16 |
                    uint32_t(image[31]) << 24;
    if (mask) mxcsr_mask = mask;
}

void fpu_init_state(Vcpu& v) {
    for (auto& b : v.pv.fpu) b = 0;
    v.pv.fpu[0] = 0x7f; // FCW 0x037f: all exceptions masked, 64-bit precision
    v.pv.fpu[1] = 0x03;
    v.pv.fpu[24] = 0x80; // MXCSR 0x1f80: all SIMD exceptions masked
    v.pv.fpu[25] = 0x1f;
}

void fpu_sanitize(Vcpu& v) {
    uint32_t mxcsr = uint32_t(v.pv.fpu[24]) | uint32_t(v.pv.fpu[25]) << 8 | uint32_t(v.pv.fpu[26]) << 16 |
                     uint32_t(v.pv.fpu[27]) << 24;
    mxcsr &= mxcsr_mask;
    for (int i = 0; i < 4; ++i) v.pv.fpu[24 + i] = uint8_t(mxcsr >> (8 * i));
}

void pv_kick_cpus(sched::CpuMask mask) {
    PerCpu& self = this_cpu();
    for (uint32_t cpu = 0; mask && cpu < sched::k_max_cpus; ++cpu) {
        if (!(mask & (sched::CpuMask{1} << cpu))) continue;
        mask &= ~(sched::CpuMask{1} << cpu);
        if (cpu == self.index)
            self.need_resched = true;
        else if (environment.send_ipi)
            environment.send_ipi(cpu);
    }
}

void pv_wake(Vcpu& v) { pv_kick_cpus(scheduler().wake(v, environment.now_ns())); }
void pv_sleep(Vcpu& v) { pv_kick_cpus(scheduler().sleep(v)); }
void pv_yield(Vcpu& v) { pv_kick_cpus(scheduler().yield(v)); }

namespace {

bool in_container(const Vcpu& v) { return environment.in_container && environment.in_container(v); }

[[noreturn]] void run_loop(Vcpu* next, bool decided);

} // namespace

namespace {
[[gnu::noinline]] void reschedule(TrapFrame& f);
} // namespace

void pv_schedule(TrapFrame& f) {
    // Every return to a guest passes here: the common case (it goes on,
    // nothing asked for a reschedule) costs a few loads, the rest is out of
    // line.
    const PerCpu& cpu = this_cpu();
    const Vcpu* v = cpu.current;
    if (v && !cpu.need_resched && may_continue(*v)) [[likely]]
        return;
    reschedule(f);
}

namespace {
// The scheduling point proper (pv_schedule).
void reschedule(TrapFrame& f) {
    PerCpu& cpu = this_cpu();
    Vcpu* prev = cpu.current;
    // hlt (emulated) blocks without looking: an event already pending
    // ends the block at once.
    if (prev && prev->state == VcpuState::blocked && prev->block_ends_on_upcall &&
        vcpu_info_of(*prev).evtchn_upcall_pending)
        prev->state = VcpuState::running;
    if (prev && !may_continue(*prev)) pv_sleep(*prev); // whatever stopped it
    if (!cpu.need_resched && prev && may_continue(*prev)) return;
    for (;;) {
        sched::Decision d = decide();
        if (d.next == prev && prev) return;
        if (prev) {
            save_vcpu(*prev, f);
            cpu.current = nullptr;
        }
        if (!d.next || in_container(*d.next)) run_loop(d.next, true);
        if (load_vcpu(*d.next, f)) return;
        // It cannot run (its GDT no longer maps): its domain crashed.
        cpu.current = nullptr;
        prev = nullptr;
    }
}
} // namespace

void pv_idle_loop() { run_loop(nullptr, false); }

namespace {

// A vCPU in a hardware container runs here, on the CPU's own stack, until
// it may not go on or the scheduler picks another: that one is returned
// (null: idle). Its registers stay in the container between runs; only the
// FPU, which the world switch leaves alone, is switched here.
Vcpu* run_in_container(Vcpu& v) {
    PerCpu& cpu = this_cpu();
    cpu.current = &v;
    flush_tlb_including_global(); // as load_vcpu: nothing of the last guest stays
    if (environment.switch_in && !environment.switch_in(v)) {
        cpu.current = nullptr;
        return decide().next;
    }
    load_fpu(v);
    if (const auto runstate = pv_environment().runstate) runstate(v, true);
    for (;;) {
        if (v.state == VcpuState::blocked && v.block_ends_on_upcall && vcpu_info_of(v).evtchn_upcall_pending)
            v.state = VcpuState::running;
        if (!may_continue(v)) pv_sleep(v);
        if (cpu.need_resched || !may_continue(v)) {
            sched::Decision d = decide();
            if (d.next != &v) {
                save_fpu(v);
                if (const auto runstate = pv_environment().runstate) runstate(v, false);
                cpu.current = nullptr;
                return d.next;
            }
        }
        environment.container_step(v);
    }
}

void run_loop(Vcpu* next, bool decided) {
    PerCpu& cpu = this_cpu();
    cpu.current = nullptr;
    write_cr3(pv_environment().hypervisor_cr3);
    for (;;) {
        disable_interrupts();
        if (!decided) next = decide().next;
        decided = false;
        if (next && in_container(*next)) {
            next = run_in_container(*next);
            decided = true;
            continue;
        }
        if (next) {
            Vcpu& v = *next;
            // Built here, then moved to the top of the stack by the exit
            // stub: the top may overlap this very call chain.
            TrapFrame frame{};
            if (load_vcpu(v, frame)) x86_enter_guest_frame(&frame, cpu.stack_top - sizeof(TrapFrame));
            cpu.current = nullptr;
            write_cr3(pv_environment().hypervisor_cr3);
            continue;
        }
        if (environment.idle_work) environment.idle_work();
        if (cpu.need_resched) continue;
        enable_interrupts_and_halt();
    }
}

} // namespace

} // namespace pv::x86
