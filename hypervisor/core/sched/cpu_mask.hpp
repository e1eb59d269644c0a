// CpuMask: a set of physical CPUs as one 64-bit word (vCPU affinity, the
// CPUs a scheduler call asks the arch to reschedule). 64 CPUs is the
// hypervisor's limit (arch/x86/percpu.hpp k_max_cpus).
#pragma once

#include <cstdint>

namespace pv::sched {

using CpuMask = uint64_t;

inline constexpr uint32_t k_max_cpus = 64;
inline constexpr CpuMask k_all_cpus = ~CpuMask{0};

constexpr CpuMask cpu_bit(uint32_t cpu) {
    return cpu < k_max_cpus ? CpuMask{1} << cpu : 0;
}
constexpr bool has_cpu(CpuMask mask, uint32_t cpu) {
    return (mask & cpu_bit(cpu)) != 0;
}
// CPUs 0..count-1.
constexpr CpuMask first_cpus(uint32_t count) {
    return count >= k_max_cpus ? k_all_cpus : (CpuMask{1} << count) - 1;
}

} // namespace pv::sched
