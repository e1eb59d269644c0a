// DomainControl for PV domains: creation, destruction, pause, vCPU
// contexts and scheduling parameters, over the domain registry, the PV MMU,
// the grant tables and the credit scheduler.
#pragma once

#include "arch/x86/pv/domain_registry.hpp"
#include "core/control/domain_control.hpp"
#include "core/sched/credit_scheduler.hpp"

namespace pv {
class PvMmu;
class GrantTables;
} // namespace pv

namespace pv::x86 {

class PvDomainControl final : public DomainControl {
public:
    struct Parts {
        DomainRegistry* registry = nullptr;
        FrameAllocator* frames = nullptr;
        PvMmu* mmu = nullptr;
        GrantTables* grants = nullptr;
        HypervisorServices* services = nullptr;
        sched::CreditScheduler* scheduler = nullptr;
        // Where new domains take the wallclock from (Dom0's shared_info).
        const abi::SharedInfo* (*wallclock)() = nullptr;
        // Hardware containers for PVH domains; null: this machine has none.
        hvm::Backend* containers = nullptr;
        const char* no_containers_why = nullptr;
    };
    explicit PvDomainControl(const Parts& parts) : parts_(parts) {}

    // A domain's vCPUs join the scheduler (also Dom0's, at boot).
    Status add_to_scheduler(PvDomain& domain);

    Result<Domain*> create(const abi::DomctlCreateDomain& request, uint64_t& shared_info_mfn) override;
    Status destroy(Domain& domain) override;
    Status pause(Domain& domain) override;
    Status unpause(Domain& domain) override;
    Status set_vcpu_context(Vcpu& vcpu, const abi::VcpuGuestContext& context) override;
    Status get_vcpu_context(Vcpu& vcpu, abi::VcpuGuestContext& context) override;
    void vcpu_placement(const Vcpu& vcpu, uint32_t& cpu, bool& running, uint64_t& affinity) override;
    Status set_affinity(Vcpu& vcpu, uint64_t cpumap) override;
    Status set_sched_credit(Domain& domain, uint32_t weight, uint32_t cap) override;
    Status get_sched_credit(const Domain& domain, uint32_t& weight, uint32_t& cap) override;

private:
    void stop_vcpus(Domain& domain);
    void free_frames(Domain& domain);
    void release_vcpu_frames(PvDomain& domain);
    Status set_pvh_context(PvDomain& domain, Vcpu& vcpu, const abi::VcpuGuestContext& context);

    Parts parts_;
};

} // namespace pv::x86
