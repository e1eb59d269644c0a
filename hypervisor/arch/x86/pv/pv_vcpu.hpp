// The arch side of running a PV vCPU in ring 3: mode switches between guest
// kernel and guest user, bounce frames into the guest kernel, crashing a
// domain, and entering the guest.
#pragma once

#include "arch/x86/pv/guest_space.hpp"
#include "arch/x86/trap_frame.hpp"
#include "core/domain/domain.hpp"
#include "core/memory/frame_allocator.hpp"
#include "include/public/hypercall.hpp"
#include "include/public/shared_info.hpp"

#include <cstddef>

namespace pv {
class PvMmu;
}

namespace pv::x86 {

// What the PV paths need from the rest of the hypervisor.
struct PvEnvironment {
    FrameAllocator* frames = nullptr;
    uint64_t hypervisor_cr3 = 0; // the hypervisor's own page tables
    // The vCPU's vcpu_info wherever the guest put it (register_vcpu_info);
    // null: its slot in shared_info.
    abi::VcpuInfo* (*vcpu_info)(Vcpu&) = nullptr;
    // The PV MMU, for writable page tables on guest page faults.
    PvMmu* (*mmu)() = nullptr;
    // The vCPU starts running / blocks / runs again (runstate accounting).
    void (*runstate)(Vcpu&, bool running) = nullptr;
    // Run on an idle CPU after every wake-up (it may start a vCPU there).
    void (*idle)() = nullptr;
    // Called when a domain stops for good (shutdown or crash).
    void (*domain_stopped)(Domain& domain) = nullptr;
};
void pv_set_environment(const PvEnvironment& env);
namespace detail {
extern PvEnvironment environment; // pv_vcpu.cpp
}
inline const PvEnvironment& pv_environment() { return detail::environment; }

abi::VcpuInfo& vcpu_info_of(Vcpu& v);
// The same through the vCPU's cached copy of the answer (v.pv.vcpu_info),
// for the entry paths of PV vCPUs; forget_vcpu_info drops the copies of a
// domain's vCPUs after a hypercall that may have moved one
// (VCPUOP_register_vcpu_info).
abi::VcpuInfo& cached_vcpu_info(Vcpu& v);
inline abi::VcpuInfo& entry_vcpu_info(Vcpu& v) {
    if (abi::VcpuInfo* info = __atomic_load_n(&v.pv.vcpu_info, __ATOMIC_RELAXED)) return *info;
    return cached_vcpu_info(v);
}
void forget_vcpu_info(Domain& d);

// The guest's registers between the entry frame and the vCPU's saved copy;
// into the frame with what a guest can never choose forced (ring 3
// selectors, IF on, IOPL/NT/VM clear). Inline: iret passes here twice.
// Both layouts start with the same fifteen general registers (r15 ... rax)
// and end with rip, cs, rflags, rsp, ss: block copies.
static_assert(offsetof(TrapFrame, rax) == offsetof(GuestRegisters, rax));
static_assert(offsetof(TrapFrame, ss) - offsetof(TrapFrame, rip) ==
              offsetof(GuestRegisters, ss) - offsetof(GuestRegisters, rip));
inline constexpr size_t k_frame_gpr_words = offsetof(GuestRegisters, rax) / sizeof(uint64_t) + 1;

// `words` 8-byte words from `src` to `dst` (DF is clear in the hypervisor).
inline void copy_words(void* dst, const void* src, size_t words) {
    asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
}

inline void frame_to_regs(const TrapFrame& f, GuestRegisters& r) {
    copy_words(&r, &f, k_frame_gpr_words);
    copy_words(&r.rip, &f.rip, 5);
}

inline void regs_to_frame(const GuestRegisters& r, TrapFrame& f) {
    copy_words(&f, &r, k_frame_gpr_words);
    f.rip = r.rip;
    f.cs = (r.cs & 0xffff) | 3;
    f.rflags = (r.rflags & rflags::guest_writable) | rflags::if_ | rflags::reserved1;
    f.rsp = r.rsp;
    f.ss = (r.ss & 0xffff) | 3;
}

// The vCPU's address space in its current mode (inline: every hypercall
// and trap makes one).
inline PvGuestSpace guest_space_of(Vcpu& v) {
    const uint64_t cr3 = v.pv.kernel_mode ? v.pv.kernel_cr3 : v.pv.user_cr3;
    return PvGuestSpace(cr3, v.domain().id(), pv_environment().frames->frame_table());
}

// Switch between guest kernel and guest user mode: page-table base and
// GS base (the live one sits in KERNEL_GS_BASE while we are in the
// hypervisor; SWAPGS on exit puts it back).
void toggle_guest_mode(Vcpu& v);
// Make the hardware match the vCPU's mode (CR3, GS bases, FS base, TS).
void load_guest_state(Vcpu& v);

// A hypercall changed the vCPU's state; if it runs on this CPU, the
// hardware follows at once (the hypercall exit reloads nothing; otherwise
// load_guest_state applies it when the vCPU is next switched in).
// iret flipped v.pv.kernel_mode: the outgoing mode's live GS base is kept,
// the new mode's page tables and GS base loaded.
void guest_mode_switched(Vcpu& v);
// set_segment_base stored a base in v.pv: load it if it is live.
void segment_base_changed(Vcpu& v, abi::SegmentBase which);
// fpu_taskswitch changed v.pv.fpu_ts: CR0.TS follows.
void fpu_ts_changed(Vcpu& v);

// Xen's bounce frame (x86-64 PV): on the guest kernel stack, from low to
// high addresses, RCX, R11, [error code], RIP, CS (upcall mask saved in
// bits 32-39, RPL cleared if the guest kernel was interrupted), RFLAGS (IF =
// !upcall mask), RSP, SS; then continue at `handler` in guest kernel mode.
// Returns false if the frame could not be written (the caller crashes the
// domain).
bool bounce_to_guest(Vcpu& v, TrapFrame& frame, uint64_t handler, bool mask_events,
                     bool has_error_code, uint64_t error_code);
// The same with the vCPU's vcpu_info already at hand (vcpu_info_of(v)).
bool bounce_to_guest(Vcpu& v, abi::VcpuInfo& info, TrapFrame& frame, uint64_t handler, bool mask_events,
                     bool has_error_code, uint64_t error_code);

// Stop the domain with reason crash, log why and the guest registers.
[[noreturn]] void crash_domain(Vcpu& v, const TrapFrame& frame, const char* why);
// The vCPU can no longer run (its domain stopped): idle this CPU.
[[noreturn]] void pv_idle_forever();

} // namespace pv::x86
