// Hypercall dispatch: bounds-checked table lookup, typed arguments in,
// result or continuation out.
#include "core/hypercall/hypercall_table.hpp"

#include "core/hypercall/continuation.hpp"

namespace pv {

long dispatch_hypercall(HypercallContext& ctx, HypercallArgs& args) {
    const HypercallEntry* entry = ctx.table.lookup(args.number());
    if (entry == nullptr || entry->handler == nullptr) return -static_cast<long>(Errno::enosys);
    return run_hypercall(ctx, *entry, args);
}

} // namespace pv
