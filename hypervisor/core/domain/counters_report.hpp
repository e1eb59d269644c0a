// A domain's counters (core/domain/counters.hpp): the sum over its vCPUs,
// and that sum as text lines, one fact per line in `key=value` words so
// that scripts can pick them out of the hypervisor log:
//
//   d0 counters: hypercalls=912 syscalls=303 event_sends=300 upcalls=300 exceptions=60 bounced=30
//   d0 counters: hypercall=17 name=xen_version count=602
//   d0 counters: hypercall=other count=3
//   d0 counters: vector=14 name=#PF taken=30 bounced=30 handled=0
//
// Only numbers and vectors with a nonzero count get a line. `handled` is
// taken minus bounced (0 if bounced is larger: a bounce the guest did not
// raise itself, e.g. a fault of the hypervisor's IRETQ into the guest).
#pragma once

#include "core/domain/counters.hpp"
#include "core/domain/domain.hpp"
#include "core/hypercall/hypercall_table.hpp"
#include "lib/string_view.hpp"

#include <cstdint>

namespace pv {

using DomainCounters = VcpuCounters; // the same counts, summed over a domain's vCPUs

DomainCounters domain_counters(const Domain& domain);

uint64_t total_hypercalls(const DomainCounters& c);
uint64_t total_exceptions(const DomainCounters& c);
uint64_t total_bounced(const DomainCounters& c);
// Exceptions of `vector` the hypervisor handled itself (emulated) instead of
// bouncing them to the guest.
uint64_t handled_exceptions(const DomainCounters& c, uint32_t vector);

// Receives the report one line at a time (no newline).
class CounterLines {
public:
    virtual void line(StringView text) = 0;

protected:
    ~CounterLines() = default;
};

// The lines above for domain `id`; `names` (may be null) names the
// hypercall numbers it has entries for.
void report_counters(DomainId id, const DomainCounters& c, const HypercallTable* names,
                     CounterLines& out);

// The report of `domain`'s counters at info level in the hypervisor log
// (boot option counters-at-exit, when a domain stops).
void log_counters(const Domain& domain, const HypercallTable* names);

} // namespace pv
