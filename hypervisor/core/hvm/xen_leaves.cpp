#include "core/hvm/xen_leaves.hpp"

#include "include/public/xen_cpuid.hpp"

namespace pv::hvm {

CpuidLeaf xen_leaf(const XenLeavesContext& ctx, uint32_t leaf, uint32_t subleaf) {
    const uint32_t base = abi::k_xen_cpuid_first_leaf;
    // Leaf +5 is PV-only in Xen; a PVH guest is told +4 is the last.
    const uint32_t last = ctx.kind == GuestKind::pv ? abi::k_xen_cpuid_leaf_pv
                                                    : abi::k_xen_cpuid_leaf_hvm;
    if (leaf < base || leaf - base > last) return {0, 0, 0, 0};
    switch (leaf - base) {
    case abi::k_xen_cpuid_leaf_signature:
        return {base + last, abi::k_xen_cpuid_signature_ebx, abi::k_xen_cpuid_signature_ecx,
                abi::k_xen_cpuid_signature_edx};
    case abi::k_xen_cpuid_leaf_version:
        return {ctx.xen_version, 0, 0, 0};
    case abi::k_xen_cpuid_leaf_hypercall:
        // One hypercall page, filled by a write to this MSR. No feature bits:
        // mmu_update does not preserve A/D bits here.
        return {1, abi::k_xen_hypercall_page_msr, 0, 0};
    case abi::k_xen_cpuid_leaf_hvm: {
        if (ctx.kind != GuestKind::pvh || subleaf != 0) return {0, 0, 0, 0};
        // No APIC-access or x2APIC virtualization flags: those promise
        // hardware-accelerated APIC registers, and ours are trapped.
        const uint32_t flags = abi::k_xen_hvm_cpuid_vcpu_id_present |
                               abi::k_xen_hvm_cpuid_domid_present |
                               abi::k_xen_hvm_cpuid_upcall_vector;
        return {flags, ctx.vcpu_id, ctx.domain_id, 0};
    }
    default: // +3 time (guests use pvclock), +5 PV (no address width yet)
        return {0, 0, 0, 0};
    }
}

} // namespace pv::hvm
