// DomainControl: what domctl asks of the rest of the hypervisor to create,
// run and destroy domains. do_domctl (domctl.cpp) checks privilege, the
// interface version and copies; the composition root implements this (it
// owns domain storage, the scheduler and the PV MMU); host tests fake it.
//
// Every call runs in the privileged caller's hypercall on its own CPU.
#pragma once

#include "core/domain/domain.hpp"
#include "include/public/control.hpp"
#include "include/public/vcpu_context.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv {

class DomainControl {
public:
    // A new domain in the `building` state (see abi::DomctlCreateDomain);
    // the arguments are checked already except for the name's uniqueness.
    virtual Result<Domain*> create(const abi::DomctlCreateDomain& request, uint64_t& shared_info_mfn) = 0;
    // Stop it everywhere, give back every frame; the id may be reused.
    virtual Status destroy(Domain& domain) = 0;
    // The domain's vCPUs stop at their next scheduling point / may run again.
    virtual Status pause(Domain& domain) = 0;
    virtual Status unpause(Domain& domain) = 0;
    // VCPUOP_initialise's checks and effect, for vCPU `vcpu` of a paused or
    // building domain (-EBUSY otherwise).
    virtual Status set_vcpu_context(Vcpu& vcpu, const abi::VcpuGuestContext& context) = 0;
    // -EBUSY while the vCPU is on a CPU (its registers are in flux there).
    virtual Status get_vcpu_context(Vcpu& vcpu, abi::VcpuGuestContext& context) = 0;
    // cpu, running and affinity of abi::DomctlVcpuInfo (the rest is generic).
    virtual void vcpu_placement(const Vcpu& vcpu, uint32_t& cpu, bool& running, uint64_t& affinity) = 0;
    virtual Status set_affinity(Vcpu& vcpu, uint64_t cpumap) = 0;
    virtual Status set_sched_credit(Domain& domain, uint32_t weight, uint32_t cap) = 0;
    virtual Status get_sched_credit(const Domain& domain, uint32_t& weight, uint32_t& cap) = 0;

protected:
    ~DomainControl() = default;
};

} // namespace pv
