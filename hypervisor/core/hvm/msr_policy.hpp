// RDMSR/WRMSR of a PVH guest: which MSRs exist, what they read, which
// writes are accepted. Everything not listed is #GP(0), as Xen does for
// HVM guests with MSRs outside its policy.
//
// Decisions (value = the read result, or the accepted write):
//   0x1b  APIC_BASE      reads 0xfee00000 | EN | EXTD (x2APIC) | BSP on vCPU 0;
//                        a write must keep that value (BSP bit ignored),
//                        anything else (xAPIC mode, disable, relocate) #GP
//   0x10  TSC            reads ctx.guest_tsc; writes #GP
//   0x3a  FEATURE_CONTROL (Intel) reads locked, VMX/SMX off; writes #GP
//   0x8b  UCODE_REV      reads 0; writes ignored (Intel's "write 0, CPUID")
//   0xce  PLATFORM_INFO  reads 0 (no ratios, no CPUID faulting); writes #GP
//   0xfe  MTRRcap        reads 0 (no variable/fixed ranges, no WC); writes #GP
//   0x1a0 MISC_ENABLE    (Intel) reads fast-strings | BTS/PEBS unavailable;
//                        a write of the same value accepted, else #GP
//   0x277 PAT            per vCPU; each entry must be a valid type, else #GP
//   0x2ff MTRR_DEF_TYPE  per vCPU; reads E | WB at reset; type must be
//                        valid, FE and reserved bits #GP
//   0x800-0x8ff          forward to the vlapic (vlapic.hpp)
//   0x40000000           write: hypercall page (value = gpa | page index,
//                        index must be 0: one page); read #GP
//   vendor state: EFER, STAR, LSTAR, CSTAR, SFMASK, FS/GS/KERNEL_GS base,
//                SYSENTER_CS/ESP/EIP: `vendor` — the backend keeps these in
//                its guest state (VMCB save area / VMCS guest fields). Under
//                SVM the backend lets STAR, LSTAR, CSTAR, SFMASK, FS/GS/
//                KERNEL_GS base and SYSENTER_* through (not intercepted)
//                and intercepts EFER (the VMCB's EFER has SVME set; the
//                guest must neither see nor change it). If such an access
//                does reach the policy, writes are checked here (EFER
//                reserved bits, canonical bases) and `vendor` tells the
//                backend to read/write its own field.
//   everything else      #GP (incl. SPEC_CTRL/PRED_CMD, TSC_AUX, perfmon,
//                        machine check, x2APIC-disabled paths)
#pragma once

#include <cstdint>

namespace pv::hvm {

enum class MsrAction : uint8_t {
    done,           // read: `value` is the result; write: accepted (state updated)
    vlapic,         // 0x800-0x8ff: the caller asks the vCPU's Vlapic
    hypercall_page, // write to 0x40000000: fill the page at gpa `value`
    vendor,         // the backend's own guest-state field (checked write)
    gp,             // inject #GP(0)
};

struct MsrDecision {
    MsrAction action;
    uint64_t value;
    constexpr bool operator==(const MsrDecision&) const = default;
};

enum class CpuVendor : uint8_t { intel, amd };

// Per-vCPU MSR state the policy owns. The backend loads `pat` into its
// guest PAT (VMCB g_pat / VMCS guest IA32_PAT) after each accepted write.
struct PvhMsrState {
    static constexpr uint64_t k_pat_reset = 0x0007'0406'0007'0406ull; // SDM Vol. 3 §11.12.4
    static constexpr uint64_t k_mtrr_def_type_reset = (1u << 11) | 6; // enabled, write-back
    uint64_t pat = k_pat_reset;
    uint64_t mtrr_def_type = k_mtrr_def_type_reset;
};

struct PvhMsrContext {
    uint32_t vcpu_id = 0;
    CpuVendor vendor = CpuVendor::amd;
    uint64_t guest_tsc = 0;  // the guest's TSC now (host TSC + offset)
    uint8_t phys_bits = 52;  // the guest's MAXPHYADDR (CPUID 0x80000008 EAX[7:0])
};

namespace msr {
inline constexpr uint32_t k_tsc = 0x10;
inline constexpr uint32_t k_apic_base = 0x1b;
inline constexpr uint32_t k_feature_control = 0x3a;
inline constexpr uint32_t k_ucode_rev = 0x8b;
inline constexpr uint32_t k_platform_info = 0xce;
inline constexpr uint32_t k_mtrr_cap = 0xfe;
inline constexpr uint32_t k_sysenter_cs = 0x174;
inline constexpr uint32_t k_sysenter_esp = 0x175;
inline constexpr uint32_t k_sysenter_eip = 0x176;
inline constexpr uint32_t k_misc_enable = 0x1a0;
inline constexpr uint32_t k_pat = 0x277;
inline constexpr uint32_t k_mtrr_def_type = 0x2ff;
inline constexpr uint32_t k_x2apic_first = 0x800;
inline constexpr uint32_t k_x2apic_last = 0x8ff;
inline constexpr uint32_t k_hypercall_page = 0x4000'0000;
inline constexpr uint32_t k_efer = 0xc000'0080;
inline constexpr uint32_t k_star = 0xc000'0081;
inline constexpr uint32_t k_lstar = 0xc000'0082;
inline constexpr uint32_t k_cstar = 0xc000'0083;
inline constexpr uint32_t k_sfmask = 0xc000'0084;
inline constexpr uint32_t k_fs_base = 0xc000'0100;
inline constexpr uint32_t k_gs_base = 0xc000'0101;
inline constexpr uint32_t k_kernel_gs_base = 0xc000'0102;

inline constexpr uint64_t k_apic_base_address = 0xfee0'0000;
inline constexpr uint64_t k_apic_base_bsp = 1u << 8;
inline constexpr uint64_t k_apic_base_extd = 1u << 10;
inline constexpr uint64_t k_apic_base_enable = 1u << 11;

// EFER bits a guest may set (SCE, LME, LMA, NXE; FFXSR on AMD). SVME,
// LMSLE, TCE and the rest are refused (SVM is hidden from the guest).
inline constexpr uint64_t k_efer_sce = 1u << 0;
inline constexpr uint64_t k_efer_lme = 1u << 8;
inline constexpr uint64_t k_efer_lma = 1u << 10;
inline constexpr uint64_t k_efer_nxe = 1u << 11;
inline constexpr uint64_t k_efer_ffxsr = 1u << 14;
} // namespace msr

// True for the MSRs the backend keeps in its own guest state (list above).
bool is_vendor_state_msr(uint32_t index);

MsrDecision pvh_rdmsr(const PvhMsrContext& ctx, const PvhMsrState& state, uint32_t index);
MsrDecision pvh_wrmsr(const PvhMsrContext& ctx, PvhMsrState& state, uint32_t index,
                      uint64_t value);

} // namespace pv::hvm
