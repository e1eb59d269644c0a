#include "dom0-tools/lib/toolstack/bench_stats.hpp"

#include "dom0-tools/lib/toolstack/output.hpp"
#include "lib/format.hpp"

namespace pv::tools {

namespace {

constexpr uint64_t k_ns_per_second = 1'000'000'000;

// A few hundred samples at most: insertion sort is short and enough.
void sort_samples(uint64_t* samples, size_t count) {
    for (size_t i = 1; i < count; ++i) {
        const uint64_t value = samples[i];
        size_t j = i;
        for (; j > 0 && samples[j - 1] > value; --j)
            samples[j] = samples[j - 1];
        samples[j] = value;
    }
}

} // namespace

SampleSummary summarize_samples(uint64_t* samples, size_t count) {
    SampleSummary summary;
    summary.count = count;
    if (count == 0) return summary;
    sort_samples(samples, count);
    auto at = [&](size_t permille) {
        size_t index = count * permille / 1000;
        return samples[index < count ? index : count - 1];
    };
    summary.median = at(500);
    summary.p1 = at(10);
    summary.p99 = at(990);
    return summary;
}

Rate::Rate(uint64_t count, uint64_t elapsed_ns) {
    // Tenths per second; count is at most a few thousand, so count * 10^10
    // stays far below 2^64.
    const uint64_t tenths = elapsed_ns == 0 ? 0 : count * 10 * k_ns_per_second / elapsed_ns;
    format(text, sizeof text, "{}.{}", tenths / 10, tenths % 10);
}

void print_timing_line(Terminal& term, StringView op, const SampleSummary& summary) {
    say(term, "bench: op={} mode=pv clock=ns rounds={} median={} p1={} p99={} overhead=0 unit=ns\n",
        op, summary.count, summary.median, summary.p1, summary.p99);
}

} // namespace pv::tools
