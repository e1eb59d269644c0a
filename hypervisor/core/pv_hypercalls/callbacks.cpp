// set_trap_table, callback_op and set_callbacks: Xen's arch/x86/pv/callback.c
// (and traps.c in older trees).
//
// The NMI callback lives where Xen keeps it, in the virtual IDT slot of
// vector 2 (flat kernel CS, events masked); PvVcpuState::nmi mirrors that
// slot after every change, so either may be read by the trap-bounce code.
#include "core/hypercall/continuation.hpp"
#include "core/pv_hypercalls/common.hpp"
#include "core/pv_hypercalls/handlers.hpp"
#include "include/public/callback.hpp"

namespace pv {
namespace {

using abi::CallbackType;
using abi::TrapInfo;
using pvh::error;

constexpr uint8_t k_nmi_vector = 2;

// set_trap_table gives the CPU back at least this often even when nothing
// asks for it, so an unterminated list cannot hold the CPU for long. The
// guest cannot tell (the call resumes where it stopped).
constexpr unsigned k_trap_entries_per_entry = 256;

void sync_nmi_mirror(PvVcpuState& pv) {
    const TrapInfo& t = pv.traps[k_nmi_vector];
    pv.nmi.address = t.address;
    pv.nmi.mask_events = (t.flags & abi::k_trap_info_mask_events) != 0;
}

void clear_trap(TrapInfo& t) {
    t = TrapInfo{};
}

long register_nmi(Vcpu& vcpu, uint64_t address) {
    if (!pvh::canonical(address)) return error(Errno::einval);
    TrapInfo& t = vcpu.pv.traps[k_nmi_vector];
    t = TrapInfo{};
    t.vector = k_nmi_vector;
    t.flags = abi::k_trap_info_mask_events;
    t.cs = abi::k_flat_kernel_cs;
    t.address = address;
    sync_nmi_mirror(vcpu.pv);
    return 0;
}

// Xen's register_guest_callback for a 64-bit guest.
long register_callback(Vcpu& vcpu, const abi::CallbackRegister& reg) {
    if (!pvh::canonical(reg.address)) return error(Errno::einval);
    const bool mask = (reg.flags & abi::k_callbackf_mask_events) != 0;
    PvVcpuState& pv = vcpu.pv;

    switch (reg.type) {
    case abi::raw(CallbackType::event):
        pv.event = {reg.address, true}; // upcalls always mask events
        return 0;
    case abi::raw(CallbackType::failsafe):
        pv.failsafe = {reg.address, mask};
        return 0;
    case abi::raw(CallbackType::syscall):
        pv.syscall = {reg.address, mask};
        return 0;
    case abi::raw(CallbackType::syscall32):
        pv.syscall32 = {reg.address, mask};
        return 0;
    case abi::raw(CallbackType::sysenter):
        pv.sysenter = {reg.address, mask};
        return 0;
    case abi::raw(CallbackType::nmi):
        return register_nmi(vcpu, reg.address);
    default: // includes the retired sysenter_deprecated (3)
        return error(Errno::enosys);
    }
}

long unregister_callback(Vcpu& vcpu, const abi::CallbackUnregister& unreg) {
    switch (unreg.type) {
    case abi::raw(CallbackType::event):
    case abi::raw(CallbackType::failsafe):
    case abi::raw(CallbackType::syscall):
    case abi::raw(CallbackType::syscall32):
    case abi::raw(CallbackType::sysenter):
        return error(Errno::einval);
    case abi::raw(CallbackType::nmi):
        clear_trap(vcpu.pv.traps[k_nmi_vector]);
        sync_nmi_mirror(vcpu.pv);
        return 0;
    default:
        return error(Errno::enosys);
    }
}

} // namespace

// set_trap_table(traps): entries up to the first with address 0 are
// installed (vector's slot replaced, CS RPL forced to 3), one at a time as
// Xen does: entries before a bad one stay installed. Null clears the whole
// virtual IDT (the NMI callback included). Non-canonical address: -EINVAL;
// unreadable entry: -EFAULT. Preemptible after every entry, and resumed by a
// continuation after every 256 entries in any case.
long do_set_trap_table(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    PvVcpuState& pv = ctx.vcpu->pv;
    GuestHandle<const TrapInfo> traps = args.handle<const TrapInfo>(0);

    if (traps.is_null()) {
        for (TrapInfo& t : pv.traps)
            clear_trap(t);
        sync_nmi_mirror(pv);
        return 0;
    }

    for (unsigned done = 1;; ++done) {
        TrapInfo cur;
        if (!copy_from_guest(ctx.guest, traps, cur)) return error(Errno::efault);
        if (cur.address == 0) return 0;
        if (!pvh::canonical(cur.address)) return error(Errno::einval);

        cur.cs = pvh::fixup_guest_selector(cur.cs);
        pv.traps[cur.vector] = cur;
        if (cur.vector == k_nmi_vector) sync_nmi_mirror(pv);

        traps = traps.offset(1);
        if (done == k_trap_entries_per_entry || ctx.preempt_requested()) {
            HypercallArgs next = args;
            next.set(0, traps);
            return hypercall_continuation(ctx, next);
        }
    }
}

// callback_op(cmd, arg). Register: non-canonical address -EINVAL (checked
// before the type), unknown type -ENOSYS. Unregister: only NMI can be;
// the others -EINVAL, unknown types -ENOSYS. Unknown cmd: -ENOSYS.
long do_callback_op(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const auto cmd = args.as<int32_t>(0);
    const uint64_t arg = args.raw(1);

    switch (cmd) {
    case abi::raw(abi::CallbackOp::register_callback): {
        abi::CallbackRegister reg;
        if (!copy_from_guest(ctx.guest, GuestHandle<abi::CallbackRegister>(arg), reg))
            return error(Errno::efault);
        return register_callback(*ctx.vcpu, reg);
    }
    case abi::raw(abi::CallbackOp::unregister_callback): {
        abi::CallbackUnregister unreg;
        if (!copy_from_guest(ctx.guest, GuestHandle<abi::CallbackUnregister>(arg), unreg))
            return error(Errno::efault);
        return unregister_callback(*ctx.vcpu, unreg);
    }
    default:
        return error(Errno::enosys);
    }
}

// set_callbacks(event, failsafe, syscall): registers each with flags 0
// (so failsafe and syscall stop masking events); a non-canonical address
// leaves that one unchanged. Always 0, as in Xen.
long do_set_callbacks(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const CallbackType types[] = {CallbackType::event, CallbackType::failsafe,
                                  CallbackType::syscall};
    for (unsigned i = 0; i < 3; ++i) {
        abi::CallbackRegister reg{};
        reg.type = abi::raw(types[i]);
        reg.address = args.raw(i);
        (void)register_callback(*ctx.vcpu, reg);
    }
    return 0;
}

} // namespace pv
