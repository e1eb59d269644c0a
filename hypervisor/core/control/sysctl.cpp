#include "core/control/control.hpp"

#include "core/domain/domain.hpp"
#include "core/pv_hypercalls/services.hpp"

namespace pv {

namespace {

long error(Errno e) { return -static_cast<long>(e); }

// The log ring, through a small bounce buffer, into the caller's memory.
long read_console(HypercallContext& ctx, abi::SysctlReadconsole& op) {
    constexpr size_t k_chunk = 256;
    constexpr uint32_t k_max_count = 64 * 1024;
    if (op.count > k_max_count) op.count = k_max_count;
    if (!guest_array_plausible(GuestHandle<char>(op.buffer), 0, op.count)) return error(Errno::efault);
    uint32_t done = 0;
    char chunk[k_chunk];
    while (done < op.count) {
        size_t want = op.count - done < k_chunk ? op.count - done : k_chunk;
        uint64_t cursor = op.cursor;
        size_t got = ctx.services->read_console_log(cursor, chunk, want);
        if (got == 0) break;
        if (!copy_to_guest(ctx.guest, GuestHandle<char>(op.buffer), done, chunk, got)) return error(Errno::efault);
        op.cursor = cursor;
        done += static_cast<uint32_t>(got);
    }
    op.count = done;
    return 0;
}

} // namespace

long do_sysctl(HypercallContext& ctx, const HypercallArgs& args) {
    if (!ctx.domain || !ctx.services) return error(Errno::enosys);
    if (!ctx.domain->privileged()) return error(Errno::eperm);
    const auto handle = args.handle<abi::Sysctl>(0);
    abi::Sysctl op;
    if (!copy_from_guest(ctx.guest, handle, op)) return error(Errno::efault);
    if (op.interface_version != abi::k_control_interface_version) return error(Errno::eacces);
    long rc = 0;
    switch (op.cmd) {
    case abi::raw(abi::SysctlCmd::physinfo):
        ctx.services->physinfo(op.u.physinfo);
        break;
    case abi::raw(abi::SysctlCmd::readconsole):
        rc = read_console(ctx, op.u.readconsole);
        break;
    default:
        return error(Errno::enosys);
    }
    if (rc == 0 && !copy_to_guest(ctx.guest, handle, op)) return error(Errno::efault);
    return rc;
}

} // namespace pv
