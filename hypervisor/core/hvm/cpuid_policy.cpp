#include "core/hvm/cpuid_policy.hpp"

#include "core/hvm/xen_leaves.hpp"

namespace pv::hvm {

namespace {

constexpr uint32_t bit(unsigned n) { return 1u << n; }

// Leaf 1 ECX (SDM Vol. 2A Table 3-10).
constexpr uint32_t k_1c_monitor = bit(3), k_1c_vmx = bit(5), k_1c_smx = bit(6), k_1c_est = bit(7),
                   k_1c_tm2 = bit(8), k_1c_fma = bit(12), k_1c_pdcm = bit(15), k_1c_dca = bit(18),
                   k_1c_x2apic = bit(21), k_1c_tsc_deadline = bit(24), k_1c_xsave = bit(26),
                   k_1c_osxsave = bit(27), k_1c_avx = bit(28), k_1c_f16c = bit(29),
                   k_1c_hypervisor = bit(31);
// Leaf 1 EDX.
constexpr uint32_t k_1d_mce = bit(7), k_1d_apic = bit(9), k_1d_mca = bit(14), k_1d_ds = bit(21),
                   k_1d_acpi = bit(22), k_1d_htt = bit(28), k_1d_tm = bit(29), k_1d_pbe = bit(31);

// Leaf 7 sub-leaf 0.
constexpr uint32_t k_7b_sgx = bit(2), k_7b_avx2 = bit(5), k_7b_mpx = bit(14), k_7b_pt = bit(25);
constexpr uint32_t k_7b_avx512 = bit(16) | bit(17) | bit(21) | bit(26) | bit(27) | bit(28) |
                                 bit(30) | bit(31);
constexpr uint32_t k_7c_ospke = bit(4), k_7c_waitpkg = bit(5), k_7c_cet_ss = bit(7),
                   k_7c_tme = bit(13), k_7c_la57 = bit(16), k_7c_rdpid = bit(22),
                   k_7c_sgx_lc = bit(30);
constexpr uint32_t k_7c_vex_or_evex = bit(1) | bit(6) | bit(9) | bit(10) | bit(11) | bit(12) |
                                      bit(14);
constexpr uint32_t k_7d_hybrid = bit(15), k_7d_pconfig = bit(18), k_7d_arch_lbr = bit(19),
                   k_7d_cet_ibt = bit(20);
// IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD:
// each promises an MSR the MSR policy does not offer.
constexpr uint32_t k_7d_msr_backed = bit(26) | bit(27) | bit(28) | bit(29) | bit(30) | bit(31);
constexpr uint32_t k_7d_evex_amx = bit(2) | bit(3) | bit(8) | bit(22) | bit(23) | bit(24) | bit(25);
// Leaf 7 sub-leaf 1 EAX.
constexpr uint32_t k_7_1a_avx = bit(4) | bit(5), k_7_1a_hreset = bit(22), k_7_1a_lam = bit(26);

// 0x80000001 ECX (APM Vol. 3 Appendix E.4.2).
constexpr uint32_t k_e1c_hidden = bit(2) /*SVM*/ | bit(3) /*ExtApicSpace*/ | bit(10) /*IBS*/ |
                                  bit(12) /*SKINIT*/ | bit(13) /*WDT*/ | bit(15) /*LWP*/ |
                                  bit(17) /*TCE*/ | bit(19) /*NodeId*/ | bit(22) /*TOPOEXT*/ |
                                  bit(23) | bit(24) | bit(26) | bit(27) | bit(28) /*perf*/ |
                                  bit(29) /*MONITORX*/;
constexpr uint32_t k_e1c_xop_fma4 = bit(11) | bit(16);
constexpr uint32_t k_e1d_rdtscp = bit(27);
// 0x80000007 EDX: invariant TSC only.
constexpr uint32_t k_e7d_invariant_tsc = bit(8);
// 0x80000008 EBX kept: CLZERO, XSAVE error pointers, WBNOINVD, SSB_NO.
constexpr uint32_t k_e8b_kept = bit(0) | bit(2) | bit(9) | bit(26);

// XSAVE components (SDM Vol. 1 §13.1): x87 and SSE live in the legacy
// area; MPX's two are hidden with MPX.
constexpr uint64_t k_xsave_legacy_size = 512 + 64;
constexpr uint64_t k_xcr0_mpx = (1u << 3) | (1u << 4);

// log2 of the number of x2APIC ids the vCPUs of a package span.
uint32_t core_shift(uint32_t vcpu_count) {
    uint32_t shift = 0;
    while ((1u << shift) < vcpu_count) ++shift;
    return shift;
}

uint64_t supported_xcr0(const HostCpuid& host) {
    const CpuidLeaf l = host.query(0xd, 0);
    return ((uint64_t{l.edx} << 32) | l.eax) & ~k_xcr0_mpx;
}

// A user (XCR0) component other than the legacy two, offered to the guest.
bool offered_component(const HostCpuid& host, uint64_t supported, uint32_t index) {
    if (index < 2 || index > 63 || !((supported >> index) & 1)) return false;
    return (host.query(0xd, index).ecx & 1) == 0; // ECX bit 0: supervisor (XSS) state
}

// Standard-format size of the XSAVE area for the components in `mask`.
uint32_t xsave_size(const HostCpuid& host, uint64_t supported, uint64_t mask) {
    uint64_t size = k_xsave_legacy_size;
    for (uint32_t i = 2; i < 64; ++i) {
        if (!((mask >> i) & 1) || !offered_component(host, supported, i)) continue;
        const CpuidLeaf c = host.query(0xd, i);
        if (uint64_t{c.ebx} + c.eax > size) size = uint64_t{c.ebx} + c.eax;
    }
    return static_cast<uint32_t>(size);
}

// Compacted-format size (XSAVEC) for `mask`: components in order, each
// 64-byte aligned when its sub-leaf ECX bit 1 says so.
uint32_t xsave_compacted_size(const HostCpuid& host, uint64_t supported, uint64_t mask) {
    uint64_t size = k_xsave_legacy_size;
    for (uint32_t i = 2; i < 64; ++i) {
        if (!((mask >> i) & 1) || !offered_component(host, supported, i)) continue;
        const CpuidLeaf c = host.query(0xd, i);
        if (c.ecx & 2) size = (size + 63) & ~uint64_t{63};
        size += c.eax;
    }
    return static_cast<uint32_t>(size);
}

CpuidLeaf leaf_1(const HostCpuid& host, const PvhCpuidContext& ctx) {
    CpuidLeaf r = host.query(1, 0);
    r.ecx &= ~(k_1c_monitor | k_1c_vmx | k_1c_smx | k_1c_est | k_1c_tm2 | k_1c_pdcm | k_1c_dca |
               k_1c_tsc_deadline | k_1c_osxsave);
    if (!ctx.expose_xsave) r.ecx &= ~(k_1c_xsave | k_1c_avx | k_1c_fma | k_1c_f16c);
    if (ctx.expose_xsave && (r.ecx & k_1c_xsave) && ctx.guest_osxsave) r.ecx |= k_1c_osxsave;
    r.ecx |= k_1c_x2apic | k_1c_hypervisor;
    r.edx &= ~(k_1d_mce | k_1d_mca | k_1d_ds | k_1d_acpi | k_1d_tm | k_1d_pbe | k_1d_htt);
    r.edx |= k_1d_apic;
    if (ctx.vcpu_count > 1) r.edx |= k_1d_htt;
    // EBX: initial APIC id (31:24), addressable logical ids per package
    // (23:16), CLFLUSH size and brand index kept.
    const uint32_t ids = 1u << core_shift(ctx.vcpu_count);
    r.ebx = (r.ebx & 0xffffu) | ((ids & 0xff) << 16) | ((ctx.vcpu_id & 0xff) << 24);
    return r;
}

CpuidLeaf leaf_4(const HostCpuid& host, const PvhCpuidContext& ctx, uint32_t subleaf) {
    CpuidLeaf r = host.query(4, subleaf);
    if ((r.eax & 0x1f) == 0) return r; // no cache here (or an AMD CPU: all zeros)
    // EAX 31:26 = core ids per package - 1; 25:14 = threads sharing - 1:
    // every vCPU a core of its own with private caches.
    const uint32_t cores = 1u << core_shift(ctx.vcpu_count);
    r.eax = (r.eax & 0x3fffu) | ((cores - 1) << 26);
    return r;
}

CpuidLeaf leaf_7(const HostCpuid& host, const PvhCpuidContext& ctx, uint32_t subleaf) {
    if (subleaf > 1) return {0, 0, 0, 0};
    CpuidLeaf r = host.query(7, subleaf);
    if (subleaf == 1) {
        r.eax &= ~(k_7_1a_hreset | k_7_1a_lam);
        if (!ctx.expose_xsave) r.eax &= ~k_7_1a_avx;
        r.ebx = r.ecx = r.edx = 0;
        return r;
    }
    if (r.eax > 1) r.eax = 1;
    r.ebx &= ~(k_7b_sgx | k_7b_mpx | k_7b_pt);
    r.ecx &= ~(k_7c_ospke | k_7c_waitpkg | k_7c_cet_ss | k_7c_tme | k_7c_la57 | k_7c_rdpid |
               k_7c_sgx_lc);
    r.edx &= ~(k_7d_hybrid | k_7d_pconfig | k_7d_arch_lbr | k_7d_cet_ibt | k_7d_msr_backed);
    if (!ctx.expose_xsave) {
        r.ebx &= ~(k_7b_avx2 | k_7b_avx512);
        r.ecx &= ~k_7c_vex_or_evex;
        r.edx &= ~k_7d_evex_amx;
    }
    if (ctx.guest_ospke && (r.ecx & bit(3))) r.ecx |= k_7c_ospke; // PKU present
    return r;
}

// x2APIC topology (SDM Vol. 2A "CPUID leaf 0BH"): an SMT level of one
// thread, then a core level holding every vCPU.
CpuidLeaf leaf_b(const PvhCpuidContext& ctx, uint32_t subleaf) {
    switch (subleaf) {
    case 0: return {0, 1, 0 | (1u << 8), ctx.vcpu_id};
    case 1: return {core_shift(ctx.vcpu_count), ctx.vcpu_count, 1 | (2u << 8), ctx.vcpu_id};
    default: return {0, 0, subleaf & 0xff, ctx.vcpu_id};
    }
}

CpuidLeaf leaf_d(const HostCpuid& host, const PvhCpuidContext& ctx, uint32_t subleaf) {
    if (!ctx.expose_xsave || !(host.query(1, 0).ecx & k_1c_xsave)) return {0, 0, 0, 0};
    const uint64_t supported = supported_xcr0(host);
    if (subleaf == 0) {
        const uint64_t xcr0 = ctx.guest_xcr0 & supported;
        return {static_cast<uint32_t>(supported), xsave_size(host, supported, xcr0),
                xsave_size(host, supported, supported), static_cast<uint32_t>(supported >> 32)};
    }
    if (subleaf == 1) {
        // XSAVEOPT, XSAVEC, XGETBV with ECX = 1 kept; XSAVES and XFD hidden,
        // so no supervisor state (ECX, EDX) either.
        const uint32_t eax = host.query(0xd, 1).eax & 0x7u;
        const uint32_t size = (eax & 2) ? xsave_compacted_size(host, supported, ctx.guest_xcr0 & supported) : 0;
        return {eax, size, 0, 0};
    }
    if (!offered_component(host, supported, subleaf)) return {0, 0, 0, 0};
    return host.query(0xd, subleaf);
}

CpuidLeaf basic_leaf(const HostCpuid& host, const PvhCpuidContext& ctx, uint32_t leaf,
                     uint32_t subleaf) {
    const uint32_t host_max = host.query(0, 0).eax;
    uint32_t max = host_max < k_pvh_max_basic_leaf ? host_max : k_pvh_max_basic_leaf;
    if (max < 0xb) max = 0xb;
    if (leaf > max) return {0, 0, 0, 0};
    if (leaf == 0xb) return leaf_b(ctx, subleaf);
    if (leaf > host_max) return {0, 0, 0, 0};
    switch (leaf) {
    case 0: {
        CpuidLeaf r = host.query(0, 0);
        r.eax = max;
        return r;
    }
    case 1: return leaf_1(host, ctx);
    case 2: return host.query(2, 0);
    case 4: return leaf_4(host, ctx, subleaf);
    case 6: return {bit(2), 0, 0, 0}; // ARAT: the APIC timer runs in every C-state
    case 7: return leaf_7(host, ctx, subleaf);
    case 0xd: return leaf_d(host, ctx, subleaf);
    default: return {0, 0, 0, 0}; // 3, 5 (MONITOR), 8, 9, 0xA (perfmon), 0xC
    }
}

CpuidLeaf extended_leaf(const HostCpuid& host, const PvhCpuidContext& ctx, uint32_t leaf) {
    const uint32_t host_max = host.query(0x8000'0000u, 0).eax;
    if (host_max < 0x8000'0000u) return {0, 0, 0, 0}; // no extended leaves at all
    const uint32_t max = host_max < k_pvh_max_extended_leaf ? host_max : k_pvh_max_extended_leaf;
    if (leaf > max) return {0, 0, 0, 0};
    CpuidLeaf r = host.query(leaf, 0);
    switch (leaf) {
    case 0x8000'0000: r.eax = max; break;
    case 0x8000'0001:
        r.ecx &= ~k_e1c_hidden;
        if (!ctx.expose_xsave) r.ecx &= ~k_e1c_xop_fma4;
        r.edx &= ~k_e1d_rdtscp;
        break;
    case 0x8000'0007: r = {0, 0, 0, r.edx & k_e7d_invariant_tsc}; break;
    case 0x8000'0008: {
        // ECX: ApicIdSize (15:12) and NC, cores - 1 (7:0), as leaf 0xB says.
        const uint32_t shift = core_shift(ctx.vcpu_count);
        r.ebx &= k_e8b_kept;
        r.ecx = (shift << 12) | ((ctx.vcpu_count - 1) & 0xff);
        r.edx = 0;
        break;
    }
    default: break; // brand string (2-4), L1/L2/L3 cache and TLB (5, 6)
    }
    return r;
}

} // namespace

CpuidLeaf pvh_cpuid(const HostCpuid& host, const PvhCpuidContext& ctx, uint32_t leaf,
                    uint32_t subleaf) {
    if (is_hypervisor_leaf(leaf))
        return xen_leaf({GuestKind::pvh, ctx.vcpu_id, ctx.domain_id, ctx.xen_version}, leaf, subleaf);
    if (leaf < 0x4000'0000u) return basic_leaf(host, ctx, leaf, subleaf);
    if (leaf >= 0x8000'0000u && leaf < 0x8001'0000u) return extended_leaf(host, ctx, leaf);
    return {0, 0, 0, 0};
}

} // namespace pv::hvm
