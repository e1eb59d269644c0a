// Continuations: see continuation.hpp for the contract.
#include "core/hypercall/continuation.hpp"

namespace pv {

long hypercall_continuation(HypercallContext& ctx, const HypercallArgs& next) {
    ctx.continuation = next;
    ctx.continuation_pending = true;
    return k_hypercall_restart;
}

long finish_continuation(HypercallContext& ctx, long rc, HypercallArgs& args) {
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
