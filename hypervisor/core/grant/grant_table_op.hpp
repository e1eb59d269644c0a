// grant_table_op(cmd, uop, count): the grant-table hypercall (Xen's
// do_grant_table_op), version 1 only. Reaches the grant tables through
// HypervisorServices::grant_tables(); without them every command answers
// -ENOSYS.
//
//   map_grant_ref, unmap_grant_ref, copy   arrays of `count` ops, each with
//        its own status; preempted between ops through a continuation (the
//        array pointer advanced, the count reduced). -EFAULT if an op cannot
//        be read or its result written.
//   setup_table, query_size                count must be 1 (-EINVAL).
//   get_version                            always 1; -ESRCH unknown domain,
//                                          -EPERM another domain unless privileged.
//   set_version                            1: 0; 2: -ENOSYS; else -EINVAL;
//                                          the version in effect (1) written back.
//   anything else                          -ENOSYS (transfer, unmap_and_replace,
//                                          dump_table, swap_grant_ref, ...).
#pragma once

#include "core/hypercall/hypercall_table.hpp"

namespace pv {

long do_grant_table_op(HypercallContext& ctx, const HypercallArgs& args);

inline constexpr HypercallEntry k_grant_table_op_entry{abi::Hypercall::grant_table_op, "grant_table_op",
                                                      do_grant_table_op, 3};

} // namespace pv
