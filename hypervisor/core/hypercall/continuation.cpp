// Continuations: see continuation.hpp for the contract.
#include "core/hypercall/continuation.hpp"

namespace pv {

long hypercall_continuation(HypercallContext& ctx, const HypercallArgs& next) {
    ctx.continuation = next;
    ctx.continuation_pending = true;
    return k_hypercall_restart;
}

} // namespace pv
