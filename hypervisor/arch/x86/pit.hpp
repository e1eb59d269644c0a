// The 8254 programmable interval timer, as a reference clock for
// calibration only: channel 2, whose gate is wired to system control port B
// (0x61) rather than its output to an interrupt line.
#pragma once

#include "core/time/calibration.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv::x86 {

// The PIT input clock: the 14.31818 MHz PC oscillator divided by 12.
inline constexpr Rate k_pit_rate{39375000, 33};

// Counts TSC ticks over at least `pit_ticks` (1..60000; 59659 is 50 ms)
// ticks of PIT channel 2, polling with interrupts off. The sample's
// reference unit is one PIT tick; its uncertainty covers the reads of the
// counter and their one-tick resolution. ENODEV if no PIT answers,
// ETIMEDOUT if its count does not move.
Result<CalibrationSample> measure_tsc_against_pit(uint16_t pit_ticks);

} // namespace pv::x86
