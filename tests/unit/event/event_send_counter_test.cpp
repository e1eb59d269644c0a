// The per-vCPU count of EVTCHNOP_send (core/domain/counters.hpp): every send
// request the caller makes, on the calling vCPU only, whatever its outcome;
// no other command counts.
#include "tests/unit/event/event_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;
using Op = abi::EventChannelOp;

TEST_CASE("event counters: each EVTCHNOP_send counts once on the calling vCPU",
          "[event][counters]") {
    EventWorld w;
    w.act_as(w.guest1, 1);
    abi::EvtchnBindIpi bind{1, 0};
    REQUIRE(w.evtchn(Op::bind_ipi, bind) == 0);
    CHECK(w.guest1.vcpu(1).counters.event_sends == 0);

    abi::EvtchnSend send{bind.port};
    for (int i = 0; i < 5; ++i)
        REQUIRE(w.evtchn(Op::send, send) == 0);
    CHECK(w.guest1.vcpu(1).counters.event_sends == 5);
    CHECK(w.guest1.vcpu(0).counters.event_sends == 0);
    CHECK(w.guest2.vcpu(1).counters.event_sends == 0);

    // Failed requests were still made: a bad port, a bad pointer.
    abi::EvtchnSend bad{k_test_ports + 3};
    CHECK(w.evtchn(Op::send, bad) == k_ev_einval);
    CHECK(w.call(abi::Hypercall::event_channel_op, abi::raw(Op::send), k_hypervisor_va) ==
          k_ev_efault);
    CHECK(w.guest1.vcpu(1).counters.event_sends == 7);

    // Other commands are not sends.
    abi::EvtchnUnmask unmask{bind.port};
    REQUIRE(w.evtchn(Op::unmask, unmask) == 0);
    abi::EvtchnClose close{bind.port};
    REQUIRE(w.evtchn(Op::close, close) == 0);
    CHECK(w.guest1.vcpu(1).counters.event_sends == 7);
}

TEST_CASE("event counters: a send through the compat hypercall counts too", "[event][counters]") {
    EventWorld w;
    abi::EvtchnOp op{};
    op.cmd = abi::raw(Op::bind_ipi);
    op.u.bind_ipi = {0, 0};
    w.mem.put(k_guest_va, op);
    REQUIRE(w.call(abi::Hypercall::event_channel_op_compat, k_guest_va) == 0);
    const uint32_t port = w.mem.get<abi::EvtchnOp>(k_guest_va).u.bind_ipi.port;
    op.cmd = abi::raw(Op::send);
    op.u.send = {port};
    w.mem.put(k_guest_va, op);
    REQUIRE(w.call(abi::Hypercall::event_channel_op_compat, k_guest_va) == 0);
    CHECK(w.guest1.vcpu(0).counters.event_sends == 1);
}
