// A domain: one guest (or Dom0) — its identity, privilege, memory
// accounting, vCPUs and lifecycle state.
#pragma once

#include "core/domain/vcpu.hpp"
#include "include/public/sched.hpp"

#include <cstddef>
#include <cstdint>

namespace pv {

using DomainId = uint16_t;

enum class DomainState : uint8_t {
    building,  // being constructed; never scheduled
    running,   // scheduled as its vCPUs allow
    paused,    // by the toolstack; vCPUs keep their state
    shut_down, // sched_op shutdown: reason recorded, awaiting the toolstack
    dying,     // being destroyed
};

class Domain {
public:
    static constexpr size_t k_max_vcpus = 8;
    static constexpr size_t k_name_size = 32;

    Domain(DomainId id, bool privileged) : id_(id), privileged_(privileged) {}
    Domain(const Domain&) = delete;
    Domain& operator=(const Domain&) = delete;

    DomainId id() const { return id_; }
    bool privileged() const { return privileged_; }
    const char* name() const { return name_; }
    void set_name(const char* name) {
        size_t i = 0;
        for (; name && name[i] && i + 1 < k_name_size; ++i) name_[i] = name[i];
        name_[i] = '\0';
    }

    Vcpu* vcpu(uint32_t index) { return index < vcpu_count ? vcpus[index] : nullptr; }

    DomainState state = DomainState::building;
    abi::ShutdownReason shutdown_reason = abi::ShutdownReason::poweroff;

    uint64_t max_pages = 0;       // the most frames it may own
    uint64_t tot_pages = 0;       // frames it owns now
    uint64_t shared_info_mfn = 0; // its shared_info page
    uint64_t vm_assist = 0;       // VMASST_TYPE_* bits enabled (m2p_strict is bit 32)
    bool io_ports_allowed = false; // privileged: the hardware's I/O ports
    bool pvh = false;              // runs in hardware containers (PVH), not as ring-3 PV

    Vcpu* vcpus[k_max_vcpus] = {};
    uint32_t vcpu_count = 0;

private:
    DomainId id_;
    bool privileged_;
    char name_[k_name_size] = {};
};

} // namespace pv
