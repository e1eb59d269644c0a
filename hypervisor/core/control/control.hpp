// domctl and sysctl: the toolstack's hypercalls (include/public/control.hpp),
// for the privileged domain only.
#pragma once

#include "core/hypercall/hypercall_table.hpp"

namespace pv {

long do_sysctl(HypercallContext& ctx, const HypercallArgs& args);
long do_domctl(HypercallContext& ctx, const HypercallArgs& args);

// Domain ids the toolstack can see (ids beyond are never handed out).
inline constexpr uint16_t k_max_domain_id = 64;

} // namespace pv
