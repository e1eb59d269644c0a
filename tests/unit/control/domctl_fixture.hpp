// A privileged caller (Dom0, id 0, named "Domain-0") whose services hand
// domctl a FakeDomainControl, with the Domctl structure at the start of
// guest memory and room for a vCPU context further on. Include after
// pv_errors.hpp and pv_fixture.hpp.
#pragma once

#include "core/control/control.hpp"
#include "include/public/control.hpp"
#include "include/public/vcpu_context.hpp"
#include "tests/unit/control/fake_domain_control.hpp"
#include "tests/unit/pv_hypercalls/pv_fixture.hpp"

#include <cstdint>
#include <cstring>
#include <vector>

namespace pv::test {

inline constexpr long k_eexist = err(abi::Errno::eexist);
inline constexpr long k_enomem = err(abi::Errno::enomem);
inline constexpr long k_enospc = err(abi::Errno::enospc);
inline constexpr long k_ebusy = err(abi::Errno::ebusy);
inline constexpr long k_eopnotsupp = err(abi::Errno::eopnotsupp);

inline abi::Domctl make_domctl(abi::DomctlCmd cmd, uint16_t domain) {
    abi::Domctl op{};
    op.cmd = abi::raw(cmd);
    op.interface_version = abi::k_control_interface_version;
    op.domain = domain;
    return op;
}

inline abi::Domctl make_create(const char* name, uint32_t max_vcpus = 1, uint64_t max_memkb = 16384,
                               uint32_t flags = 0) {
    abi::Domctl op = make_domctl(abi::DomctlCmd::createdomain, 0);
    op.u.create.flags = flags;
    op.u.create.max_vcpus = max_vcpus;
    op.u.create.max_memkb = max_memkb;
    std::strncpy(op.u.create.name, name, sizeof op.u.create.name);
    return op;
}

// A byte pattern filling a whole vCPU context, different for each seed.
inline std::vector<uint8_t> context_pattern(uint8_t seed) {
    std::vector<uint8_t> bytes(sizeof(abi::VcpuGuestContext));
    for (size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
    return bytes;
}

struct DomctlFixture {
    explicit DomctlFixture(bool privileged = true) : f(privileged), control(f.services.domains) {
        f.domain.set_name(privileged ? "Domain-0" : "guest");
        f.services.control = &control;
    }

    // Put `op` where the handler reads it and make the hypercall.
    long call(const abi::Domctl& op) {
        f.mem.put(k_op, op);
        return f.call(nr(abi::Hypercall::domctl), k_op);
    }
    // The Domctl as the handler left it in guest memory.
    abi::Domctl result() const { return f.mem.get<abi::Domctl>(k_op); }

    std::vector<uint8_t> guest_bytes(uint64_t va, size_t n) const {
        std::vector<uint8_t> out(n);
        for (size_t i = 0; i < n; ++i)
            out[i] = f.mem.get<uint8_t>(va + i);
        return out;
    }
    void put_bytes(uint64_t va, const std::vector<uint8_t>& bytes) {
        for (size_t i = 0; i < bytes.size(); ++i)
            f.mem.put(va + i, bytes[i]);
    }

    // The Domctl on page 0; a vCPU context (5168 bytes) on pages 2 and 3.
    static constexpr uint64_t k_op = k_guest_base;
    static constexpr uint64_t k_context = k_guest_base + 2 * FakeGuestMemory::k_page;

    PvFixture f;
    FakeDomainControl control;
};

// A guest domain with `vcpus` vCPUs, registered with the fixture's services.
struct FakeGuest {
    FakeGuest(DomctlFixture& fx, DomainId id, uint32_t vcpus, DomainState state,
              bool privileged = false)
        : domain(id, privileged) {
        domain.state = state;
        for (uint32_t i = 0; i < vcpus; ++i) {
            storage.push_back(std::make_unique<Vcpu>(domain, i));
            storage.back()->state = VcpuState::runnable;
            domain.vcpus[i] = storage.back().get();
        }
        domain.vcpu_count = vcpus;
        fx.f.services.domains[id] = &domain;
    }
    Vcpu& vcpu(uint32_t i) { return *storage.at(i); }

    Domain domain;
    std::vector<std::unique_ptr<Vcpu>> storage;
};

} // namespace pv::test
