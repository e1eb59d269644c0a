// Each CPU's APIC timer serves three deadlines: the scheduler's (when the
// CPU must pass its scheduling point), an idle CPU's poll, and — on the boot
// CPU only — every vCPU's one-shot hypervisor timer (set_timer_op, the
// periodic ticker, poll timeouts). The boot CPU keeps the vCPU timers in one
// place and scans them linearly: domains are few, and one CPU firing them
// means one lock order and no timer migration when a vCPU moves.
#pragma once

#include "arch/x86/apic_timer.hpp"
#include "arch/x86/pv/domain_registry.hpp"
#include "arch/x86/time.hpp"

#include <cstdint>

namespace pv::x86 {

class VcpuTimers {
public:
    struct Parts {
        DomainRegistry* domains = nullptr;
        ApicTimer* timer = nullptr;
        SystemClock* clock = nullptr;
        void (*send_ipi)(uint32_t cpu) = nullptr;  // an event-check IPI (reprograms there)
        void (*update_guest_time)(Vcpu&) = nullptr; // pvclock, before VIRQ_TIMER
        void (*boot_cpu_work)() = nullptr;          // more work at each boot-CPU expiry
    };
    void init(const Parts& parts) { parts_ = parts; }

    static constexpr uint64_t k_none = ~uint64_t{0};

    // The vCPU's timer fires at system time `deadline_ns` (replacing any
    // earlier deadline) / does not fire.
    void set(Vcpu& v, uint64_t deadline_ns);
    void cancel(Vcpu& v);
    // This CPU's APIC timer: the earliest of its deadlines.
    void program();
    // The APIC timer's expiry handler (interrupts off).
    void on_expiry();

private:
    uint64_t earliest_vcpu_deadline() const;
    void fire(uint64_t now);

    Parts parts_;
    bool firing_ = false; // the boot CPU reprograms once it is done
};

} // namespace pv::x86
