// stack_switch, set_segment_base, fpu_taskswitch, set_debugreg and
// get_debugreg: Xen's arch/x86/pv/misc-hypercalls.c for a 64-bit PV guest.
// Each updates the vCPU's software state and then asks the arch (a
// HypervisorServices hook) to load it into the hardware.
#include "core/pv_hypercalls/common.hpp"
#include "core/pv_hypercalls/handlers.hpp"

namespace pv {
namespace {

using pvh::error;

// Debug registers (SDM Vol. 3 §18.2; Xen's x86-defns.h / debug.c).
constexpr uint32_t k_dr6_default = 0xffff0ff0; // reserved bits reading as 1
constexpr uint32_t k_dr6_zeros = 0x00001000;   // bit 12 reads as 0
constexpr uint32_t k_dr7_default = 0x00000400; // bit 10 reads as 1
constexpr uint32_t k_dr7_zeros = 0x0000d000;   // bits 12, 14, 15 read as 0
constexpr uint32_t k_dr7_rtm = 1u << 11;       // zero: guests see no RTM
constexpr uint32_t k_dr7_general_detect = 1u << 13;
constexpr uint32_t k_dr7_active = 0xff; // L0-3/G0-3
constexpr unsigned k_dr7_control_shift = 16, k_dr7_control_size = 4;
constexpr uint32_t k_dr7_rw_io = 2; // R/W bits 10b: I/O breakpoint, needs CR4.DE

// The guest's virtual CR4.DE. Guests cannot set it yet (CR4 writes are not
// emulated), so DR4/DR5 alias DR6/DR7 and I/O breakpoints are refused.
constexpr bool k_guest_cr4_de = false;

// Xen's x86_adj_dr6_rsvd / x86_adj_dr7_rsvd for a policy without RTM and
// bus-lock detect. Idempotent, so also applied on read: a fresh vCPU's zero
// reads back as the architectural reset value, as Xen's initialised
// dr6/dr7 do.
constexpr uint32_t adjust_dr6(uint32_t v) {
    return (v | k_dr6_default) & ~k_dr6_zeros;
}
constexpr uint32_t adjust_dr7(uint32_t v) {
    return (v & ~(k_dr7_zeros | k_dr7_rtm)) | k_dr7_default;
}

} // namespace

// stack_switch(ss, sp): the stack the next bounce from guest user mode to
// the guest kernel uses. ss gets RPL 3; no other checks (Xen makes none: a
// bad selector faults on use and the failsafe callback handles it). 0.
long do_stack_switch(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    ctx.vcpu->pv.kernel_ss = pvh::fixup_guest_selector(args.as<uint64_t>(0));
    ctx.vcpu->pv.kernel_sp = args.as<uint64_t>(1);
    return 0;
}

// set_segment_base(which, base). fs, gs_kernel, gs_user: base must be
// canonical (-EINVAL, nothing changes). gs_user_sel: loads the selector in
// base[15:0] (RPL forced to 3 unless NUL) through the arch and records the
// resulting user GS base; never fails (Linux BUG()s if it did). Unknown
// which: -EINVAL.
long do_set_segment_base(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const auto which = args.as<uint32_t>(0);
    const uint64_t base = args.as<uint64_t>(1);
    PvVcpuState& pv = ctx.vcpu->pv;

    switch (which) {
    case abi::raw(abi::SegmentBase::fs):
    case abi::raw(abi::SegmentBase::gs_user):
    case abi::raw(abi::SegmentBase::gs_kernel): {
        if (!pvh::canonical(base)) return error(Errno::einval);
        const auto w = static_cast<abi::SegmentBase>(which);
        if (w == abi::SegmentBase::fs)
            pv.fs_base = base;
        else if (w == abi::SegmentBase::gs_user)
            pv.gs_base_user = base;
        else
            pv.gs_base_kernel = base;
        ctx.services->segment_base_changed(*ctx.vcpu, w);
        return 0;
    }
    case abi::raw(abi::SegmentBase::gs_user_sel): {
        auto sel = static_cast<uint16_t>(base);
        if (sel > 3) sel |= 3;
        pv.gs_base_user = ctx.services->load_user_gs_selector(*ctx.vcpu, sel);
        return 0;
    }
    default:
        return error(Errno::einval);
    }
}

// fpu_taskswitch(set): set (non-zero int) or clear the virtual CR0.TS. 0.
long do_fpu_taskswitch(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    ctx.vcpu->pv.fpu_ts = args.as<int32_t>(0) != 0;
    ctx.services->fpu_ts_changed(*ctx.vcpu);
    return 0;
}

// set_debugreg(reg, value), Xen's set_debugreg():
//   DR0-3   value must be a guest address (canonical, outside the
//           hypervisor range), else -EPERM;
//   DR6/DR4 upper 32 bits set: -EINVAL; reserved bits forced;
//   DR7/DR5 upper 32 bits set: -EINVAL; reserved bits forced; GD set:
//           -EPERM; an enabled I/O breakpoint (needs CR4.DE): -EPERM;
//   other registers (reg is an int: negatives too): -ENODEV.
// On error nothing changes.
long do_set_debugreg(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const auto reg = static_cast<uint32_t>(args.as<int32_t>(0));
    const uint64_t value = args.as<uint64_t>(1);
    PvVcpuState& pv = ctx.vcpu->pv;

    switch (reg) {
    case 0:
    case 1:
    case 2:
    case 3:
        if (!pvh::guest_address_ok(value)) return error(Errno::eperm);
        pv.debugreg[reg] = value;
        ctx.services->debugreg_changed(*ctx.vcpu, reg);
        return 0;

    case 4:
    case 6:
        if (reg == 4 && k_guest_cr4_de) return error(Errno::enodev);
        if (value != static_cast<uint32_t>(value)) return error(Errno::einval);
        pv.debugreg[6] = adjust_dr6(static_cast<uint32_t>(value));
        ctx.services->debugreg_changed(*ctx.vcpu, 6);
        return 0;

    case 5:
    case 7: {
        if (reg == 5 && k_guest_cr4_de) return error(Errno::enodev);
        if (value != static_cast<uint32_t>(value)) return error(Errno::einval);
        const uint32_t dr7 = adjust_dr7(static_cast<uint32_t>(value));
        if (dr7 & k_dr7_general_detect) return error(Errno::eperm);
        if (dr7 & k_dr7_active) {
            for (unsigned i = k_dr7_control_shift; i < 32; i += k_dr7_control_size)
                if (((dr7 >> i) & 3) == k_dr7_rw_io && !k_guest_cr4_de) return error(Errno::eperm);
        }
        pv.debugreg[7] = dr7;
        ctx.services->debugreg_changed(*ctx.vcpu, 7);
        return 0;
    }

    default:
        return error(Errno::enodev);
    }
}

// get_debugreg(reg): DR0-3, DR6 (and DR4), DR7 (and DR5); else -ENODEV.
// (Xen returns the raw value, so a debug register holding what looks like a
// -errno is indistinguishable from one; DR0-3 are guest addresses and
// cannot, DR6/DR7 have their upper halves clear.)
long do_get_debugreg(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const auto reg = static_cast<uint32_t>(args.as<int32_t>(0));
    const PvVcpuState& pv = ctx.vcpu->pv;

    switch (reg) {
    case 0:
    case 1:
    case 2:
    case 3:
        return static_cast<long>(pv.debugreg[reg]);
    case 4:
    case 6:
        if (reg == 4 && k_guest_cr4_de) return error(Errno::enodev);
        return adjust_dr6(static_cast<uint32_t>(pv.debugreg[6]));
    case 5:
    case 7:
        if (reg == 5 && k_guest_cr4_de) return error(Errno::enodev);
        return adjust_dr7(static_cast<uint32_t>(pv.debugreg[7]));
    default:
        return error(Errno::enodev);
    }
}

} // namespace pv
