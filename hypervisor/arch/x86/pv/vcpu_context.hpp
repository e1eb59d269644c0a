// VCPUOP_initialise for PV: a secondary vCPU's starting state from the
// guest's VcpuGuestContext, checked as Xen's arch_set_info_guest checks it.
#pragma once

#include "core/domain/vcpu.hpp"
#include "include/public/vcpu_context.hpp"

namespace pv {
class PvMmu;
class HypervisorServices;
} // namespace pv

namespace pv::x86 {

long apply_guest_context(Vcpu& vcpu, const abi::VcpuGuestContext& context, PvMmu& mmu,
                         HypervisorServices& services);

} // namespace pv::x86
