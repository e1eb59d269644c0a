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

// Vectors 8, 10-14, 17 and 21 push an error code (SDM Vol. 3 §7.3).
bool has_error_code(uint64_t vector) {
    constexpr uint32_t k_with_error_code = (1u << 8) | (0x1fu << 10) | (1u << 17) | (1u << 21);
    return vector < 32 && ((k_with_error_code >> vector) & 1);
}

// Deliver exception `vector` to the guest kernel's handler, or crash the
// domain if it registered none.
[[gnu::always_inline]] inline void deliver_exception(Vcpu& v, abi::VcpuInfo& info, TrapFrame& f, uint64_t vector,
                                                     uint64_t error_code) {
    v.counters.count_bounce(vector);
    const abi::TrapInfo& trap = v.pv.traps[vector & 0xff];
    if (trap.address == 0) {
        char why[96];
        format(why, sizeof why, "{} with no handler in the guest's trap table (error code {:#x})",
               exception_name(vector), error_code);
        crash_domain(v, f, why);
    }
    if (!bounce_to_guest(v, info, f, trap.address, trap.flags & 4, has_error_code(vector), error_code))
        crash_domain(v, f, "the guest kernel stack cannot take an exception frame");
}

void deliver_exception(Vcpu& v, TrapFrame& f, uint64_t vector, uint64_t error_code) {
    deliver_exception(v, entry_vcpu_info(v), f, vector, error_code);
}

[[gnu::noinline]] void deliver_upcall(Vcpu& v, abi::VcpuInfo& info, TrapFrame& f) {
    ++v.counters.upcalls;
    if (!bounce_to_guest(v, info, f, v.pv.event.address, true, false, 0))
        crash_domain(v, f, "the guest kernel stack cannot take an event upcall frame");
}

// pv_return_to_guest, with the vcpu_info of `known` when the entry already
// has it at hand (it cannot move during an entry that made no hypercall).
// Inline in each entry path: it is most of what a cheap entry does on its
// way out.
[[gnu::always_inline]] inline void return_to_guest(TrapFrame& f, const Vcpu* known, abi::VcpuInfo* known_info) {
    pv_schedule(f);
    Vcpu* v = this_cpu().current;
    if (!v || v->state != VcpuState::running) return;
    abi::VcpuInfo* info = v == known ? known_info : &entry_vcpu_info(*v);
    if (info->evtchn_upcall_pending && !info->evtchn_upcall_mask && v->pv.event.address != 0)
        deliver_upcall(*v, *info, f);
}

// Failures, at debug level, out of the fast path. Routine answers are left
// out: the toolstack's walks over the domain list end in -ESRCH, and Linux
// asks VCPUOP_is_up of every vCPU it might have (-ENOENT for each absent one).
[[gnu::noinline, gnu::cold]] void log_failure(const Vcpu& v, const HypercallArgs& args, long result) {
    if (args.number() == abi::raw(abi::Hypercall::domctl) && result == -static_cast<long>(Errno::esrch)) return;
    if (args.number() == abi::raw(abi::Hypercall::vcpu_op) && result == -static_cast<long>(Errno::enoent)) return;
    log_debug("d{}v{}: hypercall {}({:#x}, {:#x}, {:#x}) = {}", v.domain().id(), v.id(), args.number(),
              args.raw(0), args.raw(1), args.raw(2), result);
}

// The frame on the stack is the guest's state throughout: handlers change
// the hardware themselves when they change what it holds (PvServices:
// mode switch, segment bases, CR0.TS; the MMU hooks: CR3), so nothing is
// reloaded here. Only handlers that read or replace the guest's registers
// (HypercallEntry::uses_registers: iret, multicall) get them, in v.regs.
[[gnu::always_inline]] inline void handle_hypercall(Vcpu& v, TrapFrame& f) {
    v.counters.count_hypercall(f.rax);
    const HypercallTable& table = *hypercalls.table;
    const uint64_t number = f.rax;
    const HypercallEntry* entry = table.lookup(number);
    if (entry == nullptr || entry->handler == nullptr) [[unlikely]] {
        const long result = -static_cast<long>(Errno::enosys);
        log_failure(v, HypercallArgs(number, f.rdi, f.rsi, f.rdx), result);
        f.rax = static_cast<uint64_t>(result);
        return;
    }
    Domain& d = v.domain();
    PvGuestSpace space = guest_space_of(v);
    HypercallContext ctx(table, space);
    ctx.domain = &d;
    ctx.vcpu = &v;
    ctx.domain_id = d.id();
    ctx.vcpu_id = v.id();
    if (hypercalls.prepare) hypercalls.prepare(ctx);
    if (entry->uses_registers) {
        frame_to_regs(f, v.regs);
        ctx.regs = &v.regs;
    }
    // The handler's view of the registers, built straight from the frame
    // (dispatch_hypercall's rules: the arguments beyond its count read as 0).
    const HypercallArgs call =
        HypercallArgs(number, f.rdi, f.rsi, f.rdx, f.r10, f.r8, f.r9).first(entry->arg_count);
    const long result = entry->handler(ctx, call);
    // VCPUOP_register_vcpu_info (also inside a multicall) may have moved a
    // vcpu_info of this domain.
    if (number == abi::raw(abi::Hypercall::vcpu_op) || number == abi::raw(abi::Hypercall::multicall))
        forget_vcpu_info(d);
    // iret: the frame, rax included, is the one it built (its "result" is
    // the guest's own RAX, no failure).
    if (ctx.regs_replaced) {
        regs_to_frame(v.regs, f);
        return;
    }
    // A domain that stopped, a vCPU that blocked or took itself down: the
    // scheduler takes it off this CPU on the way out (pv_schedule).
    if (result == k_hypercall_restart) [[unlikely]] {
        // Re-execute the SYSCALL (continuation.hpp, arch side): with the
        // continuation's arguments if the handler left one, else with the
        // registers as they are.
        if (ctx.continuation_pending) {
            const HypercallArgs& next = ctx.continuation;
            f.rdi = next.raw(0); f.rsi = next.raw(1); f.rdx = next.raw(2);
            f.r10 = next.raw(3); f.r8 = next.raw(4); f.r9 = next.raw(5);
        }
        f.rax = number;
        f.rip -= 2;
        return;
    }
    if (result < 0) [[unlikely]] log_failure(v, HypercallArgs(number, f.rdi, f.rsi, f.rdx), result);
    f.rax = static_cast<uint64_t>(result);
}

} // namespace

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

void pv_return_to_guest(TrapFrame& f) { return_to_guest(f, nullptr, nullptr); }

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
    guest_access_init_cpu();
}

extern "C" void pv_handle_syscall(TrapFrame* frame) {
    Vcpu* v = this_cpu().current;
    if (!v) panic("SYSCALL from ring 3 with no guest on this CPU");
    TrapFrame& f = *frame;
    if (f.vector == k_vector_syscall_compat) crash_domain(*v, f, "SYSCALL from 32-bit code");
    if (v->pv.kernel_mode) [[likely]] {
        handle_hypercall(*v, f);
    } else {
        // A guest user system call: to the kernel's syscall callback, with
        // RCX/R11 in the frame (Xen's x86-64 PV convention).
        if (v->pv.syscall.address == 0) {
            deliver_exception(*v, f, vector::invalid_opcode, 0);
            pv_return_to_guest(f);
            return;
        }
        ++v->counters.syscalls;
        abi::VcpuInfo& info = entry_vcpu_info(*v);
        if (!bounce_to_guest(*v, info, f, v->pv.syscall.address, v->pv.syscall.mask_events, false, 0))
            crash_domain(*v, f, "the guest kernel stack cannot take a system call frame");
        return_to_guest(f, v, &info);
        return;
    }
    return_to_guest(f, nullptr, nullptr);
}

// Returns the vCPU if the exception was delivered to it, with its vcpu_info
// in `info` (null, and `info` untouched, if the hypervisor handled it).
[[gnu::always_inline]] inline Vcpu* handle_guest_exception(TrapFrame& f, abi::VcpuInfo*& info) {
    Vcpu* vp = this_cpu().current;
    if (!vp) panic_on_exception(f);
    Vcpu& v = *vp;
    v.counters.count_exception(f.vector);
    uint64_t error_code = f.error_code;
    switch (f.vector) {
    case vector::invalid_opcode:
        if (emulate_forced_cpuid(v, f)) return nullptr;
        break;
    case vector::general_protection:
        if (emulate_privileged(v, f)) return nullptr;
        break;
    case vector::page_fault:
        // Only a write to a present page can be one to a page table.
        if ((f.error_code & 3) == 3 && emulate_page_table_write(v, f, read_cr2())) return nullptr;
        info = &entry_vcpu_info(v);
        info->arch.cr2 = read_cr2();
        // The guest kernel runs in ring 3, so the CPU marks every fault as
        // a user access; the guest must see U/S as its own mode says.
        error_code &= ~uint64_t(4);
        if (!v.pv.kernel_mode) error_code |= 4;
        break;
    case vector::device_not_available:
        // Lazy FPU switching is the guest's (fpu_taskswitch): clear TS and
        // let the guest's #NM handler run if it asked for TS.
        write_cr0(read_cr0() & ~uint64_t(8));
        if (!v.pv.fpu_ts) return nullptr;
        v.pv.fpu_ts = false;
        break;
    case vector::nmi:
    case vector::machine_check:
    case vector::double_fault:
        panic_on_exception(f);
    default:
        break;
    }
    if (!info) info = &entry_vcpu_info(v);
    deliver_exception(v, *info, f, f.vector, error_code);
    return &v;
}

void pv_handle_guest_exception(TrapFrame& f) {
    abi::VcpuInfo* info = nullptr;
    const Vcpu* v = handle_guest_exception(f, info);
    return_to_guest(f, v, info);
}

// entry.S: exceptions from ring 3 (but NMI) come here directly.
extern "C" void pv_guest_exception_entry(TrapFrame* frame) { pv_handle_guest_exception(*frame); }

} // namespace pv::x86
