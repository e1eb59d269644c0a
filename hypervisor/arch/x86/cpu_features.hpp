// What the boot CPU offers, read once from CPUID and the VMX capability MSRs.
#pragma once

#include <cstdint>

namespace pv::x86 {

enum class VirtualizationKind { none, svm, vmx };

struct Virtualization {
    VirtualizationKind kind = VirtualizationKind::none;
    bool svm_npt = false;         // AMD nested paging
    bool svm_nrip_save = false;   // VMCB next-RIP on intercepts
    bool vmx_ept = false;         // Intel extended page tables
    bool vmx_unrestricted = false; // real mode / unpaged guests
    bool disabled_by_firmware = false;
    // "usable for PVH": what later issues will ask before building a container
    bool usable() const {
        return (kind == VirtualizationKind::svm && svm_npt) ||
               (kind == VirtualizationKind::vmx && vmx_ept && vmx_unrestricted);
    }
};

struct CpuFeatures {
    char vendor[13] = {};
    char brand[49] = {};
    uint32_t family = 0, model = 0, stepping = 0;
    bool nx = false, smep = false, smap = false, pge = false, pdpe1gb = false;
    bool x2apic = false, tsc_deadline = false, invariant_tsc = false;
    Virtualization virt;
};

CpuFeatures detect_cpu_features();
const char* describe(const Virtualization& v, char* buffer, unsigned size);

} // namespace pv::x86
