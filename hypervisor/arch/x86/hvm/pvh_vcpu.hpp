// A PVH vCPU's life inside its hardware container: one entry per step,
// with the event upcall injected first and the exit handled after (DESIGN.md
// §1 PVH). The scheduler loop (pv_schedule.cpp) calls pvh_step() while the
// vCPU may run; everything a PVH guest asks of the hypervisor arrives here
// as an exit.
#pragma once

#include "arch/x86/hvm/pvh_domain.hpp"
#include "core/domain/vcpu.hpp"
#include "include/public/shared_info.hpp"

namespace pv {
class HypervisorServices;
class HypercallTable;
} // namespace pv

namespace pv::x86::hvm {

struct PvhEnvironment {
    // The PVH part of `domain`, or null for a PV domain.
    PvhDomain* (*domain_of)(Domain& domain) = nullptr;
    HypervisorServices* services = nullptr;
    const HypercallTable* hypercalls = nullptr; // the PVH table
    abi::VcpuInfo* (*vcpu_info)(Vcpu& v) = nullptr;
    uint64_t (*now_ns)() = nullptr;
};
void pvh_set_environment(const PvhEnvironment& env);

// True if `v` runs in a hardware container.
bool pvh_vcpu(const Vcpu& v);

// One entry into `v`'s container and the handling of its exit. Interrupts
// off on entry and on return.
void pvh_step(Vcpu& v);

} // namespace pv::x86::hvm
