#include "arch/x86/cpu_features.hpp"

#include "arch/x86/cpu.hpp"
#include "lib/format.hpp"

namespace pv::x86 {

namespace {

void copy_register_text(char* out, uint32_t value) {
    for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(value >> (8 * i));
}

// AMD APM Vol. 2 §15.4: SVM is present if CPUID 8000_0001h:ECX.SVM; firmware
// may lock it off with VM_CR.SVMDIS. Features are in CPUID 8000_000Ah:EDX.
void detect_svm(Virtualization& v, uint32_t max_extended) {
    if (max_extended < 0x80000001 || !(cpuid(0x80000001).ecx & (1u << 2))) return;
    v.kind = VirtualizationKind::svm;
    if (rdmsr(msr::vm_cr) & (1u << 4)) v.disabled_by_firmware = true;
    if (max_extended >= 0x8000000a) {
        uint32_t edx = cpuid(0x8000000a).edx;
        v.svm_npt = edx & (1u << 0);
        v.svm_nrip_save = edx & (1u << 3);
    }
}

// SDM Vol. 3 §25.6 and Appendix A.3: VMX is CPUID.1:ECX.VMX; EPT and
// unrestricted guest are secondary processor-based controls, available when
// the allowed-1 settings (high half of the capability MSRs) permit them.
void detect_vmx(Virtualization& v) {
    if (!(cpuid(1).ecx & (1u << 5))) return;
    v.kind = VirtualizationKind::vmx;
    uint64_t control = rdmsr(msr::feature_control);
    bool locked = control & 1, vmxon_outside_smx = control & (1u << 2);
    if (locked && !vmxon_outside_smx) v.disabled_by_firmware = true;
    uint64_t primary = rdmsr(msr::vmx_procbased_ctls);
    if (!(primary >> 32 & (1u << 31))) return; // no secondary controls at all
    uint64_t secondary = rdmsr(msr::vmx_procbased_ctls2);
    v.vmx_ept = secondary >> 32 & (1u << 1);
    v.vmx_unrestricted = secondary >> 32 & (1u << 7);
}

} // namespace

CpuFeatures detect_cpu_features() {
    CpuFeatures f;
    CpuidResult leaf0 = cpuid(0);
    copy_register_text(f.vendor + 0, leaf0.ebx);
    copy_register_text(f.vendor + 4, leaf0.edx);
    copy_register_text(f.vendor + 8, leaf0.ecx);

    CpuidResult leaf1 = cpuid(1);
    f.stepping = leaf1.eax & 0xf;
    f.model = (leaf1.eax >> 4) & 0xf;
    f.family = (leaf1.eax >> 8) & 0xf;
    if (f.family == 0xf) f.family += (leaf1.eax >> 20) & 0xff;
    if (f.family >= 6) f.model |= ((leaf1.eax >> 16) & 0xf) << 4;
    f.x2apic = leaf1.ecx & (1u << 21);
    f.tsc_deadline = leaf1.ecx & (1u << 24);
    f.pge = leaf1.edx & (1u << 13);
    if (leaf0.eax >= 7) {
        CpuidResult leaf7 = cpuid(7, 0);
        f.smep = leaf7.ebx & (1u << 7);
        f.smap = leaf7.ebx & (1u << 20);
    }

    uint32_t max_extended = cpuid(0x80000000).eax;
    if (max_extended >= 0x80000001) {
        CpuidResult ext = cpuid(0x80000001);
        f.nx = ext.edx & (1u << 20);
        f.pdpe1gb = ext.edx & (1u << 26);
    }
    if (max_extended >= 0x80000004) {
        for (uint32_t i = 0; i < 3; ++i) {
            CpuidResult r = cpuid(0x80000002 + i);
            copy_register_text(f.brand + 16 * i + 0, r.eax);
            copy_register_text(f.brand + 16 * i + 4, r.ebx);
            copy_register_text(f.brand + 16 * i + 8, r.ecx);
            copy_register_text(f.brand + 16 * i + 12, r.edx);
        }
    }
    if (max_extended >= 0x80000007) f.invariant_tsc = cpuid(0x80000007).edx & (1u << 8);

    detect_svm(f.virt, max_extended);
    if (f.virt.kind == VirtualizationKind::none) detect_vmx(f.virt);
    return f;
}

const char* describe(const Virtualization& v, char* buffer, unsigned size) {
    const char* firmware = v.disabled_by_firmware ? ", disabled by firmware" : "";
    switch (v.kind) {
    case VirtualizationKind::svm:
        format(buffer, size, "AMD SVM{}{}{}", v.svm_npt ? " with NPT" : " without NPT",
               v.svm_nrip_save ? ", nRIP save" : ", no nRIP save", firmware);
        break;
    case VirtualizationKind::vmx:
        format(buffer, size, "Intel VMX{}{}{}", v.vmx_ept ? " with EPT" : " without EPT",
               v.vmx_unrestricted ? ", unrestricted guest" : ", no unrestricted guest",
               firmware);
        break;
    case VirtualizationKind::none:
        format(buffer, size, "none (PV guests only)");
        break;
    }
    return buffer;
}

} // namespace pv::x86
