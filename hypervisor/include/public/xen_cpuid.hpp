// The hypervisor CPUID leaves a Xen guest looks for, and the prefix a PV
// guest uses to have CPUID emulated. Facts of Xen's arch-x86/cpuid.h and
// arch-x86/xen.h, in our words.
//
// The Xen leaves start at the first 0x100-aligned base from 0x40000000 up
// whose first leaf carries the signature (another hypervisor interface,
// e.g. Viridian, may sit at 0x40000000 and push Xen's to 0x40000100).
// Leaves relative to that base:
//   +0 signature: eax = highest Xen leaf; ebx, ecx, edx = "XenV" "MMXe" "nVMM"
//   +1 version:   eax = (major << 16) | minor; ebx..edx = 0
//   +2 hypercall: eax = number of hypercall pages (1); ebx = MSR whose write
//                 of a guest address fills a hypercall page there;
//                 ecx = k_xen_cpuid_feat1_*; edx = 0
//   +3 time:      sub-leaf 0: eax = k_xen_cpuid_tsc_* flags, ebx = TSC mode,
//                 ecx = guest TSC kHz, edx = incarnation; sub-leaf 1: TSC
//                 offset (eax low, ebx high), tsc->ns mul (ecx), shift (edx);
//                 sub-leaf 2: eax = host TSC kHz
//   +4 HVM:       eax = k_xen_hvm_cpuid_*; ebx = vCPU id, ecx = domain id
//                 (when the matching flag is set)
//   +5 PV:        eax = highest sub-leaf; ebx[7:0] = machine address width
#ifndef PARAVANE_PUBLIC_XEN_CPUID_HPP
#define PARAVANE_PUBLIC_XEN_CPUID_HPP

#include "types.hpp"

namespace pv::abi {

inline constexpr uint32_t k_xen_cpuid_first_leaf = 0x4000'0000;
inline constexpr uint32_t k_xen_cpuid_base_stride = 0x100;
inline constexpr uint32_t k_xen_cpuid_max_num_leaves = 5; // highest offset defined

constexpr uint32_t xen_cpuid_leaf(uint32_t base, uint32_t offset) {
    return base + offset;
}

inline constexpr uint32_t k_xen_cpuid_leaf_signature = 0;
inline constexpr uint32_t k_xen_cpuid_leaf_version = 1;
inline constexpr uint32_t k_xen_cpuid_leaf_hypercall = 2;
inline constexpr uint32_t k_xen_cpuid_leaf_time = 3;
inline constexpr uint32_t k_xen_cpuid_leaf_hvm = 4;
inline constexpr uint32_t k_xen_cpuid_leaf_pv = 5;

// "XenVMMXenVMM" as little-endian register contents.
inline constexpr char k_xen_cpuid_signature[] = "XenVMMXenVMM";
inline constexpr uint32_t k_xen_cpuid_signature_ebx = 0x566e6558; // "XenV"
inline constexpr uint32_t k_xen_cpuid_signature_ecx = 0x65584d4d; // "MMXe"
inline constexpr uint32_t k_xen_cpuid_signature_edx = 0x4d4d566e; // "nVMM"

// The hypercall-page MSR Xen reports in leaf +2 ebx when no other
// hypervisor interface is exposed (0x40000200 when Viridian is).
inline constexpr uint32_t k_xen_hypercall_page_msr = 0x4000'0000;

// Leaf +2 ecx.
inline constexpr uint32_t k_xen_cpuid_feat1_mmu_pt_update_preserve_ad = 1u << 0;

// Leaf +3 sub-leaf 0.
inline constexpr uint32_t k_xen_cpuid_tsc_emulated = 1u << 0;
inline constexpr uint32_t k_xen_cpuid_host_tsc_reliable = 1u << 1;
inline constexpr uint32_t k_xen_cpuid_rdtscp_instr_avail = 1u << 2;
inline constexpr uint32_t k_xen_cpuid_tsc_mode_default = 0;
inline constexpr uint32_t k_xen_cpuid_tsc_mode_always_emulate = 1;
inline constexpr uint32_t k_xen_cpuid_tsc_mode_never_emulate = 2;
inline constexpr uint32_t k_xen_cpuid_tsc_mode_pvrdtscp = 3;

// Leaf +4 eax.
inline constexpr uint32_t k_xen_hvm_cpuid_apic_access_virt = 1u << 0;
inline constexpr uint32_t k_xen_hvm_cpuid_x2apic_virt = 1u << 1;
inline constexpr uint32_t k_xen_hvm_cpuid_iommu_mappings = 1u << 2;
inline constexpr uint32_t k_xen_hvm_cpuid_vcpu_id_present = 1u << 3;
inline constexpr uint32_t k_xen_hvm_cpuid_domid_present = 1u << 4;
inline constexpr uint32_t k_xen_hvm_cpuid_ext_dest_id = 1u << 5;
inline constexpr uint32_t k_xen_hvm_cpuid_upcall_vector = 1u << 6;

// Leaf +5 ebx.
inline constexpr uint32_t k_xen_cpuid_machine_address_width_mask = 0xff;

// A PV guest cannot trap CPUID natively, so it prefixes the instruction
// with ud2 and the bytes "xen"; the #UD handler recognises the five bytes
// and emulates the CPUID that follows against the guest's policy:
//   0f 0b 78 65 6e 0f a2      ud2; .ascii "xen"; cpuid
inline constexpr uint8_t k_xen_emulate_prefix[] = {0x0f, 0x0b, 0x78, 0x65, 0x6e};
inline constexpr uint8_t k_cpuid_opcode[] = {0x0f, 0xa2};

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_XEN_CPUID_HPP
