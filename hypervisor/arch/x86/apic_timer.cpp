// The local APIC timer (SDM Vol. 3 §12.5.4). Section numbers below are of
// that chapter.
#include "arch/x86/apic_timer.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/idt.hpp"
#include "core/time/calibration.hpp"
#include "lib/log.hpp"

namespace pv::x86 {

namespace {

// LVT timer register (§12.5.1, Figure 12-8): vector, mask, mode in 18:17.
constexpr uint32_t k_lvt_masked = 1u << 16;
constexpr uint32_t k_lvt_one_shot = 0u << 17;
constexpr uint32_t k_lvt_tsc_deadline = 2u << 17;
// Divide configuration register (§12.5.4, Figure 12-10): bits 3,1:0 = 1011b
// divide by 1, the finest resolution.
constexpr uint32_t k_divide_by_1 = 0xb;
constexpr uint32_t k_max_count = 0xffffffffu;

// Measuring the one-shot rate: 10 ms rounds until two agree. A rate off by
// 0.1% only makes an interrupt early (then re-armed) or 10 us late in 10 ms.
constexpr uint64_t k_calibration_round_us = 10000;
constexpr unsigned k_max_calibration_rounds = 6;
constexpr uint64_t k_max_round_uncertainty_ppm = 1000;

struct CountReading {
    uint64_t before, after; // TSC around the read
    uint32_t count;
    uint64_t window() const { return after - before; }
    uint64_t middle() const { return before + window() / 2; }
};

CountReading read_count(const LocalApic& apic) {
    CountReading r;
    r.before = rdtsc_ordered();
    r.count = apic.read(apic_reg::timer_current);
    r.after = rdtsc_ordered();
    return r;
}

} // namespace

const char* describe(ApicTimerMode mode) {
    return mode == ApicTimerMode::tsc_deadline ? "tsc-deadline" : "one-shot";
}

Status ApicTimer::init(LocalApic& apic, const SystemClock& clock, bool cpu_has_tsc_deadline,
                       ApicTimerChoice choice) {
    if (!clock.ready()) return Errno::einval;
    apic_ = &apic;
    clock_ = &clock;
    mode_ = cpu_has_tsc_deadline && choice != ApicTimerChoice::one_shot
                ? ApicTimerMode::tsc_deadline
                : ApicTimerMode::one_shot;
    if (choice == ApicTimerChoice::tsc_deadline && !cpu_has_tsc_deadline)
        log_warning("time: apic-timer=tsc-deadline, but the CPU has no TSC-deadline mode");

    if (mode_ == ApicTimerMode::one_shot) {
        TRY(calibrate_one_shot());
        const DecimalMhz mhz = to_decimal_mhz(count_hz_);
        log_info("time: APIC timer in one-shot mode, {}.{} MHz (measured against the TSC)",
                 mhz.whole, mhz.tenths);
    } else {
        log_info("time: APIC timer in tsc-deadline mode");
    }
    init_this_cpu();
    return Status::ok();
}

// Counts the timer down from its maximum while the TSC measures 10 ms,
// masked, until two rounds agree.
Status ApicTimer::calibrate_one_shot() {
    InterruptsOff interrupts_off;
    apic_->write(apic_reg::timer_divide, k_divide_by_1);
    apic_->write(apic_reg::lvt_timer, k_lvt_masked | k_lvt_one_shot | vector::apic_timer);

    CalibrationSample samples[k_max_calibration_rounds];
    Result<size_t> chosen = Errno::eagain;
    unsigned rounds = 0;
    while (rounds < k_max_calibration_rounds && !chosen) {
        apic_->write(apic_reg::timer_initial, k_max_count);
        const CountReading start = read_count(*apic_);
        clock_->delay_us(k_calibration_round_us);
        const CountReading end = read_count(*apic_);
        if (end.count == 0 || end.count >= start.count) return Errno::eio; // not counting
        CalibrationSample& s = samples[rounds++];
        s.counted = start.count - end.count;
        s.reference_ticks = end.middle() - start.middle();
        // The reads' windows in timer counts, plus one count of resolution each.
        const uint64_t windows = start.window() + end.window();
        s.uncertainty = windows * s.counted / s.reference_ticks + 2;
        log_debug("time: APIC timer round {}: {} counts in {} TSC ticks, +-{}", rounds - 1,
                  s.counted, s.reference_ticks, s.uncertainty);
        chosen = agreeing_sample(samples, rounds, k_max_round_uncertainty_ppm);
    }
    apic_->write(apic_reg::timer_initial, 0);
    if (!chosen) {
        log_warning("time: no two APIC timer measurements agree; using the least disturbed");
        chosen = best_sample(samples, rounds, 1000000);
        if (!chosen) return chosen.error();
    }
    const CalibrationSample& s = samples[*chosen];
    count_hz_ = TRY(rate_from_count(s.counted, s.reference_ticks, Rate{clock_->tsc_hz()}));
    ns_to_count_ = TRY(TimeScale::from_rates(k_ns_per_second, count_hz_));
    return Status::ok();
}

void ApicTimer::init_this_cpu() {
    InterruptsOff interrupts_off;
    slot() = CpuSlot{};
    if (mode_ == ApicTimerMode::tsc_deadline) {
        apic_->write(apic_reg::lvt_timer, k_lvt_tsc_deadline | vector::apic_timer);
        // In xAPIC mode the MMIO write that selects TSC-deadline mode must be
        // ordered before any WRMSR to IA32_TSC_DEADLINE (§12.5.4.1).
        memory_fence();
        wrmsr(msr::tsc_deadline, 0);
    } else {
        apic_->write(apic_reg::timer_divide, k_divide_by_1);
        apic_->write(apic_reg::lvt_timer, k_lvt_one_shot | vector::apic_timer);
        apic_->write(apic_reg::timer_initial, 0);
    }
}

void ApicTimer::set_expiry_handler(ExpiryHandler handler, void* context) {
    InterruptsOff interrupts_off;
    handler_ = handler;
    handler_context_ = context;
}

void ApicTimer::program(uint64_t deadline_ns) {
    if (mode_ == ApicTimerMode::tsc_deadline) {
        // The first TSC value at which now_ns() >= deadline_ns; 0 would disarm.
        const uint64_t tsc = clock_->tsc_at(deadline_ns);
        wrmsr(msr::tsc_deadline, tsc != 0 ? tsc : 1);
        return;
    }
    // A count of 0 stops the timer; one beyond the maximum fires early and
    // handle_interrupt() re-arms for the rest.
    const uint64_t now = clock_->now_ns();
    const uint64_t count = ns_to_count_.apply(deadline_ns > now ? deadline_ns - now : 0) + 1;
    apic_->write(apic_reg::timer_initial,
                 count > k_max_count ? k_max_count : static_cast<uint32_t>(count));
}

void ApicTimer::arm(uint64_t deadline_ns) {
    InterruptsOff interrupts_off;
    CpuSlot& s = slot();
    s.deadline_ns = deadline_ns;
    s.armed = true;
    program(deadline_ns);
}

void ApicTimer::disarm() {
    InterruptsOff interrupts_off;
    slot().armed = false;
    if (mode_ == ApicTimerMode::tsc_deadline)
        wrmsr(msr::tsc_deadline, 0);
    else
        apic_->write(apic_reg::timer_initial, 0);
}

void ApicTimer::handle_interrupt() {
    apic_->eoi();
    CpuSlot& s = slot();
    if (!s.armed) return; // disarmed after the interrupt was raised
    if (clock_->now_ns() < s.deadline_ns) {
        program(s.deadline_ns);
        return;
    }
    s.armed = false;
    if (handler_ != nullptr) handler_(handler_context_);
}

} // namespace pv::x86
