// The CPUID a PVH guest sees: the host's answers, filtered so that the
// guest is told only about what works inside a hardware container, plus
// the topology of its own vCPUs and Xen's hypervisor leaves.
//
// The policy is pure: the arch layer passes the host CPUID (HostCpuid) and
// the vCPU facts, so the unit tests can feed it any CPU.
//
// What the guest sees (SDM Vol. 2A "CPUID"; APM Vol. 3 appendix E):
//   * the real vendor string and brand string;
//   * leaf 1: hypervisor bit (ECX 31) and x2APIC (ECX 21) set; initial APIC
//     id (EBX 31:24) = vCPU id; OSXSAVE mirrors the guest's CR4.OSXSAVE;
//     hidden: MONITOR/MWAIT, VMX, SMX, EST, TM2, PDCM, DCA, TSC-deadline
//     (our x2APIC timer has no TSC-deadline mode), and MCE/MCA/DS/ACPI/TM/
//     PBE (no machine-check or thermal MSRs);
//   * topology: one thread per core, all vCPUs cores of one package; leaf
//     0xB gives x2APIC id = vCPU id (leaf 0x1F is not offered);
//   * hidden leaves read as zeros: 3, 5 (MONITOR), 0xA (perfmon), 0x12
//     (SGX), 0x14 (PT), 0x8000000A (SVM), 0x8000001F (SME/SEV) and the
//     rest that are not listed as passed;
//   * max basic leaf: min(host, 0xD) but at least 0xB (we make leaf 0xB);
//     max extended leaf: min(host, 0x80000008);
//   * leaf 7 (sub-leaves 0 and 1): computational features kept; hidden:
//     SGX, MPX, PT, CET, WAITPKG, TME, LA57 (the walker has no 5-level
//     paging), RDPID, hybrid, PCONFIG, arch LBR, HRESET, LAM and the
//     speculation-control bits whose MSRs (SPEC_CTRL, PRED_CMD, FLUSH_CMD,
//     ARCH/CORE_CAPABILITIES) the MSR policy does not offer; OSPKE mirrors
//     the guest's CR4.PKE; 0x80000008 EBX keeps only CLZERO, XSAVE error
//     pointers, WBNOINVD and SSB_NO;
//   * 0x80000001: SVM, extended APIC space, IBS, SKINIT, WDT, LWP, TCE,
//     NodeId, TOPOEXT, the perf-counter extensions, MONITORX hidden; RDTSCP
//     hidden (no TSC_AUX MSR); 0x80000007: invariant TSC only; 0x80000008
//     ECX: core count and APIC id size as leaf 0xB says;
//   * leaf 0xD passed as the host has it, except the supervisor (XSS)
//     components, MPX state and XSAVES/XFD (no IA32_XSS, IA32_XFD MSRs);
//     sizes are computed for the guest's XCR0. With expose_xsave = false,
//     XSAVE and everything that needs it (AVX, FMA, F16C, AVX2, AVX-512,
//     XOP, FMA4, ...) are hidden and leaf 0xD reads zeros;
//   * 0x40000000-0x4000ffff: Xen's leaves (xen_leaves.hpp), PVH flavour.
#pragma once

#include "core/hvm/cpuid_leaf.hpp"

#include <cstdint>

namespace pv::hvm {

// The host CPU's raw answers (the arch layer executes CPUID).
class HostCpuid {
public:
    virtual CpuidLeaf query(uint32_t leaf, uint32_t subleaf) const = 0;

protected:
    ~HostCpuid() = default;
};

struct PvhCpuidContext {
    uint32_t vcpu_id = 0;    // also the x2APIC id; < vcpu_count
    uint32_t vcpu_count = 1; // vCPUs of the domain, 1..255
    uint16_t domain_id = 0;
    uint32_t xen_version = 0; // (major << 16) | minor
    // The guest's CR4.OSXSAVE (bit 18), reflected in leaf 1 ECX bit 27.
    bool guest_osxsave = false;
    // The guest's CR4.PKE (bit 22), reflected in leaf 7 ECX bit 4 (OSPKE).
    bool guest_ospke = false;
    // The guest's XCR0: leaf 0xD sub-leaf 0 EBX (and sub-leaf 1 EBX) give
    // the save-area size for it, whatever the XCR0 the host CPUID ran with.
    uint64_t guest_xcr0 = 1;
    // The backend handles XSETBV and switches XCR0 with the guest; if not,
    // XSAVE and the features that need it are hidden.
    bool expose_xsave = true;
};

inline constexpr uint32_t k_pvh_max_basic_leaf = 0xd;
inline constexpr uint32_t k_pvh_max_extended_leaf = 0x8000'0008;

// The guest's CPUID(leaf, subleaf).
CpuidLeaf pvh_cpuid(const HostCpuid& host, const PvhCpuidContext& ctx, uint32_t leaf,
                    uint32_t subleaf);

} // namespace pv::hvm
