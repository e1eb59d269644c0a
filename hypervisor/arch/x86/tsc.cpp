#include "arch/x86/tsc.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/pit.hpp"
#include "core/time/calibration.hpp"
#include "lib/log.hpp"
#include "lib/string_view.hpp"

namespace pv::x86 {

namespace {

constexpr uint32_t k_leaf_tsc_crystal = 0x15, k_leaf_frequency = 0x16;
constexpr uint64_t k_hz_per_mhz = 1000000;

constexpr uint16_t k_round_pit_ticks = 59659; // 50 ms
constexpr unsigned k_max_calibration_rounds = 6;
// A round whose ends are known less well than this was disturbed (an SMI,
// a busy emulator host); two rounds agreeing within their uncertainties are
// believed.
constexpr uint64_t k_max_round_uncertainty_ppm = 500;
// CPUID and the PIT disagreeing by more than this means CPUID is wrong
// (an emulator advertising a rate its TSC does not have).
constexpr uint64_t k_cpuid_tolerance_ppm = 10000;

bool is_intel(const CpuFeatures& f) {
    return StringView(f.vendor) == "GenuineIntel";
}

// SDM Vol. 3B §20.7.3, table "Nominal Core Crystal Clock Frequency": models
// whose CPUID 0x15 gives the TSC/crystal ratio but no crystal frequency.
uint64_t known_crystal_hz(const CpuFeatures& f) {
    if (!is_intel(f) || f.family != 6) return 0;
    switch (f.model) {
    case 0x4e:
    case 0x5e:
    case 0x8e:
    case 0x9e:
        return 24000000; // 6th/7th gen. Core
    case 0x55:
        return 25000000; // Xeon Scalable
    case 0x5c:
        return 19200000; // Atom (Goldmont)
    default:
        return 0;
    }
}

void log_frequency(const TscFrequency& f) {
    const DecimalMhz mhz = to_decimal_mhz(f.hz);
    log_info("time: TSC {}.{} MHz ({})", mhz.whole, mhz.tenths, describe(f.source));
}

} // namespace

const char* describe(TscSource source) {
    switch (source) {
    case TscSource::cpuid_crystal:
        return "from CPUID 0x15";
    case TscSource::cpuid_model_crystal:
        return "from CPUID 0x15 and this model's crystal";
    case TscSource::cpuid_base_frequency:
        return "from the CPUID 0x16 base frequency";
    case TscSource::pit:
        return "calibrated against the PIT";
    }
    return "?";
}

// SDM Vol. 2A, CPUID leaf 15H: TSC = crystal (ECX, Hz) * EBX / EAX, where
// EBX = 0 means no ratio and ECX = 0 no stated crystal. Leaf 16H EAX[15:0]
// is the base frequency in MHz, which the TSC runs at (Vol. 3B §20.7.3).
Result<TscFrequency> tsc_frequency_from_cpuid(const CpuFeatures& features) {
    const uint32_t max_leaf = cpuid(0).eax;
    if (max_leaf < k_leaf_tsc_crystal) return Errno::enodev;
    const CpuidResult ratio = cpuid(k_leaf_tsc_crystal);
    const uint64_t base_hz =
        max_leaf >= k_leaf_frequency ? (cpuid(k_leaf_frequency).eax & 0xffff) * k_hz_per_mhz : 0;

    if (ratio.eax != 0 && ratio.ebx != 0) {
        uint64_t crystal_hz = ratio.ecx;
        TscSource source = TscSource::cpuid_crystal;
        if (crystal_hz == 0) {
            crystal_hz = known_crystal_hz(features);
            source = TscSource::cpuid_model_crystal;
        }
        if (crystal_hz != 0) {
            const auto hz = rate_from_count(ratio.ebx, ratio.eax, Rate{crystal_hz});
            if (hz) return TscFrequency{*hz, source};
        }
    }
    if (base_hz != 0) return TscFrequency{base_hz, TscSource::cpuid_base_frequency};
    return Errno::enodev;
}

Result<uint64_t> calibrate_tsc_against_pit(unsigned max_rounds) {
    CalibrationSample samples[k_max_calibration_rounds];
    if (max_rounds == 0 || max_rounds > k_max_calibration_rounds) return Errno::einval;
    // Rounds until two agree: one that a stall or a wrapped count spoilt
    // cannot agree with anything.
    Result<size_t> chosen = Errno::eagain;
    unsigned rounds = 0;
    while (rounds < max_rounds && !chosen) {
        const auto sample = measure_tsc_against_pit(k_round_pit_ticks);
        if (!sample) return sample.error(); // no PIT: more rounds will not help
        samples[rounds] = *sample;
        log_debug("time: PIT round {}: {} TSC ticks in {} PIT ticks, +-{}", rounds, sample->counted,
                  sample->reference_ticks, sample->uncertainty);
        ++rounds;
        chosen = agreeing_sample(samples, rounds, k_max_round_uncertainty_ppm);
    }
    if (!chosen) {
        log_warning("time: no two PIT calibration rounds agree; using the least disturbed");
        chosen = best_sample(samples, rounds, 1000000);
        if (!chosen) return chosen.error();
    }
    const CalibrationSample& s = samples[*chosen];
    return rate_from_count(s.counted, s.reference_ticks, k_pit_rate);
}

Result<TscFrequency> determine_tsc_frequency(const CpuFeatures& features) {
    const auto stated = tsc_frequency_from_cpuid(features);
    // CPUID is exact when it is true; the PIT tells whether it is.
    const auto measured = calibrate_tsc_against_pit(k_max_calibration_rounds);

    TscFrequency result;
    if (stated && (!measured || within_ppm(*measured, stated->hz, k_cpuid_tolerance_ppm))) {
        result = *stated;
    } else if (stated) {
        const DecimalMhz claimed = to_decimal_mhz(stated->hz);
        log_warning("time: TSC {}.{} MHz ({}) disagrees with the PIT; not used", claimed.whole,
                    claimed.tenths, describe(stated->source));
        result = {*measured, TscSource::pit};
    } else if (measured) {
        result = {*measured, TscSource::pit};
    } else {
        log_error("time: CPUID states no TSC rate and the PIT cannot measure it (error {})",
                  measured.error());
        return measured.error();
    }
    log_frequency(result);
    return result;
}

} // namespace pv::x86
