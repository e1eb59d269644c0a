// multicall: see multicall.hpp. Semantics follow Xen's common/multicall.c:
// nested calls refused, the list range checked up front, a preemption check
// between entries (never before the first, so each entry makes progress),
// and a preempted sub-call saved into its own entry.
#include "core/hypercall/multicall.hpp"

#include "core/hypercall/continuation.hpp"
#include "include/public/multicall.hpp"

#include <cstddef>

namespace pv {
namespace {

using abi::MulticallEntry;

constexpr long error(Errno e) {
    return -static_cast<long>(e);
}

// Marks the context as inside a multicall for the lifetime of the batch.
class MulticallScope {
public:
    explicit MulticallScope(HypercallContext& ctx) : ctx_(ctx) { ctx_.in_multicall = true; }
    ~MulticallScope() { ctx_.in_multicall = false; }
    MulticallScope(const MulticallScope&) = delete;
    MulticallScope& operator=(const MulticallScope&) = delete;

private:
    HypercallContext& ctx_;
};

GuestHandle<uint64_t> result_field(GuestHandle<MulticallEntry> entry) {
    return GuestHandle<uint64_t>(entry.address() + offsetof(MulticallEntry, result));
}

// Resume with entries [done, count) still to run.
long continue_batch(HypercallContext& ctx, const HypercallArgs& args,
                    GuestHandle<MulticallEntry> calls, uint32_t count, uint32_t done) {
    HypercallArgs next = args;
    next.set(0, calls.offset(done));
    next.set(1, count - done);
    return hypercall_continuation(ctx, next);
}

} // namespace

long do_multicall(HypercallContext& ctx, const HypercallArgs& args) {
    const auto calls = args.handle<MulticallEntry>(0);
    const auto count = args.as<uint32_t>(1);

    if (ctx.in_multicall) return error(Errno::einval);
    MulticallScope scope(ctx);

    // count <= 2^32 - 1 entries of 64 bytes: no overflow, but the whole
    // array must be guest address space before anything runs.
    if (!guest_array_plausible(calls, 0, count)) return error(Errno::efault);

    for (uint32_t i = 0; i < count; ++i) {
        if (i > 0 && ctx.preempt_requested()) return continue_batch(ctx, args, calls, count, i);

        const GuestHandle<MulticallEntry> slot = calls.offset(i);
        MulticallEntry entry;
        if (!copy_from_guest(ctx.guest, slot, entry)) return error(Errno::efault);

        HypercallArgs call(entry.op, entry.args[0], entry.args[1], entry.args[2], entry.args[3],
                           entry.args[4], entry.args[5]);
        const long rc = dispatch_hypercall(ctx, call);

        // An iret entry may legitimately return the guest's saved rax, -85
        // included: only a handler that did not replace the frame restarts.
        if (!ctx.regs_replaced && rc == k_hypercall_restart) {
            // The entry stopped part way: keep its progress in the guest's
            // copy and resume the batch at this entry.
            for (unsigned a = 0; a < HypercallArgs::k_count; ++a)
                entry.args[a] = call.raw(a);
            if (!copy_to_guest(ctx.guest, slot, entry)) return error(Errno::efault);
            return continue_batch(ctx, args, calls, count, i);
        }

        if (!copy_to_guest(ctx.guest, result_field(slot), static_cast<uint64_t>(rc)))
            return error(Errno::efault);

        if (entry.op == abi::raw(abi::Hypercall::iret)) return rc;
    }
    return 0;
}

} // namespace pv
