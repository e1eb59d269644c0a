#include "arch/x86/pv/pv_entry.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/gdt.hpp"
#include "arch/x86/idt.hpp"
#include "arch/x86/panic.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/pv/emulate.hpp"
#include "arch/x86/pv/pt_write_fault.hpp"
#include "arch/x86/pv/pv_schedule.hpp"
#include "arch/x86/pv/pv_vcpu.hpp"
#include "core/hypercall/continuation.hpp"
#include "lib/log.hpp"

extern "C" char pv_syscall_entry[], pv_syscall_compat_entry[];
extern "C" [[noreturn]] void x86_resume_frame(pv::x86::TrapFrame* frame);

namespace pv::x86 {

namespace {

PvHypercallEnvironment hypercalls;

constexpr uint64_t k_vector_syscall = 0x100, k_vector_syscall_compat = 0x101;
constexpr uint32_t k_msr_star = 0xc0000081, k_msr_lstar = 0xc0000082, k_msr_cstar = 0xc0000083,
                   k_msr_sfmask = 0xc0000084;
constexpr uint64_t k_efer_sce = 1;

bool has_error_code(uint64_t vector) {
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
}

// Deliver exception `vector` to the guest kernel's handler, or crash the
// domain if it registered none.
void deliver_exception(Vcpu& v, TrapFrame& f, uint64_t vector, uint64_t error_code) {
    const abi::TrapInfo& trap = v.pv.traps[vector & 0xff];
    if (trap.address == 0) {
        char why[96];
        format(why, sizeof why, "{} with no handler in the guest's trap table (error code {:#x})",
               exception_name(vector), error_code);
        crash_domain(v, f, why);
    }
    if (!bounce_to_guest(v, f, trap.address, trap.flags & 4, has_error_code(vector), error_code))
        crash_domain(v, f, "the guest kernel stack cannot take an exception frame");
}

void handle_hypercall(Vcpu& v, TrapFrame& f) {
    Domain& d = v.domain();
    frame_to_regs(f, v.regs);
    // Segment bases live in MSRs while the guest runs; handlers see and
    // change the vCPU's copy.
    v.pv.fs_base = rdmsr(msr::fs_base);
    (v.pv.kernel_mode ? v.pv.gs_base_kernel : v.pv.gs_base_user) = rdmsr(msr::kernel_gs_base);

    HypercallArgs args(f.rax, f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9);
    PvGuestSpace space = guest_space_of(v);
    HypercallContext ctx(*hypercalls.table, space);
    ctx.domain = &d;
    ctx.vcpu = &v;
    ctx.domain_id = d.id();
    ctx.vcpu_id = v.id();
    if (hypercalls.prepare) hypercalls.prepare(ctx);
    long result = dispatch_hypercall(ctx, args);
    // Failures, at debug level (iret's "result" is the guest's own RAX).
    // Routine answers are left out: the toolstack's walks over the domain
    // list end in -ESRCH, and Linux asks VCPUOP_is_up of every vCPU it might
    // have (-ENOENT for each absent one).
    if (result < 0 && result != k_hypercall_restart && !ctx.regs_replaced &&
        !(args.number() == abi::raw(abi::Hypercall::domctl) && result == -static_cast<long>(Errno::esrch)) &&
        !(args.number() == abi::raw(abi::Hypercall::vcpu_op) && result == -static_cast<long>(Errno::enoent)))
        log_debug("d{}v{}: hypercall {}({:#x}, {:#x}, {:#x}) = {}", d.id(), v.id(), args.number(), args.raw(0),
                  args.raw(1), args.raw(2), result);

    // A domain that stopped, a vCPU that blocked or took itself down: the
    // scheduler takes it off this CPU on the way out (pv_schedule).
    GuestRegisters& r = v.regs;
    if (!ctx.regs_replaced && result == k_hypercall_restart) {
        // Re-execute the SYSCALL with the continuation's arguments.
        r.rax = args.number();
        r.rdi = args.raw(0); r.rsi = args.raw(1); r.rdx = args.raw(2);
        r.r10 = args.raw(3); r.r8 = args.raw(4); r.r9 = args.raw(5);
        r.rip -= 2;
    } else {
        r.rax = static_cast<uint64_t>(result);
    }
    // A mode switch (iret) or a new base pointer (mmuext_op) changes the
    // page tables the guest continues on.
    const uint64_t cr3 = v.pv.kernel_mode ? v.pv.kernel_cr3 : v.pv.user_cr3;
    if (read_cr3() != cr3) write_cr3(cr3);
    wrmsr(msr::fs_base, v.pv.fs_base);
    wrmsr(msr::kernel_gs_base, v.pv.kernel_mode ? v.pv.gs_base_kernel : v.pv.gs_base_user);
    uint64_t cr0 = read_cr0();
    write_cr0(v.pv.fpu_ts ? cr0 | 8 : cr0 & ~uint64_t(8));
    regs_to_frame(r, f);
}

} // namespace

void handle_guest_exception(TrapFrame& f);

void pv_handle_iret_fault(TrapFrame& fault_frame) {
    // IRETQ ran after SWAPGS: the guest's GS base is live, and the fault
    // came from ring 0, so the entry did not swap. Ours back first.
    asm volatile("swapgs" ::: "memory");
    Vcpu* v = this_cpu().current;
    if (!v) panic_on_exception(fault_frame);
    // Copy out before rebuilding: the fault's frame and the IRETQ frame it
    // points at overlap the top of the stack where the guest frame goes.
    const TrapFrame fault = fault_frame;
    const uint64_t* iret_words = reinterpret_cast<const uint64_t*>(fault.rsp);
    const uint64_t iret[5] = {iret_words[0], iret_words[1], iret_words[2], iret_words[3], iret_words[4]};
    TrapFrame& f = *reinterpret_cast<TrapFrame*>(this_cpu().stack_top - sizeof(TrapFrame));
    f = fault;
    f.rip = iret[0]; f.cs = iret[1]; f.rflags = iret[2]; f.rsp = iret[3]; f.ss = iret[4];
    // As Xen (its exit IRETQ's exception fixup): the fault is the guest's,
    // delivered through its trap table with the failed context as the frame;
    // the bounce itself returns on the flat selectors, which always load.
    deliver_exception(*v, f, fault.vector, fault.error_code);
    x86_resume_frame(&f);
}

void pv_set_hypercall_environment(const PvHypercallEnvironment& env) { hypercalls = env; }

void pv_return_to_guest(TrapFrame& f) {
    pv_schedule(f);
    Vcpu* v = this_cpu().current;
    if (!v || v->state != VcpuState::running) return;
    abi::VcpuInfo& info = vcpu_info_of(*v);
    if (!info.evtchn_upcall_pending || info.evtchn_upcall_mask || v->pv.event.address == 0) return;
    if (!bounce_to_guest(*v, f, v->pv.event.address, true, false, 0))
        crash_domain(*v, f, "the guest kernel stack cannot take an event upcall frame");
}

void pv_cpu_init() {
    // SYSCALL loads CS = STAR[47:32] and SS = +8; SYSRET would load
    // CS = STAR[63:48] + 16, SS = +8 (SDM Vol. 2B SYSCALL/SYSRET): 0xe008 /
    // 0xe010 for the hypervisor, 0xe033 / 0xe02b for the guest.
    wrmsr(k_msr_star, (uint64_t(selector::guest_code32) << 48) | (uint64_t(selector::hypervisor_code) << 32));
    wrmsr(k_msr_lstar, reinterpret_cast<uint64_t>(pv_syscall_entry));
    // SYSCALL from 32-bit code lands at CSTAR: never leave it at 0, where a
    // guest could make ring 0 run on its own stack.
    wrmsr(k_msr_cstar, reinterpret_cast<uint64_t>(pv_syscall_compat_entry));
    wrmsr(k_msr_sfmask, rflags::if_ | rflags::tf | rflags::df | rflags::ac | rflags::nt);
    wrmsr(msr::efer, rdmsr(msr::efer) | k_efer_sce);
}

extern "C" void pv_handle_syscall(TrapFrame* frame) {
    Vcpu* v = this_cpu().current;
    if (!v) panic("SYSCALL from ring 3 with no guest on this CPU");
    TrapFrame& f = *frame;
    if (f.vector == k_vector_syscall_compat) crash_domain(*v, f, "SYSCALL from 32-bit code");
    if (!v->pv.kernel_mode) {
        // A guest user system call: to the kernel's syscall callback, with
        // RCX/R11 in the frame (Xen's x86-64 PV convention).
        if (v->pv.syscall.address == 0) {
            deliver_exception(*v, f, vector::invalid_opcode, 0);
            pv_return_to_guest(f);
            return;
        }
        if (!bounce_to_guest(*v, f, v->pv.syscall.address, v->pv.syscall.mask_events, false, 0))
            crash_domain(*v, f, "the guest kernel stack cannot take a system call frame");
    } else {
        handle_hypercall(*v, f);
    }
    pv_return_to_guest(f);
}

void pv_handle_guest_exception(TrapFrame& f) {
    handle_guest_exception(f);
    pv_return_to_guest(f);
}

void handle_guest_exception(TrapFrame& f) {
    Vcpu* vp = this_cpu().current;
    if (!vp) panic_on_exception(f);
    Vcpu& v = *vp;
    uint64_t error_code = f.error_code;
    switch (f.vector) {
    case vector::invalid_opcode:
        if (emulate_forced_cpuid(v, f)) return;
        break;
    case vector::general_protection:
        if (emulate_privileged(v, f)) return;
        break;
    case vector::page_fault:
        if (emulate_page_table_write(v, f, read_cr2())) return;
        vcpu_info_of(v).arch.cr2 = read_cr2();
        // The guest kernel runs in ring 3, so the CPU marks every fault as
        // a user access; the guest must see U/S as its own mode says.
        error_code &= ~uint64_t(4);
        if (!v.pv.kernel_mode) error_code |= 4;
        break;
    case vector::device_not_available:
        // Lazy FPU switching is the guest's (fpu_taskswitch): clear TS and
        // let the guest's #NM handler run if it asked for TS.
        write_cr0(read_cr0() & ~uint64_t(8));
        if (!v.pv.fpu_ts) return;
        v.pv.fpu_ts = false;
        break;
    case vector::nmi:
    case vector::machine_check:
    case vector::double_fault:
        panic_on_exception(f);
    default:
        break;
    }
    deliver_exception(v, f, f.vector, error_code);
}

} // namespace pv::x86
