// How fast the TSC runs: stated by CPUID where the CPU states it (SDM Vol. 2A
// CPUID leaves 15H and 16H; Vol. 3B §20.7.3), measured against the PIT
// otherwise. Everything time-related starts from this number.
#pragma once

#include "arch/x86/cpu_features.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv::x86 {

enum class TscSource : uint8_t {
    cpuid_crystal,        // CPUID 0x15 with its crystal frequency
    cpuid_model_crystal,  // CPUID 0x15 ratio, the crystal known for this model
    cpuid_base_frequency, // CPUID 0x16 processor base frequency
    pit,                  // calibrated against PIT channel 2
};

struct TscFrequency {
    uint64_t hz = 0;
    TscSource source = TscSource::pit;
};

// "from CPUID 0x15", "calibrated against the PIT", ...
const char* describe(TscSource source);

// The TSC rate CPUID states, if it states one (Intel only, in practice).
Result<TscFrequency> tsc_frequency_from_cpuid(const CpuFeatures& features);

// 50 ms measurements against PIT channel 2 until two agree (at most
// `max_rounds`, up to 6); ENODEV without a PIT.
Result<uint64_t> calibrate_tsc_against_pit(unsigned max_rounds);

// CPUID's value when the PIT agrees with it (or there is no PIT), the PIT's
// otherwise. Logs the result: "time: TSC 2893.2 MHz (calibrated against the PIT)".
Result<TscFrequency> determine_tsc_frequency(const CpuFeatures& features);

} // namespace pv::x86
