// SVM on each CPU: EFER.SVME, the host save area that VMRUN writes
// (VM_HSAVE_PA), and the page the world switch VMSAVEs the host's
// FS/GS/TR/LDTR/syscall state into (APM Vol. 2 §15.4, §15.30.4).
#pragma once

#include "arch/x86/percpu.hpp"
#include "core/memory/frame_allocator.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv::x86::svm {

class SvmCpus {
public:
    // On the calling CPU: EFER.SVME and VM_HSAVE_PA. EBUSY if done already,
    // ENODEV if firmware locked SVM off (VM_CR.SVMDIS), ENOMEM without frames.
    Status enable_this_cpu(uint32_t cpu_index, FrameAllocator& frames);
    bool enabled(uint32_t cpu_index) const {
        return cpu_index < k_max_cpus && host_save_phys_[cpu_index] != 0;
    }
    uint64_t host_save_phys(uint32_t cpu_index) const { return host_save_phys_[cpu_index]; }

private:
    uint64_t hsave_phys_[k_max_cpus] = {};     // VM_HSAVE_PA: the CPU's own use
    uint64_t host_save_phys_[k_max_cpus] = {}; // VMSAVE/VMLOAD of the host's state
};

} // namespace pv::x86::svm
