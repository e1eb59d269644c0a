// The event-channel hypercalls (Xen's do_event_channel_op and
// do_event_channel_op_compat, xen/common/event_channel.c) and sched_op poll
// (Xen's do_poll, xen/common/sched/core.c).
//
// event_channel_op(cmd, arg): arg points at the command's structure; it is
// copied in (-EFAULT), the operation runs on the caller's table
// (HypervisorServices::event_channels), and for the commands with output
// fields the whole structure is copied back (-EFAULT if that fails; the
// operation is not undone, as in Xen).
//   alloc_unbound     dom: DOMID_SELF, the caller's id, or any domain if the
//                     caller is privileged (-EPERM); unknown: -ESRCH.
//                     remote_dom DOMID_SELF means the caller.
//   bind_interdomain  remote_dom DOMID_SELF means the caller; unknown -ESRCH.
//   bind_virq, bind_ipi, close, send, bind_vcpu, unmask: the caller's ports.
//   status            like alloc_unbound's dom rule.
//   reset             like alloc_unbound's dom rule; another domain's table
//                     only while that domain is paused (-EBUSY).
//   bind_pirq         no physical IRQs here: -EINVAL after the copy-in.
//   init_control, expand_array, set_priority (FIFO ABI): -ENOSYS, so
//                     guests fall back to the 2-level ABI.
//   anything else     -ENOSYS.
// Without a caller or an event-channel table: -ENOSYS.
#pragma once

#include "core/hypercall/hypercall_table.hpp"
#include "include/public/sched.hpp"

namespace pv {

long do_event_channel_op(HypercallContext& ctx, const HypercallArgs& args);
// The legacy hypercall 16: one EvtchnOp {cmd, union}; only the commands of
// that era (bind_interdomain .. unmask), else -ENOSYS.
long do_event_channel_op_compat(HypercallContext& ctx, const HypercallArgs& args);

// sched_op poll after sched_op.cpp checked the request (nr_ports <= 128, the
// array plausible). Returns 0 at once if an unmasked upcall is pending or a
// listed port is pending; -EFAULT / -EINVAL (port beyond the table) while
// reading the list; else blocks the vCPU until a listed port (any port of
// the domain when nr_ports > 1, as Xen) becomes pending, an upcall kicks
// it, or system time reaches `timeout` (0: none), and returns 0.
// -ENOSYS without an event-channel table.
long do_poll(HypercallContext& ctx, const abi::SchedPoll& request);

} // namespace pv
