// minios-bench as the DomU side of `pvctl bench-events` (dom0-tools/lib/
// toolstack/verbs_bench_events.cpp): Dom0 does the timing, this side only
// answers. Pure Xen ABI, PV and PVH alike (the same hypercalls; only how
// they are made differs).
//
//   bench-peer=pong   allocate an unbound port for Dom0 (evtchn alloc_unbound,
//                     dom = DOMID_SELF, remote_dom = 0), say so on the
//                     console, then forever: sched_op poll on the port (events
//                     masked, so the event waits in evtchn_pending),
//                     clear it, evtchn send back.
//   bench-peer=yield  forever: sched_op yield.
//
// Dom0 destroys the domain when it is done; neither loop ends on its own.
#include "arch/hypercall.hpp"
#include "bench/modes.hpp"
#include "kernel/kernel.hpp"

namespace minios::bench {

namespace {

[[noreturn]] void pong(Kernel& k) {
    abi::EvtchnAllocUnbound alloc{};
    alloc.dom = abi::k_domid_self;
    alloc.remote_dom = 0;
    if (const long rc = hv::event_channel_op(abi::EventChannelOp::alloc_unbound, &alloc); rc < 0)
        panic("bench-peer: alloc_unbound for Dom0 failed: {}", rc);
    uint32_t port = alloc.port;
    // Dom0 reads this line from the console ring to learn the port.
    println("bench-peer: ready role=pong port={}", port);
    console().flush();

    // Events masked (evtchn_upcall_mask) from here on: the answer must not
    // wait for an upcall, and an upcall must not take the port's pending bit
    // before the loop sees it (one that did is taken with take_delivered).
    k.events.mask_events();
    abi::SchedPoll poll{};
    poll.ports = abi::GuestPtr<uint32_t>::of(&port);
    poll.nr_ports = 1;
    poll.timeout = 0; // no timeout: Dom0 may take its time to bind
    abi::EvtchnSend send{port};
    for (;;) {
        if (!k.events.port_pending(port) && !k.events.take_delivered(port)) {
            const long rc = hv::sched_op(abi::SchedOp::poll, &poll);
            if (rc < 0) panic("bench-peer: sched_op poll failed: {}", rc);
            if (!k.events.port_pending(port)) continue; // another event woke us
        }
        k.events.clear_pending(port);
        // Before Dom0 binds, the send fails (the port is still unbound);
        // nothing can arrive then anyway.
        (void)hv::event_channel_op(abi::EventChannelOp::send, &send);
    }
}

[[noreturn]] void yield_forever() {
    println("bench-peer: ready role=yield");
    console().flush();
    for (;;)
        hv::sched_op(abi::SchedOp::yield);
}

} // namespace

bool run_peer(Kernel& k, pv::StringView cmdline) {
    if (has_option(cmdline, "bench-peer=pong")) pong(k);
    if (has_option(cmdline, "bench-peer=yield")) yield_forever();
    return false;
}

} // namespace minios::bench
