// What a vCPU made the hypervisor do: hypercalls by number, exceptions taken
// from the guest and bounced back to it by vector, system calls bounced to
// the guest kernel, event sends and upcalls. They let a test check that a
// benchmark's operation really reached the hypervisor, and as often as the
// guest says (README, Benchmarks).
//
// One set per vCPU, written only by the CPU that runs that vCPU: each
// count is one plain increment on the entry path (no lock, no atomic).
// Readers (a domain's shutdown report, domctl getdomaincounters) sum the
// vCPUs' sets; a count read while its vCPU runs may be a few entries old.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pv {

struct VcpuCounters {
    // Xen's hypercall number space (0..63); slot 64 counts every other
    // number (the guest gets -ENOSYS for those).
    static constexpr size_t k_hypercall_numbers = 64;
    static constexpr size_t k_exception_vectors = 32;

    // Hypercall entries, by number. A continuation re-enters and counts
    // again; the calls inside a multicall count as the one multicall.
    uint64_t hypercalls[k_hypercall_numbers + 1] = {};
    // Exceptions raised by the guest (kernel or user mode), by vector,
    // before the hypervisor looks at them.
    uint64_t exceptions[k_exception_vectors] = {};
    // Exceptions delivered to the guest's own handler (its trap table), by
    // vector. A taken exception that was not bounced was handled in the
    // hypervisor: forced-emulation CPUID (#UD), a privileged instruction or
    // int N (#GP), a page-table write (#PF).
    uint64_t bounced[k_exception_vectors] = {};
    uint64_t syscalls = 0;    // SYSCALLs from guest user mode bounced to the guest kernel
    uint64_t event_sends = 0; // EVTCHNOP_send requests (whether or not the port was valid)
    uint64_t upcalls = 0;     // event upcalls: bounces to the guest's event callback

    void count_hypercall(uint64_t number) {
        ++hypercalls[number < k_hypercall_numbers ? number : k_hypercall_numbers];
    }
    void count_exception(uint64_t vector) { ++exceptions[vector % k_exception_vectors]; }
    void count_bounce(uint64_t vector) { ++bounced[vector % k_exception_vectors]; }
};

} // namespace pv
