// Test doubles for the event-channel and PV-time tests: fake services (a
// settable clock, recorded kicks and timer arms, a domain registry, guest
// frames for register_vcpu_info) and a world of three domains — Dom0
// (privileged, id 0) and two guests (ids 1 and 2, two vCPUs each) — each
// with a host-side shared_info, a small event-channel table and per-vCPU
// time state. Include it first: it spells the errno values before any
// standard header can turn EINVAL and friends into macros.
#pragma once

#include "core/domain/domain.hpp"
#include "core/domain/vcpu.hpp"
#include "core/event/event_channel_op.hpp"
#include "core/event/event_channels.hpp"
#include "core/event/two_level.hpp"
#include "core/hypercall/hypercall_table.hpp"
#include "core/pv_hypercalls/handlers.hpp"
#include "core/pv_hypercalls/services.hpp"
#include "core/pv_time/pvclock.hpp"
#include "core/pv_time/time_hypercalls.hpp"
#include "core/pv_time/vcpu_time.hpp"
#include "include/public/errno.hpp"

namespace pv::test {

constexpr long errno_of(abi::Errno e) {
    return -static_cast<long>(e);
}
inline constexpr long k_ev_eperm = errno_of(abi::Errno::eperm);
inline constexpr long k_ev_enoent = errno_of(abi::Errno::enoent);
inline constexpr long k_ev_esrch = errno_of(abi::Errno::esrch);
inline constexpr long k_ev_efault = errno_of(abi::Errno::efault);
inline constexpr long k_ev_ebusy = errno_of(abi::Errno::ebusy);
inline constexpr long k_ev_eexist = errno_of(abi::Errno::eexist);
inline constexpr long k_ev_einval = errno_of(abi::Errno::einval);
inline constexpr long k_ev_enospc = errno_of(abi::Errno::enospc);
inline constexpr long k_ev_enosys = errno_of(abi::Errno::enosys);
inline constexpr long k_ev_etime = errno_of(abi::Errno::etime);

} // namespace pv::test

#include "tests/unit/hypercall/fake_guest_memory.hpp"

#include <cstring>
#include <map>
#include <memory>
#include <vector>

namespace pv::test {

// The return value of a Status or Result as a hypercall would give it.
inline long rc(Status s) {
    return s.as_return();
}
template <typename T> long rc(const Result<T>& r) {
    return r ? static_cast<long>(*r) : r.status().as_return();
}

class EventServices final : public HypervisorServices {
public:
    void console_write(Domain&, StringView) override {}
    size_t console_input_peek(char*, size_t) override { return 0; }
    void console_input_consume(size_t) override {}
    void yield(Vcpu&) override {}
    void block(Vcpu& v) override {
        ++blocks;
        blocked.push_back(&v);
    }
    void domain_shutdown(Domain& d, uint8_t reason) override { shutdowns.emplace_back(&d, reason); }
    void set_shutdown_code(Domain&, uint8_t) override {}
    void domain_crash(Domain&, const char*) override {}
    Domain* domain_by_id(DomainId id) override {
        auto it = domains.find(id);
        return it == domains.end() ? nullptr : it->second;
    }
    void domain_handle(const Domain&, uint8_t (&out)[16]) override { std::memset(out, 0, 16); }
    const HypervisorVersionInfo& version_info() override { return version; }
    abi::VcpuInfo* vcpu_info(Vcpu& v) override {
        EventChannels* e = event_channels(v.domain());
        return e != nullptr ? e->vcpu_info(v.id()) : nullptr;
    }
    void guest_mode_changed(Vcpu&) override {}
    void segment_base_changed(Vcpu&, abi::SegmentBase) override {}
    uint64_t load_user_gs_selector(Vcpu&, uint16_t) override { return 0; }
    void fpu_ts_changed(Vcpu&) override {}
    void debugreg_changed(Vcpu&, unsigned) override {}

    // Issue 4 hooks.
    EventChannels* event_channels(Domain& d) override {
        auto it = tables.find(d.id());
        return it == tables.end() ? nullptr : it->second;
    }
    VcpuTimeState* vcpu_time(Vcpu& v) override {
        auto it = timers.find(&v);
        return it == timers.end() ? nullptr : it->second;
    }
    void kick_vcpu(Vcpu& v) override {
        kicks.push_back(&v);
        if (v.state == VcpuState::blocked) v.state = VcpuState::runnable; // the arch's wake-up
    }
    uint64_t system_time_ns() override { return now; }
    void set_vcpu_timer(Vcpu& v, uint64_t deadline) override { armed[&v] = deadline; }
    void cancel_vcpu_timer(Vcpu& v) override { armed[&v] = 0; }
    void* map_guest_frame(Domain& d, uint64_t mfn) override {
        auto it = frames.find(mfn);
        if (it == frames.end() || it->second.owner != d.id()) return nullptr;
        ++mapped;
        return it->second.bytes;
    }
    void unmap_guest_frame(Domain&, uint64_t) override { ++unmapped; }

    size_t kicks_of(const Vcpu& v) const {
        size_t n = 0;
        for (const Vcpu* k : kicks)
            n += k == &v;
        return n;
    }

    struct Frame {
        DomainId owner = 0;
        alignas(4096) uint8_t bytes[4096] = {};
    };

    HypervisorVersionInfo version;
    std::map<DomainId, Domain*> domains;
    std::map<DomainId, EventChannels*> tables;
    std::map<Vcpu*, VcpuTimeState*> timers;
    std::map<Vcpu*, uint64_t> armed;
    std::map<uint64_t, Frame> frames;
    std::vector<Vcpu*> kicks, blocked;
    std::vector<std::pair<Domain*, uint8_t>> shutdowns;
    uint64_t now = 1'000'000'000; // system time: 1 s
    int blocks = 0, mapped = 0, unmapped = 0;
};

inline constexpr uint32_t k_test_ports = 128; // a small table: exhaustion is reachable

// One domain with its vCPUs, shared_info, event table and timers.
struct TestDomain {
    TestDomain(EventServices& services, DomainId id, bool privileged, uint32_t nr_vcpus)
        : domain(id, privileged), events(domain, services) {
        domain.state = DomainState::running;
        for (uint32_t i = 0; i < nr_vcpus; ++i) {
            vcpus.push_back(std::make_unique<Vcpu>(domain, i));
            domain.vcpus[i] = vcpus.back().get();
        }
        domain.vcpu_count = nr_vcpus;
        vcpus[0]->state = VcpuState::running;
        shared = std::make_unique<abi::SharedInfo>();
        std::memset(shared.get(), 0, sizeof(abi::SharedInfo));
        events.attach_shared_info(shared.get());
        for (auto& v : vcpus)
            time.push_back(std::make_unique<VcpuTimeState>(*v, services));
        services.domains[id] = &domain;
        services.tables[id] = &events;
        for (size_t i = 0; i < vcpus.size(); ++i)
            services.timers[vcpus[i].get()] = time[i].get();
    }

    Vcpu& vcpu(uint32_t i) { return *vcpus.at(i); }
    abi::VcpuInfo& info(uint32_t i) { return *events.vcpu_info(i); }
    bool pending(uint32_t port) const { return evtchn_2l::is_pending(*shared, port); }
    void mask(uint32_t port) { evtchn_2l::test_and_set_bit(shared->evtchn_mask, port); }
    void clear_pending(uint32_t port) { evtchn_2l::clear_pending(*shared, port); }
    // What a guest's upcall handler does: take everything pending.
    void acknowledge(uint32_t vcpu) {
        info(vcpu).evtchn_upcall_pending = 0;
        info(vcpu).evtchn_pending_sel = 0;
    }

    Domain domain;
    EventChannelTable<k_test_ports> events;
    std::vector<std::unique_ptr<Vcpu>> vcpus;
    std::unique_ptr<abi::SharedInfo> shared;
    std::vector<std::unique_ptr<VcpuTimeState>> time;
};

inline constexpr uint64_t k_guest_va = 0x0000'0000'0040'0000;
inline constexpr uint64_t k_guest_va_pages = 8;
inline constexpr uint64_t k_hypervisor_va = 0xffff'8000'0000'1000;

// Dom0 and two guests; hypercalls issued as a vCPU of one of them.
struct EventWorld {
    EventWorld()
        : dom0(services, 0, true, 1), guest1(services, 1, false, 2), guest2(services, 2, false, 2),
          mem(k_guest_va, k_guest_va_pages), ctx(pv_hypercall_table(), mem) {
        ctx.services = &services;
        act_as(guest1, 0);
    }

    void act_as(TestDomain& d, uint32_t vcpu) {
        ctx.domain = &d.domain;
        ctx.vcpu = &d.vcpu(vcpu);
        ctx.domain_id = d.domain.id();
        ctx.vcpu_id = vcpu;
    }

    long call(abi::Hypercall h, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
        HypercallArgs args(abi::raw(h), a0, a1, a2);
        return dispatch_hypercall(ctx, args);
    }

    // event_channel_op with `op` placed in guest memory; `op` gets the
    // structure as the guest sees it afterwards.
    template <typename T> long evtchn(abi::EventChannelOp cmd, T& op) {
        mem.put(k_guest_va, op);
        const long r = call(abi::Hypercall::event_channel_op, abi::raw(cmd), k_guest_va);
        op = mem.template get<T>(k_guest_va);
        return r;
    }

    EventServices services;
    TestDomain dom0, guest1, guest2;
    FakeGuestMemory mem;
    HypercallContext ctx;
};

} // namespace pv::test
