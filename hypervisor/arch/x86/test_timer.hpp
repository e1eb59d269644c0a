// test-timer: checks that APIC timer interrupts arrive, once each, on time.
#pragma once

#include "arch/x86/apic_timer.hpp"
#include "arch/x86/time.hpp"

namespace pv::x86 {

// On the boot CPU, with interrupts off on entry (and on return): runs a
// 100 Hz tick on `timer` for one second of system time and logs
//   timer: N ticks in M ms (expected E, mode tsc-deadline|one-shot)
// True if N is within 10% of E; otherwise also logs
//   timer: tick count out of range
bool run_timer_test(ApicTimer& timer, const SystemClock& clock);

} // namespace pv::x86
