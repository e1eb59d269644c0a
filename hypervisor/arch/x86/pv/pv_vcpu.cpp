#include "arch/x86/pv/pv_vcpu.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/gdt.hpp"
#include "arch/x86/idt.hpp"
#include "arch/x86/paging.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/pv/pv_schedule.hpp"
#include "lib/log.hpp"


namespace pv::x86 {

namespace detail {
PvEnvironment environment;
}
using detail::environment;

namespace {
constexpr uint64_t k_bounce_clear_flags = rflags::tf | rflags::vm | rflags::rf | rflags::nt | rflags::ac;
} // namespace

void pv_set_environment(const PvEnvironment& env) { environment = env; }

abi::VcpuInfo& vcpu_info_of(Vcpu& v) {
    if (environment.vcpu_info)
        if (abi::VcpuInfo* info = environment.vcpu_info(v)) return *info;
    auto* shared = static_cast<abi::SharedInfo*>(phys_to_virt(v.domain().shared_info_mfn * 4096));
    return shared->vcpu_info[v.id()];
}

abi::VcpuInfo& cached_vcpu_info(Vcpu& v) {
    if (abi::VcpuInfo* info = __atomic_load_n(&v.pv.vcpu_info, __ATOMIC_RELAXED)) return *info;
    abi::VcpuInfo* found = environment.vcpu_info ? environment.vcpu_info(v) : nullptr;
    if (!found) return vcpu_info_of(v); // no event channels yet: not cached
    __atomic_store_n(&v.pv.vcpu_info, found, __ATOMIC_RELAXED);
    return *found;
}

void forget_vcpu_info(Domain& d) {
    for (uint32_t i = 0; i < d.vcpu_count; ++i)
        if (Vcpu* w = d.vcpu(i)) __atomic_store_n(&w->pv.vcpu_info, nullptr, __ATOMIC_RELAXED);
}

void load_guest_state(Vcpu& v) {
    write_cr3(v.pv.kernel_mode ? v.pv.kernel_cr3 : v.pv.user_cr3);
    wrmsr(msr::fs_base, v.pv.fs_base);
    wrmsr(msr::kernel_gs_base, v.pv.kernel_mode ? v.pv.gs_base_kernel : v.pv.gs_base_user);
    uint64_t cr0 = read_cr0();
    write_cr0(v.pv.fpu_ts ? cr0 | (1u << 3) : cr0 & ~uint64_t(1u << 3));
}

namespace {
bool runs_here(const Vcpu& v) { return this_cpu().current == &v; }

void load_mode_switch(Vcpu& v) {
    // The live GS base is still the outgoing mode's: keep it.
    const uint64_t live_gs = rdmsr(msr::kernel_gs_base);
    if (v.pv.kernel_mode)
        v.pv.gs_base_user = live_gs;
    else
        v.pv.gs_base_kernel = live_gs;
    write_cr3(v.pv.kernel_mode ? v.pv.kernel_cr3 : v.pv.user_cr3);
    wrmsr(msr::kernel_gs_base, v.pv.kernel_mode ? v.pv.gs_base_kernel : v.pv.gs_base_user);
}
} // namespace

void toggle_guest_mode(Vcpu& v) {
    v.pv.kernel_mode = !v.pv.kernel_mode;
    load_mode_switch(v);
}

void guest_mode_switched(Vcpu& v) {
    if (runs_here(v)) load_mode_switch(v);
}

void segment_base_changed(Vcpu& v, abi::SegmentBase which) {
    if (!runs_here(v)) return;
    if (which == abi::SegmentBase::fs)
        wrmsr(msr::fs_base, v.pv.fs_base);
    else if (which == (v.pv.kernel_mode ? abi::SegmentBase::gs_kernel : abi::SegmentBase::gs_user))
        wrmsr(msr::kernel_gs_base, v.pv.kernel_mode ? v.pv.gs_base_kernel : v.pv.gs_base_user);
}

void fpu_ts_changed(Vcpu& v) {
    if (!runs_here(v)) return;
    const uint64_t cr0 = read_cr0();
    write_cr0(v.pv.fpu_ts ? cr0 | (1u << 3) : cr0 & ~uint64_t(1u << 3));
}

bool bounce_to_guest(Vcpu& v, TrapFrame& f, uint64_t handler, bool mask_events, bool has_error_code,
                     uint64_t error_code) {
    return bounce_to_guest(v, vcpu_info_of(v), f, handler, mask_events, has_error_code, error_code);
}

bool bounce_to_guest(Vcpu& v, abi::VcpuInfo& info, TrapFrame& f, uint64_t handler, bool mask_events,
                     bool has_error_code, uint64_t error_code) {
    const uint8_t saved_mask = info.evtchn_upcall_mask;
    const bool from_kernel = v.pv.kernel_mode;
    uint64_t stack;
    if (from_kernel) [[likely]] {
        stack = f.rsp & ~uint64_t(15); // 64-bit frames are 16-byte aligned, as the CPU's
    } else {
        toggle_guest_mode(v);
        stack = v.pv.kernel_sp;
    }
    // Built from the top down in fixed slots; with no error code the frame
    // starts one word higher.
    uint64_t words[8];
    words[7] = f.ss;
    words[6] = f.rsp;
    words[5] = (f.rflags & ~rflags::if_) | (saved_mask ? 0 : rflags::if_);
    words[4] = (from_kernel ? f.cs & ~uint64_t(3) : f.cs) | (uint64_t(saved_mask) << 32);
    words[3] = f.rip;
    words[2] = error_code;
    words[1] = f.r11;
    words[0] = f.rcx;
    const uint64_t* frame = words;
    if (!has_error_code) {
        words[2] = f.r11;
        words[1] = f.rcx;
        frame = words + 1;
    }
    const size_t bytes = reinterpret_cast<const char*>(words + 8) - reinterpret_cast<const char*>(frame);
    const uint64_t base = stack - bytes;
    if (!guest_space_of(v).copy_to(base, frame, bytes)) return false;

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
