// Intel VMX behind the vendor-neutral hvm::Backend: containers from a fixed
// pool, one VPID each (SDM Vol. 3 §29.1), every VMCS built from the controls
// the capability MSRs allow (vmx_capabilities.hpp).
#pragma once

#include "arch/x86/hvm/container.hpp"
#include "arch/x86/vmx/vmx_capabilities.hpp"
#include "arch/x86/vmx/vmx_container.hpp"
#include "arch/x86/vmx/vmx_cpus.hpp"
#include "core/memory/frame_allocator.hpp"
#include "lib/spinlock.hpp"

#include <cstdint>

namespace pv::x86::vmx {

// The capability MSRs of the calling CPU: the TRUE_* controls where
// IA32_VMX_BASIC bit 55 says they exist (SDM Vol. 3 Appendix A.2).
CapabilityMsrs read_capabilities();

class VmxBackend final : public hvm::Backend {
public:
    static constexpr uint32_t k_max_containers = 64;

    // `setup` from compute_setup() on this machine's capabilities.
    VmxBackend(FrameAllocator& frames, const VmxSetup& setup) : frames_(frames), setup_(setup) {}

    const char* name() const override { return "Intel VMX"; }
    Status enable_this_cpu(uint32_t cpu_index) override {
        return cpus_.enable_this_cpu(cpu_index, setup_, frames_);
    }
    const pv::nested::NestedEntryFormat& nested_format() const override {
        return pv::nested::k_ept_format;
    }
    void hypercall_instruction(uint8_t (&bytes)[3]) const override {
        bytes[0] = 0x0f, bytes[1] = 0x01, bytes[2] = 0xc1; // VMCALL
    }
    Result<hvm::Container*> create(const hvm::GuestStart& start) override;
    void destroy(hvm::Container* container) override;

private:
    FrameAllocator& frames_;
    VmxSetup setup_;
    VmxCpus cpus_;
    SpinLock lock_; // guards which containers_ are in use
    VmxContainer containers_[k_max_containers];
};

} // namespace pv::x86::vmx
