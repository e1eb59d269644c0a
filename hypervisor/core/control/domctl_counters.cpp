#include "core/control/domctl_counters.hpp"

#include "core/domain/counters_report.hpp"
#include "core/hypercall/guest_memory.hpp"

namespace pv {

namespace {

static_assert(sizeof(abi::DomainCounterValues::hypercalls) / sizeof(uint64_t) ==
              VcpuCounters::k_hypercall_numbers);
static_assert(sizeof(abi::DomainCounterValues::exceptions) / sizeof(uint64_t) ==
              VcpuCounters::k_exception_vectors);
static_assert(sizeof(abi::DomainCounterValues::bounced) / sizeof(uint64_t) ==
              VcpuCounters::k_exception_vectors);

void to_abi(const DomainCounters& c, abi::DomainCounterValues& out) {
    out = {};
    for (size_t n = 0; n < VcpuCounters::k_hypercall_numbers; ++n)
        out.hypercalls[n] = c.hypercalls[n];
    out.hypercalls_other = c.hypercalls[VcpuCounters::k_hypercall_numbers];
    for (size_t v = 0; v < VcpuCounters::k_exception_vectors; ++v) {
        out.exceptions[v] = c.exceptions[v];
        out.bounced[v] = c.bounced[v];
    }
    out.syscalls = c.syscalls;
    out.event_sends = c.event_sends;
    out.upcalls = c.upcalls;
}

} // namespace

long get_domain_counters(HypercallContext& ctx, const Domain& domain,
                         abi::DomctlCounters& request) {
    if (request.size < sizeof(abi::DomainCounterValues) || request.pad != 0)
        return -static_cast<long>(Errno::einval);
    abi::DomainCounterValues values;
    to_abi(domain_counters(domain), values);
    if (!copy_to_guest(ctx.guest, GuestHandle<abi::DomainCounterValues>(request.buffer), values))
        return -static_cast<long>(Errno::efault);
    request.size = sizeof values;
    return 0;
}

} // namespace pv
