// vm_assist (Xen's common/domain.c with the x86 PV64 mask) and physdev_op
// (arch/x86/physdev.c; only set_iopl belongs to this issue).
#include "core/pv_hypercalls/common.hpp"
#include "core/pv_hypercalls/handlers.hpp"
#include "include/public/physdev.hpp"

namespace pv {
namespace {

using abi::VmAssistType;
using pvh::error;

// Xen's PV64_VM_ASSIST_MASK: the 32-bit PV types are still accepted from a
// 64-bit guest ("can't make such requests fail all of the sudden").
constexpr uint64_t bit(VmAssistType t) {
    return uint64_t{1} << abi::raw(t);
}
constexpr uint64_t k_pv64_vm_assist_mask =
    bit(VmAssistType::four_gb_segments) | bit(VmAssistType::four_gb_segments_notify) |
    bit(VmAssistType::writable_pagetables) | bit(VmAssistType::pae_extended_cr3) |
    bit(VmAssistType::architectural_iopl) | bit(VmAssistType::runstate_update_flag) |
    bit(VmAssistType::m2p_strict);

} // namespace

// vm_assist(cmd, type): type outside the mask (or >= 64): -EINVAL; then
// enable / disable: 0; any other cmd: -ENOSYS.
long do_vm_assist(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const auto cmd = args.as<uint32_t>(0);
    const auto type = args.as<uint32_t>(1);
    if (type >= 64 || ((k_pv64_vm_assist_mask >> type) & 1) == 0) return error(Errno::einval);

    using Bits = decltype(ctx.domain->vm_assist);
    // Domain::vm_assist must be 64 bits wide to hold m2p_strict (bit 32).
    // Until it is, that one type is accepted but not recorded.
    const bool representable = type < sizeof(Bits) * 8;

    switch (cmd) {
    case abi::raw(abi::VmAssistCmd::enable):
        if (representable) ctx.domain->vm_assist |= static_cast<Bits>(uint64_t{1} << type);
        return 0;
    case abi::raw(abi::VmAssistCmd::disable):
        if (representable) ctx.domain->vm_assist &= static_cast<Bits>(~(uint64_t{1} << type));
        return 0;
    default:
        return error(Errno::enosys);
    }
}

// physdev_op(cmd, arg): set_iopl (PhysdevSetIopl in; iopl > 3: -EINVAL;
// sets the calling vCPU's virtual IOPL, 0). Every other command: -ENOSYS
// until the issue that brings device support.
long do_physdev_op(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const auto cmd = args.as<int32_t>(0);

    switch (cmd) {
    case abi::raw(abi::PhysdevOp::set_iopl): {
        abi::PhysdevSetIopl request;
        if (!copy_from_guest(ctx.guest, args.handle<abi::PhysdevSetIopl>(1), request))
            return error(Errno::efault);
        if (request.iopl > 3) return error(Errno::einval);
        ctx.vcpu->pv.iopl = static_cast<uint8_t>(request.iopl);
        return 0;
    }
    default:
        return error(Errno::enosys);
    }
}

} // namespace pv
