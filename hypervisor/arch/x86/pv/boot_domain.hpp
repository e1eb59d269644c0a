// The boot domain (Dom0): built from the first boot module (its command
// line becomes the domain's), with the second module as its initrd, the
// way Xen builds a PV Dom0.
#pragma once

#include "arch/x86/pv/m2p.hpp"
#include "core/boot/boot_info.hpp"
#include "core/domain/domain.hpp"
#include "core/memory/frame_allocator.hpp"

#include <cstdint>

namespace pv::x86 {

struct BootDomainRequest {
    const BootInfo* boot = nullptr;
    FrameAllocator* frames = nullptr;
    MachineToPhys* m2p = nullptr;
    uint64_t hypervisor_cr3 = 0; // its L4 slots 256-271 go into the guest's L4
    uint64_t memory_bytes = 0;   // dom0_mem=; 0 = the default
    uint64_t wallclock_seconds = 0;
    // A device-tree description's choice (boot_time_domains.hpp). Without
    // `kernel`: module 0, module 1 as the initrd and module 0's command line.
    // With it: `initrd` (may be null), and `cmdline` if not null.
    const BootModule* kernel = nullptr;
    const BootModule* initrd = nullptr;
    const char* cmdline = nullptr;
};

// Builds the domain into `domain` with its vCPU 0 `vcpu`. On failure logs
// one line naming the reason, returns the frames and returns an error.
Status build_boot_domain(const BootDomainRequest& request, Domain& domain, Vcpu& vcpu);

} // namespace pv::x86
