// Chooses the hardware-container vendor once at boot (DESIGN.md §3): SVM
// with nested paging, or VMX with EPT and unrestricted guest. The
// composition root owns the storage; nothing else names a vendor.
#pragma once

#include "arch/x86/cpu_features.hpp"
#include "arch/x86/hvm/container.hpp"
#include "arch/x86/svm/svm_backend.hpp"
#include "arch/x86/vmx/vmx_backend.hpp"
#include "core/memory/frame_allocator.hpp"

namespace pv::x86::hvm {

// Room for either vendor's backend.
struct BackendStorage {
    static constexpr size_t k_size = sizeof(svm::SvmBackend) > sizeof(vmx::VmxBackend)
                                         ? sizeof(svm::SvmBackend)
                                         : sizeof(vmx::VmxBackend);
    static constexpr size_t k_align = alignof(svm::SvmBackend) > alignof(vmx::VmxBackend)
                                          ? alignof(svm::SvmBackend)
                                          : alignof(vmx::VmxBackend);
    alignas(k_align) unsigned char bytes[k_size];
};

// The backend for this machine, built in `storage`, or null when hardware
// containers cannot run here; then `*why_not` says why.
Backend* select_backend(const Virtualization& virt, FrameAllocator& frames, BackendStorage& storage,
                        const char** why_not);

} // namespace pv::x86::hvm
