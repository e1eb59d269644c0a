// What the VMX capability MSRs allow, turned into the control values every
// VMCS of this machine uses (SDM Vol. 3 Appendix A). Pure arithmetic over
// the raw MSR values, so the host unit tests feed it made-up CPUs.
#pragma once

#include "arch/x86/vmx/vmcs_fields.hpp"

#include <cstdint>

namespace pv::x86::vmx {

// The raw MSRs; the TRUE_* ones only when IA32_VMX_BASIC bit 55 says they
// exist (they may allow clearing controls the plain MSRs report as default-1).
struct CapabilityMsrs {
    uint64_t basic = 0;
    uint64_t pin = 0, processor = 0, exit = 0, entry = 0; // plain or TRUE, see read_capabilities
    uint64_t secondary = 0;                              // 0 when there are no secondary controls
    uint64_t ept_vpid = 0;                               // 0 when neither EPT nor VPID exists
    uint64_t cr0_fixed0 = 0, cr0_fixed1 = 0, cr4_fixed0 = 0, cr4_fixed1 = 0;
};

namespace basic {
inline constexpr uint64_t revision_mask = 0x7fffffff;  // bits 30:0
inline constexpr unsigned region_size_shift = 32;      // bits 44:32: VMXON/VMCS bytes
inline constexpr uint64_t region_size_mask = 0x1fff;
inline constexpr unsigned memory_type_shift = 50;      // bits 53:50
inline constexpr uint64_t memory_type_wb = 6;
inline constexpr uint64_t true_controls = 1ull << 55;
} // namespace basic

// IA32_VMX_EPT_VPID_CAP (Appendix A.10).
namespace ept_cap {
inline constexpr uint64_t walk_length_4 = 1ull << 6;
inline constexpr uint64_t memory_type_wb = 1ull << 14;
inline constexpr uint64_t invept = 1ull << 20;
inline constexpr uint64_t invept_single = 1ull << 25;
inline constexpr uint64_t invept_all = 1ull << 26;
inline constexpr uint64_t invvpid = 1ull << 32;
inline constexpr uint64_t invvpid_single = 1ull << 41;
inline constexpr uint64_t invvpid_all = 1ull << 42;
} // namespace ept_cap

// INVEPT / INVVPID types (SDM Vol. 3 §29.4.3, Vol. 2 INVEPT/INVVPID).
inline constexpr uint64_t k_invalidate_single_context = 1;
inline constexpr uint64_t k_invalidate_all_contexts = 2;

// EPTP: write-back paging structures, a four-level walk (length - 1 in
// bits 5:3), no accessed/dirty flags (§25.6.11).
inline constexpr uint64_t k_eptp_flags = 6 | (3 << 3);

// The guest's PAT at start: the architectural reset value (SDM Vol. 3 §13.12.4).
inline constexpr uint64_t k_default_pat = 0x0007040600070406ull;

// The controls and fixed bits every container of this machine uses.
struct VmxSetup {
    uint32_t revision = 0;      // VMCS revision identifier
    uint32_t pin = 0, processor = 0, secondary = 0, exit = 0, entry = 0;
    uint64_t cr0_fixed0 = 0, cr0_fixed1 = 0, cr4_fixed0 = 0, cr4_fixed1 = 0;
    bool vpid = false;
    uint64_t invept_type = 0;  // 0: no INVEPT (then the EPT root never changes meaning)
    uint64_t invvpid_type = 0; // 0: no INVVPID
};

// A control value with `wanted` set where allowed and every bit the CPU
// insists on (Appendix A.3: low half = allowed-0, high half = allowed-1).
// False when some bit of `required` cannot be 1.
constexpr bool adjust_controls(uint64_t capability, uint32_t required, uint32_t optional,
                               uint32_t& out) {
    const uint32_t must_be_one = static_cast<uint32_t>(capability);
    const uint32_t may_be_one = static_cast<uint32_t>(capability >> 32);
    if ((required & may_be_one) != required) return false;
    out = must_be_one | required | (optional & may_be_one);
    return true;
}

// What Paravane asks of VMX; null `why_not` and the setup, or the first
// missing piece in words.
constexpr bool compute_setup(const CapabilityMsrs& m, VmxSetup& s, const char** why_not) {
    *why_not = nullptr;
    s.revision = static_cast<uint32_t>(m.basic & basic::revision_mask);
    const uint64_t region = (m.basic >> basic::region_size_shift) & basic::region_size_mask;
    if (region == 0 || region > 4096) {
        *why_not = "VMX regions larger than a page";
        return false;
    }
    if (((m.basic >> basic::memory_type_shift) & 0xf) != basic::memory_type_wb) {
        *why_not = "VMX structures not in write-back memory";
        return false;
    }
    // Physical interrupts and NMIs end the guest's run (the host takes them).
    if (!adjust_controls(m.pin, pin::external_interrupt_exiting | pin::nmi_exiting, 0, s.pin)) {
        *why_not = "VMX without external-interrupt or NMI exiting";
        return false;
    }
    // Every port is intercepted without bitmaps; MSRs through the bitmap.
    // MWAIT/MONITOR/RDPMC exit rather than reach the host's hardware.
    const uint32_t proc_required = proc::hlt_exiting | proc::unconditional_io_exiting |
                                   proc::use_msr_bitmaps | proc::secondary_controls;
    const uint32_t proc_optional = proc::mwait_exiting | proc::monitor_exiting | proc::rdpmc_exiting;
    if (!adjust_controls(m.processor, proc_required, proc_optional, s.processor)) {
        *why_not = "VMX without HLT, I/O or MSR-bitmap exiting or secondary controls";
        return false;
    }
    // With EPT the guest's own CR3 and CR8 (TPR) are its business; CPUs
    // without the TRUE_* MSRs force their exiting on, and the container then
    // emulates those moves itself.
    if (!adjust_controls(m.secondary, proc2::enable_ept | proc2::unrestricted_guest,
                         proc2::enable_vpid | proc2::enable_rdtscp | proc2::enable_invpcid,
                         s.secondary)) {
        *why_not = "VMX without EPT or unrestricted guest";
        return false;
    }
    constexpr uint64_t ept_needed = ept_cap::walk_length_4 | ept_cap::memory_type_wb;
    if ((m.ept_vpid & ept_needed) != ept_needed) {
        *why_not = "EPT without four-level write-back tables";
        return false;
    }
    s.invept_type = !(m.ept_vpid & ept_cap::invept)        ? 0
                    : (m.ept_vpid & ept_cap::invept_single) ? k_invalidate_single_context
                    : (m.ept_vpid & ept_cap::invept_all)    ? k_invalidate_all_contexts
                                                            : 0;
    s.invvpid_type = !(m.ept_vpid & ept_cap::invvpid)        ? 0
                     : (m.ept_vpid & ept_cap::invvpid_single) ? k_invalidate_single_context
                     : (m.ept_vpid & ept_cap::invvpid_all)    ? k_invalidate_all_contexts
                                                              : 0;
    // Tagging translations by VPID needs a way to drop them again.
    s.vpid = (s.secondary & proc2::enable_vpid) && s.invvpid_type != 0;
    if (!s.vpid) s.secondary &= ~proc2::enable_vpid;
    if (s.invept_type == 0) {
        *why_not = "EPT without INVEPT";
        return false;
    }
    // The host runs in 64-bit mode; EFER and PAT switch with the guest.
    // Acknowledge-on-exit stays off: the interrupt stays pending in the local
    // APIC and the host takes it through its IDT once it enables interrupts.
    const uint32_t exit_required = exit_ctl::host_address_space_size | exit_ctl::save_efer |
                                   exit_ctl::load_efer | exit_ctl::save_pat | exit_ctl::load_pat;
    if (!adjust_controls(m.exit, exit_required, 0, s.exit) ||
        (s.exit & exit_ctl::acknowledge_interrupt)) {
        *why_not = "VMX without EFER/PAT switching at exit";
        return false;
    }
    if (!adjust_controls(m.entry, entry_ctl::load_efer | entry_ctl::load_pat, 0, s.entry) ||
        (s.entry & entry_ctl::ia32e_mode_guest)) {
        *why_not = "VMX without EFER/PAT loading at entry";
        return false;
    }
    s.cr0_fixed0 = m.cr0_fixed0;
    s.cr0_fixed1 = m.cr0_fixed1;
    s.cr4_fixed0 = m.cr4_fixed0;
    s.cr4_fixed1 = m.cr4_fixed1;
    return true;
}

// CR0 bits a guest must hold in VMX operation and cannot choose itself:
// the fixed-1 bits except PE and PG, which unrestricted guest frees
// (§26.3.1.1). They are owned by the host (guest/host mask) and the guest
// reads its own values from the read shadow.
constexpr uint64_t cr0_forced(const VmxSetup& s) {
    constexpr uint64_t pe_pg = (1ull << 0) | (1ull << 31);
    return s.cr0_fixed0 & ~pe_pg;
}
constexpr uint64_t cr4_forced(const VmxSetup& s) { return s.cr4_fixed0; }
// The CR0 bits the host owns: the forced ones, and CD/NW, which a VM entry
// may leave as the host had them (Bochs does; SDM Vol. 3 §28.5.1 keeps them
// at exits): the guest reads its own values of all of them from the shadow,
// and a move that changes one exits.
constexpr uint64_t cr0_host_owned(const VmxSetup& s) {
    constexpr uint64_t cd_nw = (1ull << 30) | (1ull << 29);
    return cr0_forced(s) | cd_nw;
}
// The values the CPU gets for what the guest wants in CR0/CR4.
constexpr uint64_t real_cr0(const VmxSetup& s, uint64_t guest_value) {
    return (guest_value | cr0_forced(s)) & (s.cr0_fixed1 | (1ull << 0) | (1ull << 31));
}
constexpr uint64_t real_cr4(const VmxSetup& s, uint64_t guest_value) {
    return (guest_value | cr4_forced(s)) & s.cr4_fixed1;
}

} // namespace pv::x86::vmx
