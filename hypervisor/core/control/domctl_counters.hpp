// domctl getdomaincounters (include/public/control.hpp): a domain's
// counters (core/domain/counters.hpp) copied out to the toolstack.
#pragma once

#include "core/domain/domain.hpp"
#include "core/hypercall/hypercall_context.hpp"
#include "include/public/control.hpp"

namespace pv {

// Writes the sum of `domain`'s vCPU counters to request.buffer; returns 0
// (request.size set to the bytes written) or -EINVAL / -EFAULT.
long get_domain_counters(HypercallContext& ctx, const Domain& domain, abi::DomctlCounters& request);

} // namespace pv
