// The arch side of running a PV vCPU in ring 3: mode switches between guest
// kernel and guest user, bounce frames into the guest kernel, crashing a
// domain, and entering the guest.
#pragma once

#include "arch/x86/pv/guest_space.hpp"
#include "arch/x86/trap_frame.hpp"
#include "core/domain/domain.hpp"
#include "core/memory/frame_allocator.hpp"
#include "include/public/shared_info.hpp"

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
const PvEnvironment& pv_environment();

abi::VcpuInfo& vcpu_info_of(Vcpu& v);

// The guest's registers between the entry frame and the vCPU's saved copy;
// into the frame with what a guest can never choose forced (ring 3
// selectors, IF on, IOPL/NT/VM clear).
void frame_to_regs(const TrapFrame& f, GuestRegisters& r);
void regs_to_frame(const GuestRegisters& r, TrapFrame& f);
// The vCPU's address space in its current mode.
PvGuestSpace guest_space_of(Vcpu& v);

// Switch between guest kernel and guest user mode: page-table base and
// GS base (the live one sits in KERNEL_GS_BASE while we are in the
// hypervisor; SWAPGS on exit puts it back).
void toggle_guest_mode(Vcpu& v);
// Make the hardware match the vCPU's mode (CR3, GS bases, FS base, TS).
void load_guest_state(Vcpu& v);

// Xen's bounce frame (x86-64 PV): on the guest kernel stack, from low to
// high addresses, RCX, R11, [error code], RIP, CS (upcall mask saved in
// bits 32-39, RPL cleared if the guest kernel was interrupted), RFLAGS (IF =
// !upcall mask), RSP, SS; then continue at `handler` in guest kernel mode.
// Returns false if the frame could not be written (the caller crashes the
// domain).
bool bounce_to_guest(Vcpu& v, TrapFrame& frame, uint64_t handler, bool mask_events,
                     bool has_error_code, uint64_t error_code);

// Stop the domain with reason crash, log why and the guest registers.
[[noreturn]] void crash_domain(Vcpu& v, const TrapFrame& frame, const char* why);
// The vCPU can no longer run (its domain stopped): idle this CPU.
[[noreturn]] void pv_idle_forever();

} // namespace pv::x86
