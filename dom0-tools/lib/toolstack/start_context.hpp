// The first vCPU's register state for a freshly built PV or PVH domain.
#pragma once

#include "core/builder/pv_builder.hpp"
#include "core/builder/pvh_builder.hpp"
#include "include/public/vcpu_context.hpp"

namespace pv::tools {

// Xen's x86-64 PV start of day (as libxenguest sets vCPU 0 up): RIP = the
// kernel's entry, RSP = the end of the boot stack, RSI = start_info, flat
// ring-3 kernel CS/SS, interrupts enabled (RFLAGS.IF), in kernel mode,
// CR3 = the bootstrap L4 (CR3 format: its mfn << 12), the kernel stack for
// ring transitions = the boot stack; everything else zero.
void make_start_context(const builder::PvBuildResult& built, abi::VcpuGuestContext& context);

// Xen's PVH start of day, as setvcpucontext carries it for a PVH domain:
// RIP = the PHYS32_ENTRY point, RBX = the hvm_start_info address; every
// other field zero (the hypervisor sets flat 32-bit segments, CR0.PE only,
// paging off; it ignores the PV fields).
void make_pvh_start_context(const builder::PvhBuildResult& built, abi::VcpuGuestContext& context);

} // namespace pv::tools
