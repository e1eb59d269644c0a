#include "arch/x86/pv/pv_vcpu.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/gdt.hpp"
#include "arch/x86/idt.hpp"
#include "arch/x86/paging.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/pv/pv_schedule.hpp"
#include "lib/log.hpp"


namespace pv::x86 {

namespace {
PvEnvironment environment;
constexpr uint64_t k_bounce_clear_flags = rflags::tf | rflags::vm | rflags::rf | rflags::nt | rflags::ac;
} // namespace

void frame_to_regs(const TrapFrame& f, GuestRegisters& r) {
    r.r15 = f.r15; r.r14 = f.r14; r.r13 = f.r13; r.r12 = f.r12; r.r11 = f.r11; r.r10 = f.r10;
    r.r9 = f.r9; r.r8 = f.r8; r.rbp = f.rbp; r.rdi = f.rdi; r.rsi = f.rsi; r.rdx = f.rdx;
    r.rcx = f.rcx; r.rbx = f.rbx; r.rax = f.rax;
    r.rip = f.rip; r.cs = f.cs; r.rflags = f.rflags; r.rsp = f.rsp; r.ss = f.ss;
}

// Back into the frame the guest resumes from, with what a guest can never
// choose forced: ring 3 selectors, IF on, IOPL/NT/VM clear.
void regs_to_frame(const GuestRegisters& r, TrapFrame& f) {
    f.r15 = r.r15; f.r14 = r.r14; f.r13 = r.r13; f.r12 = r.r12; f.r11 = r.r11; f.r10 = r.r10;
    f.r9 = r.r9; f.r8 = r.r8; f.rbp = r.rbp; f.rdi = r.rdi; f.rsi = r.rsi; f.rdx = r.rdx;
    f.rcx = r.rcx; f.rbx = r.rbx; f.rax = r.rax;
    f.rip = r.rip;
    f.cs = (r.cs & 0xffff) | 3;
    f.rflags = (r.rflags & rflags::guest_writable) | rflags::if_ | rflags::reserved1;
    f.rsp = r.rsp;
    f.ss = (r.ss & 0xffff) | 3;
}

void pv_set_environment(const PvEnvironment& env) { environment = env; }
const PvEnvironment& pv_environment() { return environment; }

abi::VcpuInfo& vcpu_info_of(Vcpu& v) {
    if (environment.vcpu_info)
        if (abi::VcpuInfo* info = environment.vcpu_info(v)) return *info;
    auto* shared = static_cast<abi::SharedInfo*>(phys_to_virt(v.domain().shared_info_mfn * 4096));
    return shared->vcpu_info[v.id()];
}

PvGuestSpace guest_space_of(Vcpu& v) {
    uint64_t cr3 = v.pv.kernel_mode ? v.pv.kernel_cr3 : v.pv.user_cr3;
    return PvGuestSpace(cr3, v.domain().id(), environment.frames->frame_table());
}

void load_guest_state(Vcpu& v) {
    write_cr3(v.pv.kernel_mode ? v.pv.kernel_cr3 : v.pv.user_cr3);
    wrmsr(msr::fs_base, v.pv.fs_base);
    wrmsr(msr::kernel_gs_base, v.pv.kernel_mode ? v.pv.gs_base_kernel : v.pv.gs_base_user);
    uint64_t cr0 = read_cr0();
    write_cr0(v.pv.fpu_ts ? cr0 | (1u << 3) : cr0 & ~uint64_t(1u << 3));
}

void toggle_guest_mode(Vcpu& v) {
    // Keep the outgoing mode's live GS base before switching.
    uint64_t live_gs = rdmsr(msr::kernel_gs_base);
    if (v.pv.kernel_mode)
        v.pv.gs_base_kernel = live_gs;
    else
        v.pv.gs_base_user = live_gs;
    v.pv.kernel_mode = !v.pv.kernel_mode;
    write_cr3(v.pv.kernel_mode ? v.pv.kernel_cr3 : v.pv.user_cr3);
    wrmsr(msr::kernel_gs_base, v.pv.kernel_mode ? v.pv.gs_base_kernel : v.pv.gs_base_user);
}

bool bounce_to_guest(Vcpu& v, TrapFrame& f, uint64_t handler, bool mask_events, bool has_error_code,
                     uint64_t error_code) {
    abi::VcpuInfo& info = vcpu_info_of(v);
    uint8_t saved_mask = info.evtchn_upcall_mask;
    bool from_kernel = v.pv.kernel_mode;
    uint64_t stack;
    if (from_kernel) {
        stack = f.rsp & ~uint64_t(15); // 64-bit frames are 16-byte aligned, as the CPU's
    } else {
        toggle_guest_mode(v);
        stack = v.pv.kernel_sp;
    }
    uint64_t cs = (from_kernel ? f.cs & ~uint64_t(3) : f.cs) | (uint64_t(saved_mask) << 32);
    uint64_t flags = (f.rflags & ~rflags::if_) | (saved_mask ? 0 : rflags::if_);
    uint64_t words[8];
    unsigned n = 0;
    words[n++] = f.rcx;
    words[n++] = f.r11;
    if (has_error_code) words[n++] = error_code;
    words[n++] = f.rip;
    words[n++] = cs;
    words[n++] = flags;
    words[n++] = f.rsp;
    words[n++] = f.ss;
    uint64_t base = stack - n * 8;
    PvGuestSpace space = guest_space_of(v);
    if (!space.copy_to(base, words, n * 8)) return false;

    f.rsp = base;
    f.rip = handler;
    f.cs = selector::guest_code64;
    f.ss = selector::guest_data;
    f.rflags = (f.rflags & ~k_bounce_clear_flags) | rflags::if_;
    if (mask_events) info.evtchn_upcall_mask = 1;
    return true;
}

void pv_idle_forever() { pv_idle_loop(); }

void crash_domain(Vcpu& v, const TrapFrame& f, const char* why) {
    Domain& d = v.domain();
    log_error("d{}v{}: crashed: {}", d.id(), v.id(), why);
    log_error("d{}v{}: RIP {:#x} CS {:#x} RFLAGS {:#x} RSP {:#x} SS {:#x} ({} mode)", d.id(), v.id(),
              f.rip, f.cs, f.rflags, f.rsp, f.ss, v.pv.kernel_mode ? "kernel" : "user");
    log_error("d{}v{}: RAX {:#x} RBX {:#x} RCX {:#x} RDX {:#x} RSI {:#x} RDI {:#x}", d.id(), v.id(),
              f.rax, f.rbx, f.rcx, f.rdx, f.rsi, f.rdi);
    log_error("d{}v{}: RBP {:#x} R8 {:#x} R9 {:#x} R10 {:#x} R11 {:#x} CR2 {:#x}", d.id(), v.id(), f.rbp,
              f.r8, f.r9, f.r10, f.r11, read_cr2());
    d.state = DomainState::shut_down;
    d.shutdown_reason = abi::ShutdownReason::crash;
    v.state = VcpuState::offline;
    if (environment.domain_stopped) environment.domain_stopped(d);
    pv_idle_forever();
}

} // namespace pv::x86
