// Continuations: how a long hypercall gives the CPU back part way and
// resumes later, without the hypervisor keeping any state of its own
// (Xen's hypercall_create_continuation). The guest's registers *are* the
// saved state.
//
// Contract, handler side:
//   A handler that has done part of its work and sees
//   ctx.preempt_requested() (or cannot go on right now) describes the
//   remaining work as a new set of arguments — typically the pointer
//   advanced past the finished elements and the count reduced, or a
//   "done so far" value — and returns
//       return hypercall_continuation(ctx, next_args);
//   The work already done must be complete and visible (results copied out)
//   and the remaining work must be expressible in the arguments alone. A
//   handler must finish at least one unit of work before it asks, so every
//   re-entry makes progress. Returning k_hypercall_restart without a
//   continuation re-enters the call with unchanged arguments.
//
// Contract, dispatch side (dispatch_hypercall):
//   On k_hypercall_restart the HypercallArgs passed in by the arch code have
//   been replaced by the continuation's arguments; the number stays the same.
//   Inside a multicall, the updated arguments are written back into that
//   entry and the multicall itself continues from that entry (multicall.cpp).
//
// Contract, arch side (the entry stub's C++ caller):
//       long rc = dispatch_hypercall(ctx, args);
//       if (rc == k_hypercall_restart) {
//           rax = args.number(); rdi, rsi, rdx, r10, r8, r9 = args.raw(0..5);
//           rip -= length of the hypercall instruction
//                  (2 for SYSCALL, 3 for VMCALL / VMMCALL);
//       } else {
//           rax = rc;
//       }
//   then deliver pending events and return to the guest as usual. The guest
//   executes the same hypercall instruction again with the new arguments,
//   after any event upcall has run (it returns to that instruction). For PV,
//   the saved RIP follows the SYSCALL in the hypercall page stub; rcx/r11 are
//   clobbered by SYSCALL whatever happens and the stub saves them. The
//   restart value itself (-ERESTART) never reaches the guest.
#pragma once

#include "core/hypercall/hypercall_args.hpp"
#include "core/hypercall/hypercall_context.hpp"
#include "include/public/errno.hpp"

namespace pv {

// What dispatch_hypercall() returns when the call must be re-executed.
// Xen's ERESTART: reserved for this, never a result a guest sees.
inline constexpr long k_hypercall_restart = -static_cast<long>(abi::Errno::erestart);

// Handler side: resume later with `next` as the arguments (the number is
// kept). Returns k_hypercall_restart, for `return hypercall_continuation(...)`.
[[nodiscard]] long hypercall_continuation(HypercallContext& ctx, const HypercallArgs& next);

// Dispatch side: after a handler returned rc for the call `args`, install a
// pending continuation into args (rc == k_hypercall_restart) or drop a stale
// one (any other rc). Returns rc. Inline: every hypercall passes here.
inline long finish_continuation(HypercallContext& ctx, long rc, HypercallArgs& args) {
    if (rc == k_hypercall_restart && ctx.continuation_pending) {
        const HypercallArgs& next = ctx.continuation;
        // The same hypercall is re-entered: only the arguments move on.
        args = HypercallArgs(args.number(), next.raw(0), next.raw(1), next.raw(2), next.raw(3),
                             next.raw(4), next.raw(5));
    }
    ctx.continuation_pending = false;
    return rc;
}

} // namespace pv
