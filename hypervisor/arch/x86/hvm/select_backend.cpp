#include "arch/x86/hvm/select_backend.hpp"

#include "arch/x86/cpu.hpp"

#include <new>

namespace pv::x86::hvm {

Backend* select_backend(const Virtualization& virt, FrameAllocator& frames, BackendStorage& storage,
                        const char** why_not) {
    *why_not = nullptr;
    if (virt.kind == VirtualizationKind::none) {
        *why_not = "the CPU has no hardware virtualization";
        return nullptr;
    }
    if (virt.disabled_by_firmware) {
        *why_not = "firmware disabled hardware virtualization";
        return nullptr;
    }
    if (virt.kind == VirtualizationKind::vmx) {
        if (!virt.vmx_ept || !virt.vmx_unrestricted) {
            *why_not = "Intel VMX without EPT or unrestricted guest";
            return nullptr;
        }
        // The controls every VMCS will use, or what the CPU lacks for them.
        vmx::VmxSetup setup;
        if (!vmx::compute_setup(vmx::read_capabilities(), setup, why_not)) return nullptr;
        return new (storage.bytes) vmx::VmxBackend(frames, setup);
    }
    if (!virt.svm_npt) {
        *why_not = "AMD SVM without nested paging";
        return nullptr;
    }
    // CPUID 8000_000Ah:EBX: the number of ASIDs (APM Vol. 3, CPUID Fn8000_000A).
    const uint32_t asid_count = cpuid(0x8000000a).ebx;
    return new (storage.bytes) svm::SvmBackend(frames, asid_count);
}

} // namespace pv::x86::hvm
