// A domain with everything the hypervisor keeps for it: the Domain and
// its vCPUs, event channels, grant table and per-vCPU timers. One object per
// domain, in frames of its own (DomainRegistry), so that creating and
// destroying domains needs no heap.
#pragma once

#include "arch/x86/hvm/pvh_domain.hpp"
#include "core/domain/domain.hpp"
#include "core/event/event_channels.hpp"
#include "core/grant/grant_table.hpp"
#include "core/pv_time/vcpu_time.hpp"

#include <cstddef>
#include <cstdint>
#include <new>

namespace pv::x86 {

inline constexpr uint32_t k_domain_event_ports = 1024; // 2-level ABI limit for 64-bit guests is 4096

class PvDomain {
public:
    PvDomain(DomainId id, bool privileged, HypervisorServices& services)
        : domain(id, privileged), events(domain, services), grants(domain, grant_arrays.storage()),
          services_(services) {}
    PvDomain(const PvDomain&) = delete;
    PvDomain& operator=(const PvDomain&) = delete;
    ~PvDomain() {
        for (uint32_t i = 0; i < domain.vcpu_count; ++i) {
            time(i).~VcpuTimeState();
            vcpu(i).~Vcpu();
        }
    }

    // vCPUs 0..count-1, offline, with their timers.
    void add_vcpus(uint32_t count) {
        for (uint32_t i = domain.vcpu_count; i < count && i < Domain::k_max_vcpus; ++i) {
            Vcpu* v = new (vcpu_storage_[i]) Vcpu(domain, i);
            new (time_storage_[i]) VcpuTimeState(*v, services_);
            domain.vcpus[i] = v;
            domain.vcpu_count = i + 1;
        }
    }
    Vcpu& vcpu(uint32_t i) { return *reinterpret_cast<Vcpu*>(vcpu_storage_[i]); }
    VcpuTimeState& time(uint32_t i) { return *reinterpret_cast<VcpuTimeState*>(time_storage_[i]); }

    Domain domain;
    EventChannelTable<k_domain_event_ports> events;
    DomainGrantArrays grant_arrays;
    GrantTable grants;
    // The hypervisor timer of each vCPU (system time ns; ~0: not armed).
    uint64_t timer_deadline[Domain::k_max_vcpus];
    // Its hardware containers and guest-physical map, when domain.pvh.
    hvm::PvhDomain pvh;

private:
    HypervisorServices& services_;
    alignas(Vcpu) unsigned char vcpu_storage_[Domain::k_max_vcpus][sizeof(Vcpu)];
    alignas(VcpuTimeState) unsigned char time_storage_[Domain::k_max_vcpus][sizeof(VcpuTimeState)];
};

} // namespace pv::x86
