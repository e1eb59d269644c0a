// The first vCPU's register state for a freshly built PV domain.
#pragma once

#include "core/builder/pv_builder.hpp"
#include "include/public/vcpu_context.hpp"

namespace pv::tools {

// Xen's x86-64 PV start of day (as libxenguest sets vCPU 0 up): RIP = the
// kernel's entry, RSP = the end of the boot stack, RSI = start_info, flat
// ring-3 kernel CS/SS, interrupts enabled (RFLAGS.IF), in kernel mode,
// CR3 = the bootstrap L4 (CR3 format: its mfn << 12), the kernel stack for
// ring transitions = the boot stack; everything else zero.
void make_start_context(const builder::PvBuildResult& built, abi::VcpuGuestContext& context);

} // namespace pv::tools
