// multicall(calls, nr_calls): a batch of hypercalls in one entry
// (include/public/multicall.hpp for the entry layout).
#pragma once

#include "core/hypercall/hypercall_table.hpp"

namespace pv {

// Runs entries [0, nr_calls) of the guest array `calls` in order through
// ctx.table, writing each one's result into its `result` field. An entry's
// failure is only its own result: later entries still run.
//   returns 0               every entry ran and its result was written;
//   -EFAULT                 the array is implausible for nr_calls (nothing
//                           runs), or an entry could not be read or its result
//                           written (the batch stops there);
//   -EINVAL                 called from inside a multicall (that entry's result);
//   iret's result           an iret entry ends the batch: it has replaced the
//                           guest's frame, so nothing after it may run;
//   k_hypercall_restart     preempted: the arguments now name the entries not
//                           yet done (calls advanced, nr_calls reduced). If an
//                           entry itself was preempted, its updated arguments
//                           are in the guest's entry and the batch resumes at it.
// nr_calls is an unsigned int as in Xen: the upper half of its register is ignored.
long do_multicall(HypercallContext& ctx, const HypercallArgs& args);

// uses_registers: an iret entry replaces the caller's registers.
inline constexpr HypercallEntry k_multicall_entry{abi::Hypercall::multicall, "multicall",
                                                  do_multicall, 2, true};

} // namespace pv
