// The local APIC timer as a per-CPU "call me at system time T": in
// TSC-deadline mode where the CPU has it (CPUID.1:ECX[24], SDM Vol. 3
// §12.5.4.1), the deadline goes straight to IA32_TSC_DEADLINE; otherwise in
// one-shot mode, with a count computed from the timer's rate measured
// against the TSC (§12.5.4). Interrupts arrive on vector::apic_timer.
#pragma once

#include "arch/x86/apic.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/time.hpp"
#include "core/time/time_scale.hpp"
#include "lib/cmdline.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv::x86 {

enum class ApicTimerMode : uint8_t { tsc_deadline, one_shot };

// "tsc-deadline", "one-shot"
const char* describe(ApicTimerMode mode);

class ApicTimer {
public:
    using ExpiryHandler = void (*)(void* context);

    // Once, on the boot CPU, after LocalApic::init and SystemClock::init:
    // picks the mode (`choice`, the CPU permitting), measures the timer in
    // one-shot mode, and programs the boot CPU's timer (disarmed). Logs the
    // choice. The caller routes vector::apic_timer to handle_interrupt().
    Status init(LocalApic& apic, const SystemClock& clock, bool cpu_has_tsc_deadline,
                ApicTimerChoice choice);
    // Every other CPU, once, after its LocalApic::init_this_cpu.
    void init_this_cpu();

    // What runs when a CPU's deadline passes: on that CPU, in interrupt
    // context (interrupts off). The same for every CPU; it may arm() again.
    void set_expiry_handler(ExpiryHandler handler, void* context);

    // This CPU: run the expiry handler once system time reaches
    // `deadline_ns` (at once if it has passed), replacing an earlier deadline.
    void arm(uint64_t deadline_ns);
    void disarm();

    // The vector::apic_timer interrupt: EOI, then the expiry handler if this
    // CPU's deadline has passed; a timer that fired early is re-armed.
    void handle_interrupt();

    ApicTimerMode mode() const { return mode_; }
    // One-shot mode: the rate at which the timer counts down (divide by 1).
    uint64_t count_hz() const { return count_hz_; }

private:
    struct CpuSlot {
        uint64_t deadline_ns = 0;
        bool armed = false;
    };

    Status calibrate_one_shot();
    void program(uint64_t deadline_ns);
    CpuSlot& slot() { return slots_[this_cpu().index]; }

    // Set by init() on the boot CPU, read-only afterwards.
    LocalApic* apic_ = nullptr;
    const SystemClock* clock_ = nullptr;
    ApicTimerMode mode_ = ApicTimerMode::one_shot;
    uint64_t count_hz_ = 0;
    TimeScale ns_to_count_; // one-shot: nanoseconds to timer counts
    ExpiryHandler handler_ = nullptr;
    void* handler_context_ = nullptr;
    // Each CPU touches only its own slot, with interrupts off.
    CpuSlot slots_[k_max_cpus];
};

} // namespace pv::x86
