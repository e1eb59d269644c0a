// set_gdt, update_descriptor and the descriptor check they share: Xen's
// arch/x86/pv/descriptor-tables.c for a 64-bit PV guest. The frame side
// (ownership, descriptor-page typing, mapping the GDT) belongs to the PV
// MMU and is reached through HypervisorServices::set_gdt / update_descriptor.
#include "core/pv_hypercalls/common.hpp"
#include "core/pv_hypercalls/handlers.hpp"

namespace pv {
namespace {

using pvh::error;

// Bits of a descriptor's high dword (SDM Vol. 3 §3.4.5, §5.8.3.1).
constexpr uint32_t k_seg_type = 0xfu << 8;
constexpr uint32_t k_seg_s = 1u << 12; // code/data (not system)
constexpr uint32_t k_seg_dpl = 3u << 13;
constexpr uint32_t k_seg_p = 1u << 15;
constexpr uint32_t k_type_call_gate64 = 0xcu << 8;

constexpr unsigned k_descs_per_frame = 512;
constexpr unsigned k_max_gdt_frames = abi::k_first_reserved_gdt_page; // 14

// Xen's guest_gate_selector_okay for a 64-bit guest: the gate's target must
// be a guest GDT entry, the flat kernel CS, or any LDT selector.
constexpr bool gate_selector_ok(uint16_t sel) {
    return (sel >> 3) < abi::k_first_reserved_gdt_entry || sel == abi::k_flat_kernel_cs ||
           (sel & 4) != 0;
}

} // namespace

bool check_guest_descriptor(uint64_t& desc) {
    uint32_t a = static_cast<uint32_t>(desc);
    uint32_t b = static_cast<uint32_t>(desc >> 32);

    if ((b & k_seg_p) == 0) return true;

    const uint32_t dpl = pvh::fixup_guest_selector((b >> 13) & 3u);
    b = (b & ~k_seg_dpl) | (dpl << 13);

    if ((b & k_seg_s) == 0) {
        if ((b & k_seg_type) == 0) return true; // upper half of a call gate: left as is
        if ((b & k_seg_type) != k_type_call_gate64) return false;

        uint32_t cs = a >> 16;
        if (!gate_selector_ok(static_cast<uint16_t>(cs))) return false;
        // DPL 0: every use faults and is emulated; the DPL rides in the RPL.
        b &= ~k_seg_dpl;
        cs = (cs & ~3u) | dpl;
        a = (a & 0xffffu) | (cs << 16);
        if ((b & 0xffu) != 0) return false; // reserved bits
    }

    desc = (uint64_t{b} << 32) | a;
    return true;
}

// set_gdt(frame_list, entries): entries > 7168 (the hypervisor's reserved
// part of the GDT starts there): -EINVAL; the ceil(entries / 512) frame
// numbers are copied in (-EFAULT); the rest is the PV MMU's (-EINVAL for a
// frame that is not the guest's or not a valid descriptor page).
long do_set_gdt(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const auto frame_list = args.handle<const uint64_t>(0);
    const auto entries = args.as<uint32_t>(1);
    if (entries > abi::k_first_reserved_gdt_entry) return error(Errno::einval);

    const unsigned nr_frames = (entries + k_descs_per_frame - 1) / k_descs_per_frame;
    uint64_t frames[k_max_gdt_frames] = {};
    if (!copy_from_guest(ctx.guest, frame_list, 0, frames, nr_frames)) return error(Errno::efault);
    return ctx.services->set_gdt(*ctx.vcpu, frames, nr_frames, entries);
}

// update_descriptor(maddr, desc): maddr not 8-byte aligned or desc refused
// by check_guest_descriptor: -EINVAL; the rest (frame ownership and type,
// the write itself) is the PV MMU's.
long do_update_descriptor(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const uint64_t maddr = args.as<uint64_t>(0);
    uint64_t desc = args.as<uint64_t>(1);
    if ((maddr % sizeof(uint64_t)) != 0 || !check_guest_descriptor(desc))
        return error(Errno::einval);
    return ctx.services->update_descriptor(*ctx.domain, maddr, desc);
}

} // namespace pv
