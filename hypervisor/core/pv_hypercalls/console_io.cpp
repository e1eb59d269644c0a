// console_io(cmd, count, buffer): Xen's do_console_io (drivers/char/console.c).
//
// Permission (Xen's XSM dummy policy): CONSOLEIO_write is open to every
// domain (as in Xen debug builds, and what guests expect for early output);
// everything else, unknown commands included, needs a privileged domain
// (-EPERM), so an unprivileged caller sees -EPERM before -ENOSYS.
#include "include/public/console_io.hpp"
#include "core/hypercall/continuation.hpp"
#include "core/pv_hypercalls/common.hpp"
#include "core/pv_hypercalls/handlers.hpp"

namespace pv {
namespace {

using pvh::error;

// Bytes copied in (or out) per step: Xen's kbuf is 128 bytes.
constexpr uint32_t k_chunk = 128;

// Xen's guest_console_write: chunks, preemptible between chunks (never
// before the first), resumed with the count and buffer advanced.
long console_write(HypercallContext& ctx, const HypercallArgs& args) {
    uint32_t count = args.as<uint32_t>(1);
    GuestHandle<const char> buffer = args.handle<const char>(2);
    bool first = true;

    while (count > 0) {
        if (!first && ctx.preempt_requested()) {
            HypercallArgs next = args;
            next.set(1, count);
            next.set(2, buffer);
            return hypercall_continuation(ctx, next);
        }
        first = false;

        const uint32_t n = count < k_chunk ? count : k_chunk;
        char chunk[k_chunk];
        if (!copy_from_guest(ctx.guest, buffer, 0, chunk, n)) return error(Errno::efault);
        ctx.services->console_write(*ctx.domain, StringView(chunk, n));

        buffer = buffer.offset(n);
        count -= n;
    }
    return 0;
}

// Serial input: returns the number of bytes read, up to count. The result
// must not overlap the -errno range, hence -E2BIG for counts >= 2^31.
long console_read(HypercallContext& ctx, const HypercallArgs& args) {
    const uint32_t count = args.as<uint32_t>(1);
    const GuestHandle<char> buffer = args.handle<char>(2);
    if (static_cast<int32_t>(count) < 0) return error(Errno::e2big);

    uint32_t done = 0;
    while (done < count) {
        char chunk[k_chunk];
        const uint32_t want = count - done < k_chunk ? count - done : k_chunk;
        const size_t got = ctx.services->console_input_peek(chunk, want);
        if (got == 0) break;
        const uint32_t n = got < want ? static_cast<uint32_t>(got) : want;
        if (!copy_to_guest(ctx.guest, buffer, done, chunk, n)) return error(Errno::efault);
        ctx.services->console_input_consume(n);
        done += n;
    }
    return done;
}

} // namespace

long do_console_io(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const auto cmd = args.as<uint32_t>(0);

    if (cmd != abi::raw(abi::ConsoleIoOp::write) && !ctx.domain->privileged())
        return error(Errno::eperm);

    switch (cmd) {
    case abi::raw(abi::ConsoleIoOp::write):
        return console_write(ctx, args);
    case abi::raw(abi::ConsoleIoOp::read):
        return console_read(ctx, args);
    default:
        return error(Errno::enosys);
    }
}

} // namespace pv
