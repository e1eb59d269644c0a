// event_channel_op through the PV hypercall table: copy in / copy out,
// DOMID_SELF, privilege, FIFO -ENOSYS, the compat hypercall, sched_op poll.
#include "tests/unit/event/event_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;
using Op = abi::EventChannelOp;

TEST_CASE("event_channel_op: alloc_unbound, bind_interdomain and send through guest memory",
          "[event]") {
    EventWorld w;
    abi::EvtchnAllocUnbound alloc{abi::k_domid_self, 2, 0xdead};
    REQUIRE(w.evtchn(Op::alloc_unbound, alloc) == 0);
    CHECK(alloc.port == 1);
    CHECK(w.guest1.events.port(1).remote_domid == 2);

    w.act_as(w.guest2, 0);
    abi::EvtchnBindInterdomain bind{abi::k_domid_self, 0, 1, 0};
    CHECK(w.evtchn(Op::bind_interdomain, bind) == k_ev_einval); // port 1 of guest2 itself
    bind = {1, 0, 1, 0};
    REQUIRE(w.evtchn(Op::bind_interdomain, bind) == 0);
    const uint32_t local = bind.local_port;
    CHECK(local == 1);
    bind = {77, 0, 1, 0};
    CHECK(w.evtchn(Op::bind_interdomain, bind) == k_ev_esrch);
    CHECK(bind.local_port == 0); // nothing written back on failure

    abi::EvtchnSend send{local};
    w.guest1.clear_pending(1);
    REQUIRE(w.evtchn(Op::send, send) == 0);
    CHECK(w.guest1.pending(1));

    abi::EvtchnStatus st{};
    st.dom = abi::k_domid_self;
    st.port = 1;
    REQUIRE(w.evtchn(Op::status, st) == 0);
    CHECK(st.status == abi::raw(abi::EvtchnState::interdomain));
    CHECK(st.u.interdomain.dom == 1);
    CHECK(st.u.interdomain.port == 1);

    abi::EvtchnClose close{1};
    REQUIRE(w.evtchn(Op::close, close) == 0);
    CHECK(w.evtchn(Op::close, close) == k_ev_einval);
    CHECK(w.guest1.events.port(1).state == PortState::unbound);
}

TEST_CASE("event_channel_op: DOMID_SELF loopback for remote_dom", "[event]") {
    EventWorld w;
    abi::EvtchnAllocUnbound alloc{abi::k_domid_self, abi::k_domid_self, 0};
    REQUIRE(w.evtchn(Op::alloc_unbound, alloc) == 0);
    CHECK(w.guest1.events.port(alloc.port).remote_domid == 1);
    abi::EvtchnBindInterdomain bind{abi::k_domid_self, 0, alloc.port, 0};
    REQUIRE(w.evtchn(Op::bind_interdomain, bind) == 0);
    CHECK(w.guest1.events.port(bind.local_port).state == PortState::interdomain);
}

TEST_CASE("event_channel_op: only a privileged caller acts on another domain", "[event]") {
    EventWorld w;
    abi::EvtchnAllocUnbound alloc{2, 1, 0}; // guest1 allocating in guest2
    CHECK(w.evtchn(Op::alloc_unbound, alloc) == k_ev_eperm);
    CHECK(w.guest2.events.port(1).state == PortState::free);
    alloc = {1, 2, 0}; // its own id is fine
    CHECK(w.evtchn(Op::alloc_unbound, alloc) == 0);
    alloc = {99, 2, 0};
    CHECK(w.evtchn(Op::alloc_unbound, alloc) == k_ev_esrch);

    abi::EvtchnStatus st{};
    st.dom = 2;
    st.port = 0;
    CHECK(w.evtchn(Op::status, st) == k_ev_eperm);
    abi::EvtchnReset reset{2};
    CHECK(w.evtchn(Op::reset, reset) == k_ev_eperm);

    // Dom0 builds a channel between guest2 and itself (what a toolstack does
    // for a console or xenstore ring).
    w.act_as(w.dom0, 0);
    alloc = {2, 0, 0};
    REQUIRE(w.evtchn(Op::alloc_unbound, alloc) == 0);
    CHECK(w.guest2.events.port(alloc.port).state == PortState::unbound);
    CHECK(w.guest2.events.port(alloc.port).remote_domid == 0);
    st.dom = 2;
    st.port = alloc.port;
    REQUIRE(w.evtchn(Op::status, st) == 0);
    CHECK(st.status == abi::raw(abi::EvtchnState::unbound));
    CHECK(st.u.unbound.dom == 0);
    // Another domain's table is reset only while it is paused.
    reset = {2};
    CHECK(w.evtchn(Op::reset, reset) == k_ev_ebusy);
    w.guest2.domain.state = DomainState::paused;
    REQUIRE(w.evtchn(Op::reset, reset) == 0);
    CHECK(w.guest2.events.port(alloc.port).state == PortState::free);
}

TEST_CASE("event_channel_op: bind_virq, bind_ipi, bind_vcpu, unmask write their outputs",
          "[event]") {
    EventWorld w;
    abi::EvtchnBindVirq bv{abi::raw(abi::Virq::timer), 1, 0};
    REQUIRE(w.evtchn(Op::bind_virq, bv) == 0);
    CHECK(bv.port == 1);
    CHECK(w.evtchn(Op::bind_virq, bv) == k_ev_eexist);
    bv = {abi::raw(abi::Virq::timer), 5, 0};
    CHECK(w.evtchn(Op::bind_virq, bv) == k_ev_enoent);

    abi::EvtchnBindIpi bi{1, 0};
    REQUIRE(w.evtchn(Op::bind_ipi, bi) == 0);
    CHECK(bi.port == 2);
    abi::EvtchnBindVcpu bvc{bi.port, 0};
    CHECK(w.evtchn(Op::bind_vcpu, bvc) == k_ev_einval);

    w.guest1.mask(bi.port);
    abi::EvtchnSend send{bi.port};
    REQUIRE(w.evtchn(Op::send, send) == 0);
    CHECK(w.guest1.info(1).evtchn_upcall_pending == 0);
    abi::EvtchnUnmask um{bi.port};
    REQUIRE(w.evtchn(Op::unmask, um) == 0);
    CHECK(w.guest1.info(1).evtchn_upcall_pending == 1);

    abi::EvtchnBindPirq bp{1, 0, 0};
    CHECK(w.evtchn(Op::bind_pirq, bp) == k_ev_einval);
}

TEST_CASE("event_channel_op: FIFO and unknown commands are ENOSYS, bad pointers EFAULT",
          "[event]") {
    EventWorld w;
    const auto call = [&](uint64_t cmd, uint64_t arg) {
        return w.call(abi::Hypercall::event_channel_op, cmd, arg);
    };
    CHECK(call(abi::raw(Op::init_control), k_guest_va) == k_ev_enosys);
    CHECK(call(abi::raw(Op::expand_array), k_guest_va) == k_ev_enosys);
    CHECK(call(abi::raw(Op::set_priority), k_guest_va) == k_ev_enosys);
    CHECK(call(14, k_guest_va) == k_ev_enosys);
    CHECK(call(0xffff'ffff, k_guest_va) == k_ev_enosys);
    CHECK(call(abi::raw(Op::send), k_hypervisor_va) == k_ev_efault);
    CHECK(call(abi::raw(Op::send), 0) == k_ev_efault);
    CHECK(call(abi::raw(Op::alloc_unbound), 0x0000'8000'0000'0000) == k_ev_efault);

    // The output cannot be written back: EFAULT, but the port stays taken
    // (as in Xen: "cleaning up here would be a mess").
    w.mem.put(k_guest_va, abi::EvtchnAllocUnbound{abi::k_domid_self, 2, 0});
    w.mem.set_page(k_guest_va, FakeGuestMemory::Page::read_only);
    CHECK(call(abi::raw(Op::alloc_unbound), k_guest_va) == k_ev_efault);
    CHECK(w.guest1.events.port(1).state == PortState::unbound);
}

TEST_CASE("event_channel_op: no table or no caller is ENOSYS", "[event]") {
    EventWorld w;
    w.services.tables.erase(1);
    abi::EvtchnSend send{1};
    CHECK(w.evtchn(Op::send, send) == k_ev_enosys);
    w.ctx.vcpu = nullptr;
    CHECK(w.evtchn(Op::send, send) == k_ev_enosys);
}

TEST_CASE("event_channel_op_compat runs the old commands on the embedded union", "[event]") {
    EventWorld w;
    abi::EvtchnOp op{};
    op.cmd = abi::raw(Op::bind_ipi);
    op.u.bind_ipi = {1, 0};
    w.mem.put(k_guest_va, op);
    REQUIRE(w.call(abi::Hypercall::event_channel_op_compat, k_guest_va) == 0);
    op = w.mem.get<abi::EvtchnOp>(k_guest_va);
    CHECK(op.u.bind_ipi.port == 1);

    op.cmd = abi::raw(Op::reset); // newer than the compat hypercall
    w.mem.put(k_guest_va, op);
    CHECK(w.call(abi::Hypercall::event_channel_op_compat, k_guest_va) == k_ev_enosys);
    CHECK(w.call(abi::Hypercall::event_channel_op_compat, k_hypervisor_va) == k_ev_efault);
}

// --- sched_op poll ---------------------------------------------------------------

namespace {

constexpr uint64_t k_ports_va = k_guest_va + 0x100;
constexpr uint64_t k_poll_va = k_guest_va + 0x40;

long poll(EventWorld& w, std::vector<uint32_t> ports, uint64_t timeout = 0) {
    for (size_t i = 0; i < ports.size(); ++i)
        w.mem.put(k_ports_va + 4 * i, ports[i]);
    abi::SchedPoll req{};
    req.ports.address = k_ports_va;
    req.nr_ports = static_cast<uint32_t>(ports.size());
    req.timeout = timeout;
    w.mem.put(k_poll_va, req);
    return w.call(abi::Hypercall::sched_op, abi::raw(abi::SchedOp::poll), k_poll_va);
}

} // namespace

TEST_CASE("poll returns at once when a listed port is pending", "[event]") {
    EventWorld w;
    const uint32_t ipi = rc(w.guest1.events.bind_ipi(0));
    w.guest1.mask(ipi);
    REQUIRE(rc(w.guest1.events.send(ipi)) == 0);
    CHECK(poll(w, {ipi}) == 0);
    CHECK(w.services.blocks == 0);
    CHECK(w.guest1.vcpu(0).state == VcpuState::running);
    CHECK_FALSE(w.guest1.events.polling(0));
}

TEST_CASE("poll returns at once when an unmasked upcall is pending", "[event]") {
    EventWorld w;
    w.guest1.info(0).evtchn_upcall_pending = 1;
    CHECK(poll(w, {5}) == 0);
    CHECK(w.services.blocks == 0);
    // Masked upcalls do not count.
    w.guest1.info(0).evtchn_upcall_mask = 1;
    CHECK(poll(w, {5}) == 0);
    CHECK(w.services.blocks == 1);
}

TEST_CASE("poll: bad port numbers and unreadable lists", "[event]") {
    EventWorld w;
    CHECK(poll(w, {1, k_test_ports}) == k_ev_einval);
    CHECK_FALSE(w.guest1.events.polling(0));
    CHECK(w.guest1.vcpu(0).state == VcpuState::running);
    w.mem.set_page(k_guest_va, FakeGuestMemory::Page::read_only); // still readable
    CHECK(poll(w, {}) == 0);
    abi::SchedPoll req{};
    req.ports.address = k_guest_va + k_guest_va_pages * 4096 - 4; // second entry unmapped
    req.nr_ports = 2;
    w.mem.put(k_poll_va, req);
    CHECK(w.call(abi::Hypercall::sched_op, abi::raw(abi::SchedOp::poll), k_poll_va) == k_ev_efault);
    CHECK_FALSE(w.guest1.events.polling(0));
}

TEST_CASE("poll on one port: only that port wakes it", "[event]") {
    EventWorld w;
    const uint32_t a = rc(w.guest1.events.bind_ipi(0));
    const uint32_t b = rc(w.guest1.events.bind_ipi(0));
    w.guest1.mask(a);
    w.guest1.mask(b);
    REQUIRE(poll(w, {a}) == 0);
    CHECK(w.services.blocks == 1);
    CHECK(w.guest1.vcpu(0).state == VcpuState::blocked);
    CHECK(w.guest1.events.polling(0));

    REQUIRE(rc(w.guest1.events.send(b)) == 0); // masked, not polled: still asleep
    CHECK(w.guest1.vcpu(0).state == VcpuState::blocked);
    REQUIRE(rc(w.guest1.events.send(a)) == 0);
    CHECK(w.guest1.vcpu(0).state == VcpuState::runnable);
    CHECK_FALSE(w.guest1.events.polling(0));
}

TEST_CASE("poll on several ports: any newly pending port wakes it (as Xen)", "[event]") {
    EventWorld w;
    const uint32_t a = rc(w.guest1.events.bind_ipi(0));
    const uint32_t b = rc(w.guest1.events.bind_ipi(0));
    const uint32_t c = rc(w.guest1.events.bind_ipi(0));
    for (uint32_t p : {a, b, c})
        w.guest1.mask(p);
    REQUIRE(poll(w, {a, b}) == 0);
    CHECK(w.guest1.vcpu(0).state == VcpuState::blocked);
    REQUIRE(rc(w.guest1.events.send(c)) == 0);
    CHECK(w.guest1.vcpu(0).state == VcpuState::runnable);
}

TEST_CASE("poll woken by another domain's send", "[event]") {
    EventWorld w;
    const uint32_t aport = rc(w.guest1.events.alloc_unbound(2));
    const uint32_t bport = rc(w.guest2.events.bind_interdomain(w.guest1.events, aport));
    w.guest1.mask(aport);
    REQUIRE(poll(w, {aport}) == 0);
    REQUIRE(w.guest1.vcpu(0).state == VcpuState::blocked);
    REQUIRE(rc(w.guest2.events.send(bport)) == 0);
    CHECK(w.guest1.vcpu(0).state == VcpuState::runnable);
}

TEST_CASE("poll timeout: the timer ends the poll", "[event]") {
    EventWorld w;
    VcpuTimeState& t = *w.guest1.time[0];
    const uint32_t a = rc(w.guest1.events.bind_ipi(0));
    w.guest1.mask(a);
    const uint64_t deadline = w.services.now + 5'000'000;
    REQUIRE(poll(w, {a}, deadline) == 0);
    CHECK(w.services.armed[&w.guest1.vcpu(0)] == deadline);
    w.services.now = deadline;
    t.timer_expired();
    CHECK(w.guest1.vcpu(0).state == VcpuState::runnable);
    CHECK_FALSE(w.guest1.events.polling(0));
    CHECK_FALSE(w.guest1.pending(a)); // a timeout is not an event
}
