// Where a running PV guest enters the hypervisor: SYSCALL (hypercalls from
// guest kernel mode, system calls from guest user mode bounced to the
// guest kernel) and exceptions raised in ring 3.
#pragma once

#include "arch/x86/trap_frame.hpp"
#include "core/domain/vcpu.hpp"
#include "core/hypercall/hypercall_table.hpp"

namespace pv::x86 {

struct PvHypercallEnvironment {
    const HypercallTable* table = nullptr;
    // Fills in what handlers need beyond the table and guest memory (the
    // composition root's services); may be null.
    void (*prepare)(HypercallContext& ctx) = nullptr;
    // Waits on this CPU until `v` has something to do (an event, console
    // input for the privileged domain, a timer).
    void (*wait_for_work)(Vcpu& v) = nullptr;
};

// Program this CPU's SYSCALL MSRs for PV guests (every CPU, once).
void pv_cpu_init();
void pv_set_hypercall_environment(const PvHypercallEnvironment& env);
// Routed from the IDT dispatch for exceptions raised in ring 3.
void pv_handle_guest_exception(TrapFrame& frame);
// On every way back into the guest: deliver a pending event upcall (Xen's
// 2-level semantics: upcall_pending set and upcall_mask clear → bounce to
// the event callback with events masked).
void pv_return_to_guest(TrapFrame& frame);
// The IRETQ into the guest faulted (a selector the guest chose cannot be
// loaded): the fault goes to the guest's own handler, as on Xen, or crashes
// the domain if it has none.
void pv_handle_iret_fault(TrapFrame& fault);

} // namespace pv::x86
