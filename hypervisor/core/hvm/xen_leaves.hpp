// Xen's hypervisor CPUID leaves (0x40000000 + n), shared by PV emulation
// (arch/x86/pv/emulate.cpp) and the PVH policy (cpuid_policy.hpp), so both
// kinds of guest see the same interface. Layout facts: Xen's
// arch-x86/cpuid.h (summarised in include/public/xen_cpuid.hpp).
//
// We expose no other hypervisor interface, so Xen's leaves sit at the
// first base, 0x40000000, and the hypercall-page MSR is 0x40000000.
#pragma once

#include "core/hvm/cpuid_leaf.hpp"

#include <cstdint>

namespace pv::hvm {

enum class GuestKind : uint8_t { pv, pvh };

struct XenLeavesContext {
    GuestKind kind;
    uint32_t vcpu_id;
    uint16_t domain_id;
    uint32_t xen_version; // (major << 16) | minor, as XENVER_version reports
};

// True for the whole hypervisor range 0x40000000-0x4000ffff that
// xen_leaf() answers (anything past Xen's last leaf reads as zeros).
constexpr bool is_hypervisor_leaf(uint32_t leaf) {
    return (leaf & 0xffff0000u) == 0x40000000u;
}

// The answer to CPUID(leaf, subleaf) for a hypervisor leaf:
//   +0 signature, highest leaf: +4 for PVH, +5 for PV (Xen's limit; leaf +5
//      is PV-only and reads as zeros here: no machine address width yet);
//   +1 version; +2 one hypercall page through MSR 0x40000000;
//   +3 time leaf: zeros (no TSC-mode information: guests use pvclock);
//   +4 (PVH only, sub-leaf 0) vCPU id and domain id present, per-vCPU
//      upcall vector supported (HVMOP_set_evtchn_upcall_vector); no APIC
//      register virtualization claimed (our x2APIC is trap-and-emulate).
CpuidLeaf xen_leaf(const XenLeavesContext& ctx, uint32_t leaf, uint32_t subleaf);

} // namespace pv::hvm
