// Test double for DomainControl (core/control/domain_control.hpp): it logs
// every call in order ("create hello", "pause 3", "set_affinity 3.1 0x5"),
// keeps the domains it creates and registers them in the fake services'
// domain map (so domain_by_id finds them, as the real registry would), and
// answers each operation with the error a test sets (ok by default).
#pragma once

#include "core/control/domain_control.hpp"
#include "core/domain/domain.hpp"
#include "core/domain/vcpu.hpp"
#include "include/public/control.hpp"
#include "include/public/vcpu_context.hpp"

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace pv::test {

class FakeDomainControl final : public DomainControl {
public:
    explicit FakeDomainControl(std::map<DomainId, Domain*>& registry) : registry(registry) {}

    Result<Domain*> create(const abi::DomctlCreateDomain& request, uint64_t& mfn) override {
        // do_domctl has checked that the name is NUL-terminated by now.
        calls.push_back("create " + std::string(request.name));
        last_create = request;
        if (!create_result) return create_result;
        auto domain = std::make_unique<Domain>(next_id, false);
        domain->set_name(request.name);
        domain->state = DomainState::building;
        registry[next_id] = domain.get();
        created.push_back(std::move(domain));
        ++next_id;
        mfn = shared_info_mfn;
        return created.back().get();
    }

    Status destroy(Domain& d) override {
        calls.push_back("destroy " + std::to_string(d.id()));
        if (destroy_result) {
            d.state = DomainState::dying;
            registry.erase(d.id());
        }
        return destroy_result;
    }

    Status pause(Domain& d) override {
        calls.push_back("pause " + std::to_string(d.id()));
        if (pause_result) d.state = DomainState::paused;
        return pause_result;
    }

    Status unpause(Domain& d) override {
        calls.push_back("unpause " + std::to_string(d.id()));
        if (unpause_result) d.state = DomainState::running;
        return unpause_result;
    }

    Status set_vcpu_context(Vcpu& v, const abi::VcpuGuestContext& context) override {
        calls.push_back("set_vcpu_context " + name(v));
        received_context.assign(sizeof context, 0);
        std::memcpy(received_context.data(), &context, sizeof context);
        return set_context_result;
    }

    Status get_vcpu_context(Vcpu& v, abi::VcpuGuestContext& context) override {
        calls.push_back("get_vcpu_context " + name(v));
        if (get_context_error != Errno{}) return get_context_error;
        // Every byte, so the test can see that all of them reach the guest.
        if (context_to_return.size() == sizeof context)
            std::memcpy(&context, context_to_return.data(), sizeof context);
        return Status::ok();
    }

    void vcpu_placement(const Vcpu& v, uint32_t& cpu, bool& running, uint64_t& affinity) override {
        calls.push_back("vcpu_placement " + name(v));
        cpu = placement_cpu;
        running = placement_running;
        affinity = placement_affinity;
    }

    Status set_affinity(Vcpu& v, uint64_t cpumap) override {
        calls.push_back("set_affinity " + name(v) + " " + hex(cpumap));
        if (affinity_result) placement_affinity = cpumap;
        return affinity_result;
    }

    // The scheduler's own range check (xl sched-credit: weight 1..65535,
    // cap at most 100 per vCPU), so that the test can tell that domctl
    // passes its verdict back rather than checking for itself.
    Status set_sched_credit(Domain& d, uint32_t weight, uint32_t cap) override {
        calls.push_back("set_sched_credit " + std::to_string(d.id()) + " " +
                        std::to_string(weight) + " " + std::to_string(cap));
        const uint32_t vcpus = d.vcpu_count ? d.vcpu_count : 1;
        if (weight == 0 || weight > 65535 || cap > 100 * vcpus) return Errno::einval;
        credit[d.id()] = {weight, cap};
        return Status::ok();
    }

    Status get_sched_credit(const Domain& d, uint32_t& weight, uint32_t& cap) override {
        calls.push_back("get_sched_credit " + std::to_string(d.id()));
        if (!get_credit_result) return get_credit_result;
        auto it = credit.find(d.id());
        weight = it == credit.end() ? 256 : it->second.first;
        cap = it == credit.end() ? 0 : it->second.second;
        return Status::ok();
    }

    std::map<DomainId, Domain*>& registry;
    std::vector<std::string> calls;

    DomainId next_id = 1;
    uint64_t shared_info_mfn = 0;
    abi::DomctlCreateDomain last_create{};
    std::vector<std::unique_ptr<Domain>> created;

    Status create_result, destroy_result, pause_result, unpause_result;
    Status set_context_result, affinity_result, get_credit_result;

    std::vector<uint8_t> received_context;  // what set_vcpu_context got
    std::vector<uint8_t> context_to_return; // what get_vcpu_context hands out
    Errno get_context_error{};              // get_vcpu_context fails with it

    uint32_t placement_cpu = 0;
    bool placement_running = false;
    uint64_t placement_affinity = ~uint64_t{0};

    std::map<DomainId, std::pair<uint32_t, uint32_t>> credit; // weight, cap

private:
    static std::string name(const Vcpu& v) {
        return std::to_string(v.domain().id()) + "." + std::to_string(v.id());
    }
    static std::string hex(uint64_t value) {
        static const char digits[] = "0123456789abcdef";
        std::string out;
        do {
            out.insert(out.begin(), digits[value & 0xf]);
            value >>= 4;
        } while (value);
        return "0x" + out;
    }
};

} // namespace pv::test
