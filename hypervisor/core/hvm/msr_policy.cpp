#include "core/hvm/msr_policy.hpp"

#include "core/hypercall/guest_memory.hpp"

namespace pv::hvm {

namespace {

constexpr MsrDecision done(uint64_t value = 0) { return {MsrAction::done, value}; }
constexpr MsrDecision gp() { return {MsrAction::gp, 0}; }
constexpr MsrDecision vendor(uint64_t value = 0) { return {MsrAction::vendor, value}; }

// IA32_MISC_ENABLE as we show it: fast strings on, branch-trace and PEBS
// unavailable (no DS area), no MONITOR/MWAIT, no SpeedStep.
constexpr uint64_t k_misc_enable = (1u << 0) | (1u << 11) | (1u << 12);
// IA32_FEATURE_CONTROL: locked with VMX and SMX off (both hidden in CPUID).
constexpr uint64_t k_feature_control = 1u << 0;

bool x2apic_range(uint32_t index) { return index >= msr::k_x2apic_first && index <= msr::k_x2apic_last; }

uint64_t apic_base(const PvhMsrContext& ctx) {
    return msr::k_apic_base_address | msr::k_apic_base_enable | msr::k_apic_base_extd |
           (ctx.vcpu_id == 0 ? msr::k_apic_base_bsp : 0);
}

// Memory types valid in PAT entries and MTRRs (SDM Vol. 3 §11.11.2.2,
// §11.12.2): UC, WC, WT, WP, WB; UC- (7) in PAT only.
bool valid_memory_type(uint64_t type, bool pat) {
    return type == 0 || type == 1 || type == 4 || type == 5 || type == 6 || (pat && type == 7);
}

bool valid_pat(uint64_t value) {
    for (unsigned i = 0; i < 8; ++i)
        if (!valid_memory_type((value >> (8 * i)) & 0xff, true)) return false;
    return true;
}

// EFER: a guest may set SCE, LME, NXE (and FFXSR on AMD); LMA is the
// CPU's, accepted as written (the backend keeps the live value).
bool valid_efer(const PvhMsrContext& ctx, uint64_t value) {
    uint64_t allowed = msr::k_efer_sce | msr::k_efer_lme | msr::k_efer_lma | msr::k_efer_nxe;
    if (ctx.vendor == CpuVendor::amd) allowed |= msr::k_efer_ffxsr;
    return (value & ~allowed) == 0;
}

bool base_msr(uint32_t index) {
    return index == msr::k_lstar || index == msr::k_cstar || index == msr::k_fs_base ||
           index == msr::k_gs_base || index == msr::k_kernel_gs_base ||
           index == msr::k_sysenter_esp || index == msr::k_sysenter_eip;
}

MsrDecision write_vendor_state(const PvhMsrContext& ctx, uint32_t index, uint64_t value) {
    if (index == msr::k_efer) return valid_efer(ctx, value) ? vendor(value) : gp();
    // Addresses must be canonical (SDM Vol. 4 lists #GP for these MSRs).
    if (base_msr(index)) return is_canonical_address(value) ? vendor(value) : gp();
    if (index == msr::k_sfmask || index == msr::k_sysenter_cs) {
        return (value >> 32) == 0 ? vendor(value) : gp(); // upper half reserved
    }
    return vendor(value); // STAR: every bit is defined
}

} // namespace

bool is_vendor_state_msr(uint32_t index) {
    switch (index) {
    case msr::k_efer:
    case msr::k_star:
    case msr::k_lstar:
    case msr::k_cstar:
    case msr::k_sfmask:
    case msr::k_fs_base:
    case msr::k_gs_base:
    case msr::k_kernel_gs_base:
    case msr::k_sysenter_cs:
    case msr::k_sysenter_esp:
    case msr::k_sysenter_eip: return true;
    default: return false;
    }
}

MsrDecision pvh_rdmsr(const PvhMsrContext& ctx, const PvhMsrState& state, uint32_t index) {
    if (x2apic_range(index)) return {MsrAction::vlapic, 0};
    if (is_vendor_state_msr(index)) return vendor();
    switch (index) {
    case msr::k_tsc: return done(ctx.guest_tsc);
    case msr::k_apic_base: return done(apic_base(ctx));
    case msr::k_feature_control: return ctx.vendor == CpuVendor::intel ? done(k_feature_control) : gp();
    case msr::k_ucode_rev: return done(0);
    case msr::k_platform_info: return done(0);
    case msr::k_mtrr_cap: return done(0);
    case msr::k_misc_enable: return ctx.vendor == CpuVendor::intel ? done(k_misc_enable) : gp();
    case msr::k_pat: return done(state.pat);
    case msr::k_mtrr_def_type: return done(state.mtrr_def_type);
    default: return gp(); // incl. the hypercall-page MSR: write-only
    }
}

MsrDecision pvh_wrmsr(const PvhMsrContext& ctx, PvhMsrState& state, uint32_t index,
                      uint64_t value) {
    if (x2apic_range(index)) return {MsrAction::vlapic, value};
    if (is_vendor_state_msr(index)) return write_vendor_state(ctx, index, value);
    switch (index) {
    case msr::k_apic_base: {
        // Only the value it already has (the BSP flag is the CPU's: ignored).
        // xAPIC mode, disabling or moving the APIC are not modelled.
        const uint64_t keep = apic_base(ctx) & ~msr::k_apic_base_bsp;
        return (value & ~msr::k_apic_base_bsp) == keep ? done(value) : gp();
    }
    case msr::k_ucode_rev: return done(value); // the "write 0 then CPUID" ritual: nothing to latch
    case msr::k_misc_enable:
        return ctx.vendor == CpuVendor::intel && value == k_misc_enable ? done(value) : gp();
    case msr::k_pat:
        if (!valid_pat(value)) return gp();
        state.pat = value;
        return done(value);
    case msr::k_mtrr_def_type: {
        // Type (7:0) and E (11); FE (10) needs fixed-range MTRRs, which
        // MTRRcap says do not exist; the rest is reserved.
        if ((value & ~uint64_t{0x8ff}) != 0 || !valid_memory_type(value & 0xff, false)) return gp();
        state.mtrr_def_type = value;
        return done(value);
    }
    case msr::k_hypercall_page: {
        // Xen: bits 11:0 pick which hypercall page; we have one. The gpa
        // must fit the guest's physical address width.
        if ((value & 0xfff) != 0) return gp();
        if (ctx.phys_bits < 64 && (value >> ctx.phys_bits) != 0) return gp();
        return {MsrAction::hypercall_page, value};
    }
    default: return gp(); // TSC, MTRRcap, PLATFORM_INFO, FEATURE_CONTROL: read-only here
    }
}

} // namespace pv::hvm
