// A virtual CPU: its saved registers and the PV state the guest kernel
// registers through hypercalls (trap table, callbacks, kernel stack, the
// kernel/user mode split that x86-64 PV needs because both run in ring 3).
#pragma once

#include "core/domain/counters.hpp"
#include "core/domain/guest_registers.hpp"
#include "include/public/hypercall.hpp"

#include <cstdint>

namespace pv {

class Domain;
namespace abi {
struct VcpuInfo;
}

enum class VcpuState : uint8_t {
    offline,  // not brought up (secondary vCPUs until vcpu_op up)
    runnable, // wants a CPU
    running,  // on a CPU now
    blocked,  // sched_op block: waits for an event
};

// Guest entry points registered with callback_op / set_callbacks.
struct PvCallback {
    uint64_t address = 0;
    bool mask_events = false; // CALLBACKF_mask_events: set upcall_mask on entry
};

struct PvVcpuState {
    abi::TrapInfo traps[256] = {}; // by vector; address 0 = no handler
    PvCallback event, failsafe, syscall, syscall32, sysenter, nmi;

    // Where the hypervisor switches to on a bounce from guest user mode
    // (stack_switch): the guest kernel's stack.
    uint64_t kernel_ss = 0, kernel_sp = 0;

    // x86-64 PV: guest kernel and guest user both run in ring 3; the
    // hypervisor tracks which one is current and gives each its own page
    // table base (new_baseptr / new_user_baseptr) and GS base.
    bool kernel_mode = true;
    uint64_t kernel_cr3 = 0; // machine address of the guest kernel's L4
    uint64_t user_cr3 = 0;   // 0: none set (user mode impossible)
    uint64_t fs_base = 0, gs_base_kernel = 0, gs_base_user = 0;

    // The guest's own GDT (set_gdt): descriptor-page frames, typed segdesc
    // while installed, mapped below the hypervisor's entries at 0xe000.
    uint64_t gdt_frames[14] = {};
    uint32_t gdt_frame_count = 0;

    bool fpu_ts = false;       // virtual CR0.TS (fpu_taskswitch)
    uint8_t iopl = 0;          // virtual IOPL (physdev_op set_iopl)
    uint64_t debugreg[8] = {}; // DR0-3, DR6, DR7 as set by the guest

    // Where the vCPU's vcpu_info is, cached by the PV entry paths (null:
    // look it up). Only the domain's own hypercalls move it
    // (VCPUOP_register_vcpu_info, on itself or an offline vCPU); after a
    // vcpu_op or multicall those paths drop the domain's cached copies.
    abi::VcpuInfo* vcpu_info = nullptr;

    // The x87/SSE state while the vCPU is not on a CPU, in FXSAVE format
    // (SDM Vol. 1 §10.5.1): saved and restored at every switch.
    alignas(16) uint8_t fpu[512] = {};
};

class Vcpu {
public:
    Vcpu(Domain& domain, uint32_t id) : domain_(domain), id_(id) {}
    Vcpu(const Vcpu&) = delete;
    Vcpu& operator=(const Vcpu&) = delete;

    Domain& domain() { return domain_; }
    const Domain& domain() const { return domain_; }
    uint32_t id() const { return id_; }

    GuestRegisters regs{};
    PvVcpuState pv;
    VcpuState state = VcpuState::offline;
    // While blocked: any pending upcall ends the block (sched_op block,
    // hlt). False for sched_op poll, which only its ports end (Xen's
    // do_poll): its caller keeps events masked, so upcall_pending may stay
    // set all along.
    bool block_ends_on_upcall = false;
    bool initialised = false; // has a context (boot vCPU, or VCPUOP_initialise)
    uint64_t cpu_time_ns = 0; // time spent running, for accounting
    VcpuCounters counters;    // what it made the hypervisor do (core/domain/counters.hpp)

private:
    Domain& domain_;
    uint32_t id_;
};

} // namespace pv
