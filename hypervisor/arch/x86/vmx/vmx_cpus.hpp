// VMX on each CPU: IA32_FEATURE_CONTROL, the CR0/CR4 bits VMX operation
// requires, and the VMXON region (SDM Vol. 3 §25.7, §25.8, §25.11.5).
#pragma once

#include "arch/x86/percpu.hpp"
#include "arch/x86/vmx/vmx_capabilities.hpp"
#include "core/memory/frame_allocator.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv::x86::vmx {

class VmxCpus {
public:
    // On the calling CPU: locks IA32_FEATURE_CONTROL with VMXON allowed if
    // firmware left it open, applies the fixed CR0/CR4 bits and executes
    // VMXON. EBUSY if done already, ENODEV if firmware locked VMX off or
    // VMXON fails, ENOMEM without a frame, EINVAL for a bad index.
    Status enable_this_cpu(uint32_t cpu_index, const VmxSetup& setup, FrameAllocator& frames);
    bool enabled(uint32_t cpu_index) const {
        return cpu_index < k_max_cpus && vmxon_phys_[cpu_index] != 0;
    }

private:
    uint64_t vmxon_phys_[k_max_cpus] = {};
};

} // namespace pv::x86::vmx
