// Figures for `pvctl bench-lifecycle`: order statistics of timing samples
// and rates, printed as the `bench: ...` lines minios-bench prints, so that
// scripts/bench reads both the same way. Integer arithmetic only (Dom0 has
// no floating point).
#pragma once

#include "dom0-tools/lib/toolstack/toolstack.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

// `pvctl bench-lifecycle -n ROUNDS`: at most this many rounds.
inline constexpr size_t k_max_bench_rounds = 500;
// The density phase stops here even if memory lasts (the hypervisor itself
// has fewer domain ids: core/control/control.hpp).
inline constexpr size_t k_max_density_domains = 1024;

// Where the samples of one run go: in the Toolstack object, not on Dom0's
// small stack.
struct LifecycleSamples {
    uint64_t create[k_max_bench_rounds];       // start of create to unpaused
    uint64_t first_output[k_max_bench_rounds]; // start of create to first console byte
    uint64_t destroy_domctl[k_max_bench_rounds];
    uint64_t destroy_total[k_max_bench_rounds]; // lookup, console close, domctl
    uint64_t cycle[k_max_bench_rounds];         // one create + destroy, back to back
    uint16_t density_domids[k_max_density_domains];
};

struct SampleSummary {
    size_t count = 0; // 0: no samples, the figures are 0
    uint64_t median = 0;
    uint64_t p1 = 0;
    uint64_t p99 = 0;
};

// Sorts samples[0, count) in place and takes the nearest-rank median, p1
// and p99 (the value at index count * permille / 1000, as minios-bench does).
SampleSummary summarize_samples(uint64_t* samples, size_t count);

// `count` events in `elapsed_ns` as events per second with one decimal,
// rounded down ("12.3"); "0.0" when no time passed.
struct Rate {
    char text[32];
    Rate(uint64_t count, uint64_t elapsed_ns);
};

// bench: op=OP mode=pv clock=ns rounds=N median=M p1=A p99=B overhead=0 unit=ns
// (the pvclock system time has no measurement cost worth subtracting at ns
// resolution, so the overhead field is 0).
void print_timing_line(Terminal& term, StringView op, const SampleSummary& summary);

} // namespace pv::tools
