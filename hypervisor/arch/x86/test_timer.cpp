#include "arch/x86/test_timer.hpp"

#include "arch/x86/cpu.hpp"
#include "lib/log.hpp"

namespace pv::x86 {

namespace {

constexpr uint64_t k_ns_per_ms = 1000000;
constexpr uint64_t k_tick_hz = 100;
constexpr uint64_t k_period_ns = k_ns_per_second / k_tick_hz;
constexpr uint64_t k_test_ns = k_ns_per_second;
constexpr uint64_t k_tolerance_percent = 10;

// A periodic tick on top of the one-shot deadline: each expiry arms the
// next period, counted from the previous deadline so lateness does not add up.
struct PeriodicTick {
    ApicTimer* timer;
    const SystemClock* clock;
    uint64_t next_ns;
    uint64_t count; // written in interrupt context, read with interrupts off
    uint64_t max_late_ns;
};

void on_tick(void* context) {
    auto& tick = *static_cast<PeriodicTick*>(context);
    const uint64_t late = tick.clock->now_ns() - tick.next_ns;
    if (late > tick.max_late_ns) tick.max_late_ns = late;
    ++tick.count;
    tick.next_ns += k_period_ns;
    tick.timer->arm(tick.next_ns);
}

} // namespace

bool run_timer_test(ApicTimer& timer, const SystemClock& clock) {
    disable_interrupts();
    PeriodicTick tick{&timer, &clock, 0, 0, 0};
    timer.set_expiry_handler(on_tick, &tick);

    const uint64_t start = clock.now_ns();
    const uint64_t end = start + k_test_ns;
    tick.next_ns = start + k_period_ns;
    timer.arm(tick.next_ns);
    uint64_t now = start;
    // sti;hlt: an interrupt between the check and the halt still wakes us.
    for (;;) {
        disable_interrupts();
        now = clock.now_ns();
        if (now >= end) break;
        enable_interrupts_and_halt();
    }
    timer.disarm();
    timer.set_expiry_handler(nullptr, nullptr);

    const uint64_t elapsed_ms = (now - start) / k_ns_per_ms;
    const uint64_t expected = (now - start) / k_period_ns;
    log_info("timer: {} ticks in {} ms (expected {}, mode {})", tick.count, elapsed_ms, expected,
             describe(timer.mode()));
    log_debug("timer: latest tick {} us after its deadline", tick.max_late_ns / 1000);
    const uint64_t difference =
        tick.count > expected ? tick.count - expected : expected - tick.count;
    if (expected == 0 || difference * 100 > expected * k_tolerance_percent) {
        log_error("timer: tick count out of range");
        return false;
    }
    return true;
}

} // namespace pv::x86
