#include "arch/x86/hvm/pvh_vcpu.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/hvm/pvh_exits.hpp"
#include "arch/x86/pv/pv_schedule.hpp"
#include "core/pv_hypercalls/services.hpp"
#include "lib/log.hpp"

namespace pv::x86::hvm {

namespace {

PvhEnvironment environment;

// Xen's callback-vector semantics (hvm_vcpu_has_pending_irq): the upcall
// vector is asserted for as long as vcpu_info.evtchn_upcall_pending is set,
// so it is injected at every entry where the guest can take it; the guest's
// handler clears the flag (no EOI). evtchn_upcall_mask is not consulted:
// a PVH guest masks with RFLAGS.IF.
void offer_upcall(Vcpu& v, PvhDomain& pd, Container& c) {
    const uint8_t vector = pd.upcall_vector(v.id());
    abi::VcpuInfo* info = environment.vcpu_info ? environment.vcpu_info(v) : nullptr;
    const bool pending = vector != 0 && info != nullptr && info->evtchn_upcall_pending;
    if (pending && c.can_inject_interrupt()) {
        c.inject_interrupt(vector);
        c.request_interrupt_window(false);
    } else {
        c.request_interrupt_window(pending);
    }
}

// HLT: the vCPU waits for an event (an upcall it could take). One already
// pending ends the wait at once. With RFLAGS.IF clear no interrupt can end
// it: the vCPU is down for good, and when all of them are, the domain has
// halted and is powered off (Xen's hvm_hlt / hvm_vcpu_down: how a PVH
// kernel's halt and power-off end).
void halt(Vcpu& v, PvhDomain& pd, Container& c) {
    constexpr uint64_t k_if = 1u << 9;
    if (!(c.snapshot().rflags & k_if)) {
        v.state = VcpuState::offline;
        pv_sleep(v);
        Domain& d = v.domain();
        for (uint32_t i = 0; i < d.vcpu_count; ++i)
            if (d.vcpus[i] && d.vcpus[i]->state != VcpuState::offline) return;
        log_info("d{}: every vCPU halted with interrupts off: powering off", d.id());
        environment.services->domain_shutdown(d, static_cast<uint8_t>(abi::ShutdownReason::poweroff));
        return;
    }
    abi::VcpuInfo* info = environment.vcpu_info ? environment.vcpu_info(v) : nullptr;
    if (info && info->evtchn_upcall_pending && pd.upcall_vector(v.id())) return;
    // Without an upcall vector nothing pending can end it (as HLT with no
    // interrupt source): only a later vector setting would, and the guest
    // is the one halted.
    v.block_ends_on_upcall = pd.upcall_vector(v.id()) != 0;
    v.state = VcpuState::blocked;
    pv_sleep(v);
}

void handle_exit(Vcpu& v, PvhDomain& pd, Container& c, const Exit& exit) {
    switch (exit.reason) {
    case ExitReason::interrupt:
        // A physical interrupt is pending for the host: take it now.
        enable_interrupts();
        asm volatile("nop" ::: "memory");
        disable_interrupts();
        return;
    case ExitReason::interrupt_window:
        return; // the next step injects
    case ExitReason::cpuid:
        (void)pvh_cpuid(v, c, exit);
        return;
    case ExitReason::io:
        (void)pvh_io(v, c, exit);
        return;
    case ExitReason::msr_read:
    case ExitReason::msr_write:
        (void)pvh_msr(v, pd, c, exit);
        return;
    case ExitReason::hypercall:
        (void)pvh_hypercall(v, pd, c, exit);
        return;
    case ExitReason::hlt:
        c.advance_past(exit);
        halt(v, pd, c);
        return;
    case ExitReason::nested_page_fault: {
        char why[96];
        format(why, sizeof why, "nested page fault at guest-physical {:#x} (access {:#x})",
               exit.guest_physical, exit.fault_code);
        pvh_crash(v, c, why);
        return;
    }
    case ExitReason::shutdown:
        pvh_crash(v, c, "triple fault");
        return;
    case ExitReason::invalid_state: {
        char why[80];
        format(why, sizeof why, "the CPU refused its state at entry (code {:#x})", exit.vendor_code);
        pvh_crash(v, c, why);
        return;
    }
    case ExitReason::unknown:
        break;
    }
    char why[64];
    format(why, sizeof why, "unexpected exit {:#x}", exit.vendor_code);
    pvh_crash(v, c, why);
}

} // namespace

void pvh_set_environment(const PvhEnvironment& env) { environment = env; }
const PvhEnvironment& pvh_environment() { return environment; }

bool pvh_vcpu(const Vcpu& v) { return v.domain().pvh; }

void pvh_step(Vcpu& v) {
    PvhDomain* pd = environment.domain_of ? environment.domain_of(v.domain()) : nullptr;
    Container* c = pd ? pd->container(v.id()) : nullptr;
    if (c == nullptr) {
        // Started without a container (a bad context): nothing can run.
        environment.services->domain_crash(v.domain(), "a PVH vCPU without its container");
        return;
    }
    offer_upcall(v, *pd, *c);
    const Exit exit = c->run();
    handle_exit(v, *pd, *c, exit);
}

} // namespace pv::x86::hvm
