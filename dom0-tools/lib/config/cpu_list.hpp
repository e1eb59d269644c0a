// xl.cfg(5) CPULIST strings: "0-3,5", "all", "all,^7", "0-7,^2-3".
// Items are added and removed left to right, starting from no CPU; NUMA
// forms ("node:1", "nodes:0-3") are not supported. One bit per host CPU.
#pragma once

#include "lib/format.hpp"
#include "lib/string_view.hpp"

#include <cstdint>

namespace pv::tools {

struct CpuListParse {
    enum class Problem : uint8_t {
        none,
        empty,        // "" or nothing but spaces
        bad_item,     // `item` is not N, N-M or all (possibly with ^)
        numa,         // `item` names NUMA nodes
        cpu_too_high, // `number` >= k_config_max_host_cpus
        backwards,    // `item` is a range M-N with M > N
        no_cpu,       // the list selects nothing
    };
    Problem problem = Problem::none;
    uint64_t mask = 0;
    StringView item;     // the offending item, where there is one
    uint64_t number = 0; // the offending CPU number (cpu_too_high)
};

CpuListParse parse_cpu_list(StringView text);

// Writes `mask` as a CPULIST that parse_cpu_list() reads back: "all" for
// every CPU, else ascending items "N" / "N-M" joined by ','.
void print_cpu_list(OutputSink& out, uint64_t mask);

} // namespace pv::tools
