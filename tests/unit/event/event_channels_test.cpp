// EventChannels: port states and their transitions, every error path, the
// 2-level delivery rule, interdomain ping-pong, IPIs between vCPUs.
#include "tests/unit/event/event_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;

namespace {

constexpr uint32_t virq(abi::Virq v) {
    return abi::raw(v);
}

} // namespace

TEST_CASE("port 0 is reserved and every port starts free", "[event]") {
    EventServices s;
    TestDomain d(s, 1, false, 1);
    CHECK(d.events.port_limit() == k_test_ports);
    CHECK(d.events.port(0).state == PortState::reserved);
    for (uint32_t p = 1; p < k_test_ports; ++p)
        CHECK(d.events.port(p).state == PortState::free);
    abi::EvtchnStatus st{};
    REQUIRE(rc(d.events.status(0, st)) == 0);
    CHECK(st.status == abi::raw(abi::EvtchnState::closed));
    CHECK(rc(d.events.close(0)) == k_ev_einval);
    CHECK(rc(d.events.send(0)) == k_ev_einval);
    CHECK(rc(d.events.bind_vcpu(0, 0)) == k_ev_einval);
}

TEST_CASE("the table never exceeds the 2-level ABI's 4096 ports", "[event]") {
    EventServices s;
    Domain dom(3, false);
    static EventPort big[5000];
    EventChannels e(dom, s, big, 5000);
    CHECK(e.port_limit() == 4096);
}

TEST_CASE("alloc_unbound: ports in order, the remote recorded, exhaustion is ENOSPC", "[event]") {
    EventServices s;
    TestDomain d(s, 1, false, 1);
    for (uint32_t p = 1; p < k_test_ports; ++p) {
        auto r = d.events.alloc_unbound(7);
        REQUIRE(r);
        CHECK(*r == p);
        const EventPort port = d.events.port(p);
        CHECK(port.state == PortState::unbound);
        CHECK(port.remote_domid == 7);
    }
    CHECK(rc(d.events.alloc_unbound(7)) == k_ev_enospc);
    CHECK(rc(d.events.bind_ipi(0)) == k_ev_enospc);
    CHECK(rc(d.events.bind_virq(virq(abi::Virq::timer), 0)) == k_ev_enospc);
    // Closing one makes exactly that port available again.
    REQUIRE(rc(d.events.close(17)) == 0);
    CHECK(rc(d.events.alloc_unbound(7)) == 17);
}

TEST_CASE("a dying domain gets no new ports", "[event]") {
    EventServices s;
    TestDomain d(s, 1, false, 1);
    d.domain.state = DomainState::dying;
    CHECK(rc(d.events.alloc_unbound(0)) == k_ev_einval);
    CHECK(rc(d.events.bind_ipi(0)) == k_ev_einval);
}

TEST_CASE("status reports each state", "[event]") {
    EventServices s;
    TestDomain a(s, 1, false, 2), b(s, 2, false, 1);
    abi::EvtchnStatus st{};

    const uint32_t unbound = rc(a.events.alloc_unbound(2));
    REQUIRE(rc(a.events.status(unbound, st)) == 0);
    CHECK(st.status == abi::raw(abi::EvtchnState::unbound));
    CHECK(st.u.unbound.dom == 2);
    CHECK(st.vcpu == 0);

    const uint32_t bport = rc(b.events.bind_interdomain(a.events, unbound));
    REQUIRE(rc(a.events.status(unbound, st)) == 0);
    CHECK(st.status == abi::raw(abi::EvtchnState::interdomain));
    CHECK(st.u.interdomain.dom == 2);
    CHECK(st.u.interdomain.port == bport);
    REQUIRE(rc(b.events.status(bport, st)) == 0);
    CHECK(st.u.interdomain.dom == 1);
    CHECK(st.u.interdomain.port == unbound);

    const uint32_t vport = rc(a.events.bind_virq(virq(abi::Virq::timer), 1));
    REQUIRE(rc(a.events.status(vport, st)) == 0);
    CHECK(st.status == abi::raw(abi::EvtchnState::virq));
    CHECK(st.u.virq == virq(abi::Virq::timer));
    CHECK(st.vcpu == 1);

    const uint32_t ipi = rc(a.events.bind_ipi(1));
    REQUIRE(rc(a.events.status(ipi, st)) == 0);
    CHECK(st.status == abi::raw(abi::EvtchnState::ipi));
    CHECK(st.vcpu == 1);

    CHECK(rc(a.events.status(k_test_ports, st)) == k_ev_einval);
    CHECK(rc(a.events.status(0xffffffff, st)) == k_ev_einval);
    REQUIRE(rc(a.events.status(40, st)) == 0);
    CHECK(st.status == abi::raw(abi::EvtchnState::closed));
}

TEST_CASE("bind_interdomain needs an unbound port reserved for the caller", "[event]") {
    EventServices s;
    TestDomain a(s, 1, false, 1), b(s, 2, false, 1), c(s, 3, false, 1);
    const uint32_t for_b = rc(a.events.alloc_unbound(2));

    CHECK(rc(c.events.bind_interdomain(a.events, for_b)) == k_ev_einval); // reserved for 2
    CHECK(rc(b.events.bind_interdomain(a.events, 0)) == k_ev_einval);     // reserved port
    CHECK(rc(b.events.bind_interdomain(a.events, 9)) == k_ev_einval);     // free port
    CHECK(rc(b.events.bind_interdomain(a.events, k_test_ports)) == k_ev_einval);
    CHECK(rc(b.events.bind_interdomain(a.events, 0x8000'0000)) == k_ev_einval);
    // Failures took no port on either side.
    CHECK(b.events.port(1).state == PortState::free);

    const uint32_t bport = rc(b.events.bind_interdomain(a.events, for_b));
    REQUIRE(bport == 1);
    // The new local port starts pending (lost notifications).
    CHECK(b.pending(bport));
    // Already connected: a second bind fails.
    CHECK(rc(b.events.bind_interdomain(a.events, for_b)) == k_ev_einval);
}

TEST_CASE("loopback: a domain connects two of its own ports", "[event]") {
    EventServices s;
    TestDomain a(s, 1, false, 1);
    const uint32_t p1 = rc(a.events.alloc_unbound(1));
    const uint32_t p2 = rc(a.events.bind_interdomain(a.events, p1));
    REQUIRE(p2 == p1 + 1);
    a.clear_pending(p2);
    REQUIRE(rc(a.events.send(p1)) == 0);
    CHECK(a.pending(p2));
    CHECK_FALSE(a.pending(p1));
    REQUIRE(rc(a.events.close(p2)) == 0);
    CHECK(a.events.port(p1).state == PortState::unbound);
    CHECK(a.events.port(p1).remote_domid == 1);
}

TEST_CASE("close: the interdomain peer becomes unbound for the closer again", "[event]") {
    EventServices s;
    TestDomain a(s, 1, false, 1), b(s, 2, false, 1);
    const uint32_t aport = rc(a.events.alloc_unbound(2));
    const uint32_t bport = rc(b.events.bind_interdomain(a.events, aport));

    // Close from the higher id's side (takes the locks in the other order).
    REQUIRE(rc(b.events.close(bport)) == 0);
    CHECK(b.events.port(bport).state == PortState::free);
    CHECK_FALSE(b.pending(bport)); // closing clears the pending bit
    CHECK(a.events.port(aport).state == PortState::unbound);
    CHECK(a.events.port(aport).remote_domid == 2);
    CHECK(rc(b.events.close(bport)) == k_ev_einval); // twice
    // Sending on the now unbound end is silently dropped.
    CHECK(rc(a.events.send(aport)) == 0);

    // Rebind and close from the lower id's side.
    const uint32_t again = rc(b.events.bind_interdomain(a.events, aport));
    REQUIRE(rc(a.events.close(aport)) == 0);
    CHECK(b.events.port(again).state == PortState::unbound);
    CHECK(b.events.port(again).remote_domid == 1);
    CHECK(rc(a.events.close(aport)) == k_ev_einval);
    CHECK(rc(a.events.close(k_test_ports)) == k_ev_einval);
    CHECK(rc(a.events.close(0xffff'ffff)) == k_ev_einval);
}

TEST_CASE("bind_virq: ranges, global vs per-vCPU, EEXIST", "[event]") {
    EventServices s;
    TestDomain d(s, 1, false, 2);
    CHECK(rc(d.events.bind_virq(abi::k_nr_virqs, 0)) == k_ev_einval);
    CHECK(rc(d.events.bind_virq(0xffff'ffff, 0)) == k_ev_einval);
    CHECK(rc(d.events.bind_virq(virq(abi::Virq::console), 1)) == k_ev_einval); // global on vCPU 1
    CHECK(rc(d.events.bind_virq(virq(abi::Virq::timer), 2)) == k_ev_enoent);   // no vCPU 2
    CHECK(rc(d.events.bind_virq(virq(abi::Virq::timer), 99)) == k_ev_enoent);
    CHECK(rc(d.events.bind_virq(virq(abi::Virq::console), 99)) == k_ev_einval);

    const uint32_t t0 = rc(d.events.bind_virq(virq(abi::Virq::timer), 0));
    const uint32_t t1 = rc(d.events.bind_virq(virq(abi::Virq::timer), 1));
    CHECK(t0 > 0);
    CHECK(t1 > t0);
    CHECK(rc(d.events.bind_virq(virq(abi::Virq::timer), 0)) == k_ev_eexist);
    CHECK(rc(d.events.bind_virq(virq(abi::Virq::timer), 1)) == k_ev_eexist);
    const uint32_t con = rc(d.events.bind_virq(virq(abi::Virq::console), 0));
    CHECK(rc(d.events.bind_virq(virq(abi::Virq::console), 0)) == k_ev_eexist);
    CHECK(rc(d.events.bind_virq(virq(abi::Virq::dom_exc), 0)) > 0);
    CHECK(rc(d.events.bind_virq(virq(abi::Virq::debug), 1)) > 0);

    // Sending on a VIRQ port is not allowed.
    CHECK(rc(d.events.send(t0)) == k_ev_einval);
    // Closing frees the binding for a new bind.
    REQUIRE(rc(d.events.close(t0)) == 0);
    CHECK_FALSE(d.events.virq_bound(abi::Virq::timer, 0));
    CHECK(d.events.virq_bound(abi::Virq::timer, 1));
    CHECK(rc(d.events.bind_virq(virq(abi::Virq::timer), 0)) == t0);
    REQUIRE(rc(d.events.close(con)) == 0);
    CHECK(rc(d.events.bind_virq(virq(abi::Virq::console), 0)) == con);
}

TEST_CASE("bind_ipi and bind_vcpu rules", "[event]") {
    EventServices s;
    TestDomain d(s, 1, false, 2);
    CHECK(rc(d.events.bind_ipi(2)) == k_ev_enoent);
    const uint32_t ipi = rc(d.events.bind_ipi(1));
    const uint32_t timer = rc(d.events.bind_virq(virq(abi::Virq::timer), 1));
    const uint32_t console = rc(d.events.bind_virq(virq(abi::Virq::console), 0));
    const uint32_t unbound = rc(d.events.alloc_unbound(0));

    CHECK(rc(d.events.bind_vcpu(ipi, 0)) == k_ev_einval);   // IPIs stay
    CHECK(rc(d.events.bind_vcpu(timer, 0)) == k_ev_einval); // per-vCPU VIRQs stay
    CHECK(rc(d.events.bind_vcpu(console, 2)) == k_ev_enoent);
    CHECK(rc(d.events.bind_vcpu(40, 1)) == k_ev_einval); // free
    CHECK(rc(d.events.bind_vcpu(k_test_ports, 1)) == k_ev_einval);
    REQUIRE(rc(d.events.bind_vcpu(console, 1)) == 0);
    REQUIRE(rc(d.events.bind_vcpu(unbound, 1)) == 0);
    CHECK(d.events.port(console).notify_vcpu == 1);
    CHECK(d.events.port(unbound).notify_vcpu == 1);

    // The global VIRQ now lands on vCPU 1.
    d.events.send_virq(abi::Virq::console);
    CHECK(d.pending(console));
    CHECK(d.info(1).evtchn_upcall_pending == 1);
    CHECK(d.info(0).evtchn_upcall_pending == 0);
    // A closed port goes back to vCPU 0.
    REQUIRE(rc(d.events.close(unbound)) == 0);
    CHECK(d.events.port(unbound).notify_vcpu == 0);
}

TEST_CASE("delivery: pending bit, selector, upcall_pending, one kick", "[event]") {
    EventServices s;
    TestDomain d(s, 1, false, 2);
    const uint32_t ipi = rc(d.events.bind_ipi(1));
    REQUIRE(ipi == 1);
    REQUIRE(rc(d.events.bind_ipi(1)) == 2);
    for (uint32_t p = 3; p < 66; ++p)
        REQUIRE(rc(d.events.alloc_unbound(0)) == p);
    const uint32_t high = rc(d.events.bind_ipi(1)); // in selector word 1
    REQUIRE(high == 66);

    REQUIRE(rc(d.events.send(ipi)) == 0);
    CHECK(d.pending(ipi));
    CHECK(d.info(1).evtchn_pending_sel == 1);
    CHECK(d.info(1).evtchn_upcall_pending == 1);
    CHECK(d.info(0).evtchn_upcall_pending == 0);
    CHECK(s.kicks_of(d.vcpu(1)) == 1);

    // Already pending: nothing new, no second kick.
    REQUIRE(rc(d.events.send(ipi)) == 0);
    CHECK(s.kicks_of(d.vcpu(1)) == 1);
    // Another port, same word: pending, selector already set, no kick.
    REQUIRE(rc(d.events.send(2)) == 0);
    CHECK(d.pending(2));
    CHECK(s.kicks_of(d.vcpu(1)) == 1);
    // A port in another word while upcall_pending is still set: the
    // selector bit is added, but upcall_pending was already 1: no kick.
    REQUIRE(rc(d.events.send(high)) == 0);
    CHECK(d.info(1).evtchn_pending_sel == 3);
    CHECK(s.kicks_of(d.vcpu(1)) == 1);

    // The guest acknowledges; a new event kicks again.
    d.acknowledge(1);
    d.clear_pending(ipi);
    REQUIRE(rc(d.events.send(ipi)) == 0);
    CHECK(d.info(1).evtchn_upcall_pending == 1);
    CHECK(s.kicks_of(d.vcpu(1)) == 2);
}

TEST_CASE("delivery: a masked port stays pending silently; unmask re-delivers", "[event]") {
    EventServices s;
    TestDomain d(s, 1, false, 1);
    const uint32_t ipi = rc(d.events.bind_ipi(0));
    d.mask(ipi);
    REQUIRE(rc(d.events.send(ipi)) == 0);
    CHECK(d.pending(ipi));
    CHECK(d.info(0).evtchn_pending_sel == 0);
    CHECK(d.info(0).evtchn_upcall_pending == 0);
    CHECK(s.kicks.empty());

    REQUIRE(rc(d.events.unmask(ipi)) == 0);
    CHECK_FALSE(evtchn_2l::is_masked(*d.shared, ipi));
    CHECK(d.info(0).evtchn_pending_sel == 1);
    CHECK(d.info(0).evtchn_upcall_pending == 1);
    CHECK(s.kicks.size() == 1);

    // Unmasking a port that is not masked does nothing.
    d.acknowledge(0);
    REQUIRE(rc(d.events.unmask(ipi)) == 0);
    CHECK(d.info(0).evtchn_upcall_pending == 0);
    CHECK(s.kicks.size() == 1);

    // Masked and not pending: unmask only clears the mask.
    d.clear_pending(ipi);
    d.mask(ipi);
    REQUIRE(rc(d.events.unmask(ipi)) == 0);
    CHECK(d.info(0).evtchn_upcall_pending == 0);
    CHECK(s.kicks.size() == 1);

    CHECK(rc(d.events.unmask(k_test_ports)) == k_ev_einval);
    CHECK(rc(d.events.unmask(0)) == 0); // port 0 is a valid number
}

TEST_CASE("delivery: the vCPU's upcall mask does not stop the selector or the kick", "[event]") {
    // Xen sets upcall_pending and kicks even with evtchn_upcall_mask set;
    // the guest sees it when it unmasks.
    EventServices s;
    TestDomain d(s, 1, false, 1);
    d.info(0).evtchn_upcall_mask = 1;
    const uint32_t ipi = rc(d.events.bind_ipi(0));
    REQUIRE(rc(d.events.send(ipi)) == 0);
    CHECK(d.info(0).evtchn_upcall_pending == 1);
    CHECK(s.kicks.size() == 1);
    CHECK_FALSE(d.events.events_need_delivery(0));
    d.info(0).evtchn_upcall_mask = 0;
    CHECK(d.events.events_need_delivery(0));
}

TEST_CASE("no shared_info yet: operations work, nothing is delivered", "[event]") {
    EventServices s;
    Domain dom(5, false);
    Vcpu v(dom, 0);
    dom.vcpus[0] = &v;
    dom.vcpu_count = 1;
    EventChannelTable<8> e(dom, s);
    const uint32_t ipi = rc(e.bind_ipi(0));
    CHECK(rc(e.send(ipi)) == 0);
    CHECK(rc(e.unmask(ipi)) == 0);
    CHECK_FALSE(e.port_pending(ipi));
    CHECK(e.vcpu_info(0) == nullptr);
    CHECK(s.kicks.empty());
}

TEST_CASE("interdomain ping-pong between two domains", "[event]") {
    EventServices s;
    TestDomain a(s, 1, false, 1), b(s, 2, false, 1);
    const uint32_t aport = rc(a.events.alloc_unbound(2));
    const uint32_t bport = rc(b.events.bind_interdomain(a.events, aport));
    b.clear_pending(bport);
    b.acknowledge(0);
    s.kicks.clear();

    for (int round = 0; round < 10; ++round) {
        REQUIRE(rc(a.events.send(aport)) == 0); // ping
        CHECK(b.pending(bport));
        CHECK_FALSE(a.pending(aport));
        CHECK(b.info(0).evtchn_upcall_pending == 1);
        CHECK(s.kicks.back() == &b.vcpu(0));
        b.clear_pending(bport);
        b.acknowledge(0);

        REQUIRE(rc(b.events.send(bport)) == 0); // pong
        CHECK(a.pending(aport));
        CHECK(a.info(0).evtchn_upcall_pending == 1);
        CHECK(s.kicks.back() == &a.vcpu(0));
        a.clear_pending(aport);
        a.acknowledge(0);
    }
    CHECK(s.kicks.size() == 20);

    // The peer moves its port to another vCPU... it has only one; bind_vcpu
    // on the interdomain port to vCPU 0 keeps working.
    CHECK(rc(b.events.bind_vcpu(bport, 0)) == 0);
    // Other domains' ports are not ours: sending on a port number that is
    // free in our own table fails.
    TestDomain c(s, 3, false, 1);
    CHECK(rc(c.events.send(aport)) == k_ev_einval);
    CHECK(rc(c.events.close(aport)) == k_ev_einval);
}

TEST_CASE("IPI between two vCPUs of a domain", "[event]") {
    EventServices s;
    TestDomain d(s, 1, false, 2);
    const uint32_t to1 = rc(d.events.bind_ipi(1));
    const uint32_t to0 = rc(d.events.bind_ipi(0));
    for (int i = 0; i < 5; ++i) {
        REQUIRE(rc(d.events.send(to1)) == 0);
        CHECK(d.info(1).evtchn_upcall_pending == 1);
        CHECK(d.info(0).evtchn_upcall_pending == 0);
        CHECK(s.kicks.back() == &d.vcpu(1));
        d.clear_pending(to1);
        d.acknowledge(1);
        REQUIRE(rc(d.events.send(to0)) == 0);
        CHECK(d.info(0).evtchn_upcall_pending == 1);
        CHECK(d.info(1).evtchn_upcall_pending == 0);
        CHECK(s.kicks.back() == &d.vcpu(0));
        d.clear_pending(to0);
        d.acknowledge(0);
    }
}

TEST_CASE("a kick wakes a blocked vCPU", "[event]") {
    EventServices s;
    TestDomain d(s, 1, false, 2);
    const uint32_t ipi = rc(d.events.bind_ipi(1));
    d.vcpu(1).state = VcpuState::blocked;
    REQUIRE(rc(d.events.send(ipi)) == 0);
    CHECK(d.vcpu(1).state == VcpuState::runnable);
}

TEST_CASE("send_virq: per-vCPU and global, unbound VIRQs are dropped", "[event]") {
    EventServices s;
    TestDomain d(s, 0, true, 2);
    d.events.send_virq(abi::Virq::timer, 1); // unbound: nothing
    CHECK(s.kicks.empty());
    const uint32_t t1 = rc(d.events.bind_virq(virq(abi::Virq::timer), 1));
    const uint32_t exc = rc(d.events.bind_virq(virq(abi::Virq::dom_exc), 0));
    d.events.send_virq(abi::Virq::timer, 0); // bound on vCPU 1 only
    CHECK_FALSE(d.pending(t1));
    d.events.send_virq(abi::Virq::timer, 1);
    CHECK(d.pending(t1));
    CHECK(s.kicks.back() == &d.vcpu(1));
    d.events.send_virq(abi::Virq::dom_exc, 1); // global: vcpu ignored, lands on 0
    CHECK(d.pending(exc));
    CHECK(d.info(0).evtchn_upcall_pending == 1);
    d.events.send_virq(static_cast<abi::Virq>(200), 0); // out of range: ignored
    d.events.send_virq(abi::Virq::timer, 50);           // no such vCPU: ignored
}

TEST_CASE("reset closes every port, peers go back to unbound", "[event]") {
    EventServices s;
    TestDomain a(s, 1, false, 1), b(s, 2, false, 1);
    const uint32_t aport = rc(a.events.alloc_unbound(2));
    const uint32_t bport = rc(b.events.bind_interdomain(a.events, aport));
    (void)b.events.bind_virq(virq(abi::Virq::timer), 0);
    (void)b.events.bind_ipi(0);
    b.events.reset();
    for (uint32_t p = 1; p < k_test_ports; ++p)
        CHECK(b.events.port(p).state == PortState::free);
    CHECK(b.events.port(0).state == PortState::reserved);
    CHECK_FALSE(b.pending(bport));
    CHECK(a.events.port(aport).state == PortState::unbound);
    CHECK(a.events.port(aport).remote_domid == 2);
    CHECK_FALSE(b.events.virq_bound(abi::Virq::timer, 0));
}

TEST_CASE("move_vcpu_info: contents move, every selector bit is marked, only once", "[event]") {
    EventServices s;
    TestDomain d(s, 1, false, 2);
    d.info(1).evtchn_upcall_mask = 1;
    d.info(1).arch.cr2 = 0x1234;
    d.info(1).time.version = 8;
    alignas(64) static abi::VcpuInfo elsewhere[2];
    std::memset(elsewhere, 0, sizeof(elsewhere));

    REQUIRE(rc(d.events.move_vcpu_info(1, &elsewhere[0], 77)) == 0);
    CHECK(d.events.vcpu_info(1) == &elsewhere[0]);
    CHECK(d.events.vcpu_info_mfn(1) == 77);
    CHECK(elsewhere[0].evtchn_upcall_mask == 1);
    CHECK(elsewhere[0].arch.cr2 == 0x1234);
    CHECK(elsewhere[0].time.version == 8);
    CHECK(elsewhere[0].evtchn_pending_sel == ~uint64_t{0});
    CHECK(elsewhere[0].evtchn_upcall_pending == 1);
    CHECK(s.kicks_of(d.vcpu(1)) == 1);
    CHECK(rc(d.events.move_vcpu_info(1, &elsewhere[1], 78)) == k_ev_einval);
    CHECK(rc(d.events.move_vcpu_info(2, &elsewhere[1], 78)) == k_ev_einval);

    // Delivery now goes only to the new copy.
    elsewhere[0].evtchn_upcall_pending = 0;
    elsewhere[0].evtchn_pending_sel = 0;
    const uint32_t ipi = rc(d.events.bind_ipi(1));
    REQUIRE(rc(d.events.send(ipi)) == 0);
    CHECK(elsewhere[0].evtchn_upcall_pending == 1);
    CHECK(d.shared->vcpu_info[1].evtchn_upcall_pending == 0);
    CHECK(d.shared->vcpu_info[1].evtchn_pending_sel == 0);
    // vCPU 0 still uses shared_info.
    CHECK(d.events.vcpu_info(0) == &d.shared->vcpu_info[0]);
}
