// AMD SVM behind the vendor-neutral hvm::Backend: containers from a fixed
// pool, one ASID each (APM Vol. 2 §15.16).
#pragma once

#include "arch/x86/hvm/container.hpp"
#include "arch/x86/svm/svm_container.hpp"
#include "arch/x86/svm/svm_cpus.hpp"
#include "core/memory/frame_allocator.hpp"
#include "lib/spinlock.hpp"

#include <cstdint>

namespace pv::x86::svm {

class SvmBackend final : public hvm::Backend {
public:
    static constexpr uint32_t k_max_containers = 64;

    // `asid_count` is CPUID 8000_000Ah:EBX, the number of ASIDs (ASID 0 is the host's).
    SvmBackend(FrameAllocator& frames, uint32_t asid_count)
        : frames_(frames), asid_count_(asid_count) {}

    const char* name() const override { return "AMD SVM"; }
    Status enable_this_cpu(uint32_t cpu_index) override {
        return cpus_.enable_this_cpu(cpu_index, frames_);
    }
    const pv::nested::NestedEntryFormat& nested_format() const override {
        return pv::nested::k_npt_format;
    }
    void hypercall_instruction(uint8_t (&bytes)[3]) const override {
        bytes[0] = 0x0f, bytes[1] = 0x01, bytes[2] = 0xd9; // VMMCALL (APM Vol. 3)
    }
    Result<hvm::Container*> create(const hvm::GuestStart& start) override;
    void destroy(hvm::Container* container) override;

private:
    FrameAllocator& frames_;
    uint32_t asid_count_;
    SvmCpus cpus_;
    SpinLock lock_; // guards which containers_ are in use
    SvmContainer containers_[k_max_containers];
};

} // namespace pv::x86::svm
