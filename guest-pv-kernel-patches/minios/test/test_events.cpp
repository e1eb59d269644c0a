// Event channels (2-level ABI), timers, block and poll from inside the
// guest, as Xen defines them (common/event_channel.c, event_2l.c,
// common/sched/core.c, common/domain.c):
//   * ports of every kind, their status, and the errors Xen returns;
//   * delivery: send -> pending bit -> upcall with evtchn_upcall_mask set on
//     entry; masked ports stay silent until EVTCHNOP_unmask;
//   * ping-pong over an interdomain channel looped back to ourselves;
//   * VIRQ_TIMER: the default 100 Hz ticker, set_timer_op and the vcpu_op
//     single-shot timer, checked against pvclock system time;
//   * sched_op poll (timeout, pending port) and block (wakes on events);
//   * ping-pong between vCPU 0 and a second vCPU brought up with
//     VCPUOP_initialise / VCPUOP_up (skipped if the domain has only one).
// Time is only ever checked for "not early": how late a timer fires under
// emulation says nothing about the hypervisor.
#include "include/public/vcpu_context.hpp"
#include "kernel/pvclock.hpp"
#include "test/groups.hpp"
#include "test/pv_test.hpp"

namespace minios::test {
namespace {

using abi::Errno;
using abi::EventChannelOp;
using abi::EvtchnState;

constexpr uint64_t k_ms = 1'000'000;
constexpr uint32_t k_no_port = 0xffff'ffff;
constexpr uint32_t k_huge_port = 100'000;

long send(uint32_t port) {
    abi::EvtchnSend arg{port};
    return hv::event_channel_op(EventChannelOp::send, &arg);
}

long close(uint32_t port) {
    abi::EvtchnClose arg{port};
    return hv::event_channel_op(EventChannelOp::close, &arg);
}

long unmask(uint32_t port) {
    abi::EvtchnUnmask arg{port};
    return hv::event_channel_op(EventChannelOp::unmask, &arg);
}

long status(uint32_t port, abi::EvtchnStatus& out) {
    out = abi::EvtchnStatus{};
    out.dom = abi::k_domid_self;
    out.port = port;
    return hv::event_channel_op(EventChannelOp::status, &out);
}

uint32_t bind_ipi(Checker& c, pv::StringView name) {
    abi::EvtchnBindIpi arg{0, k_no_port};
    const long rc = hv::event_channel_op(EventChannelOp::bind_ipi, &arg);
    c.check(rc == 0 && arg.port != 0 && arg.port < abi::k_evtchn_2l_nr_channels, name,
            "returned {}, port {}", rc, arg.port);
    return rc == 0 ? arg.port : k_no_port;
}

long poll(uint32_t* ports, uint32_t count, uint64_t timeout) {
    abi::SchedPoll arg{abi::GuestPtr<uint32_t>::of(ports), count, 0, timeout};
    return hv::sched_op(abi::SchedOp::poll, &arg);
}

long singleshot(uint64_t timeout, uint32_t flags) {
    abi::VcpuSetSingleshotTimer arg{timeout, flags, 0};
    return hv::vcpu_op(abi::VcpuOp::set_singleshot_timer, 0, &arg);
}

// Our domain id as the hypervisor reports it in status (the initial domain
// is 0).
constexpr abi::DomainId k_self_id = 0;

struct Ev {
    Kernel& k;
    Checker& c;
    Events& events;
    abi::VcpuInfo& vcpu;
    uint32_t timer = k_no_port; // VIRQ_TIMER

    Ev(Kernel& kernel, Checker& checker)
        : k(kernel), c(checker), events(kernel.events), vcpu(*kernel.events.vcpu_info()) {}
    uint64_t now() const { return system_time_ns(vcpu.time); }
    uint8_t upcall_pending() const {
        return __atomic_load_n(&vcpu.evtchn_upcall_pending, __ATOMIC_SEQ_CST);
    }
    // Leaves nothing pending or recorded for the next part.
    void settle() {
        events.deliver_pending();
        events.forget_delivered();
    }
};

void test_ipi_delivery(Ev& e) {
    Checker& c = e.c;
    const uint32_t port = bind_ipi(c, "bind_ipi to vCPU 0");
    if (port == k_no_port) return;
    abi::EvtchnStatus st;
    c.check(status(port, st) == 0 && st.status == abi::raw(EvtchnState::ipi) && st.vcpu == 0,
            "status of an IPI port: ipi, vCPU 0", "status {} vcpu {}", st.status, st.vcpu);

    const uint64_t upcalls = e.events.upcalls();
    const uint64_t unmasked = e.events.upcalls_unmasked_on_entry();
    c.expect(send(port), 0, "send on the IPI port");
    c.check(e.events.port_pending(port) && e.upcall_pending() == 1 &&
                (e.vcpu.evtchn_pending_sel >> (port / 64) & 1) != 0,
            "send sets the pending bit, the selector bit and upcall_pending",
            "pending {} upcall_pending {} sel {:#x}", e.events.port_pending(port),
            e.upcall_pending(), e.vcpu.evtchn_pending_sel);
    c.check(e.events.upcalls() == upcalls, "no upcall while events are masked");
    e.events.deliver_pending();
    c.check(e.events.take_delivered(port) && e.events.upcalls() > upcalls,
            "upcall delivered the port once unmasked");
    c.check(e.events.upcalls_unmasked_on_entry() == unmasked,
            "upcall entered with evtchn_upcall_mask set");
    c.check(e.events.last_saved_mask() == 0, "bounce frame records the interrupted mask (0)",
            "mask {}", e.events.last_saved_mask());
    c.check(!e.events.port_pending(port) && e.vcpu.evtchn_upcall_mask == 1,
            "port acknowledged, events masked again");

    // A masked port stays pending silently until EVTCHNOP_unmask.
    e.events.set_mask(port, true);
    c.expect(send(port), 0, "send on a masked port");
    c.check(e.events.port_pending(port) && e.upcall_pending() == 0,
            "masked port: pending, no upcall_pending", "pending {} upcall_pending {}",
            e.events.port_pending(port), e.upcall_pending());
    e.events.deliver_pending();
    c.check(!e.events.take_delivered(port) && e.events.port_pending(port),
            "masked port not delivered");
    c.expect(unmask(port), 0, "EVTCHNOP_unmask");
    c.check(!e.events.port_masked(port) && e.upcall_pending() == 1,
            "unmask clears the mask bit and re-raises upcall_pending",
            "masked {} upcall_pending {}", e.events.port_masked(port), e.upcall_pending());
    e.events.deliver_pending();
    c.check(e.events.take_delivered(port), "unmasked port delivered");

    c.expect(close(port), 0, "close the IPI port");
    c.expect(close(port), err(Errno::einval), "close it again (-EINVAL)");
    c.check(status(port, st) == 0 && st.status == abi::raw(EvtchnState::closed),
            "status of a closed port: closed", "status {}", st.status);
    c.expect(send(port), err(Errno::einval), "send on a closed port (-EINVAL)");
    e.settle();
}

void test_bad_arguments(Ev& e) {
    Checker& c = e.c;
    abi::EvtchnStatus st;
    c.expect(send(k_huge_port), err(Errno::einval), "send on a port beyond the table (-EINVAL)");
    c.expect(send(0), err(Errno::einval), "send on port 0 (-EINVAL)");
    c.expect(close(0), err(Errno::einval), "close port 0 (-EINVAL)");
    c.expect(close(k_huge_port), err(Errno::einval), "close a port beyond the table (-EINVAL)");
    c.expect(status(k_huge_port, st), err(Errno::einval),
             "status of a port beyond the table (-EINVAL)");
    c.check(status(0, st) == 0 && st.status == abi::raw(EvtchnState::closed),
            "status of port 0: closed", "status {}", st.status);
    c.expect(unmask(k_huge_port), err(Errno::einval), "unmask a port beyond the table (-EINVAL)");

    abi::EvtchnBindIpi ipi{4096, 0};
    c.expect(hv::event_channel_op(EventChannelOp::bind_ipi, &ipi), err(Errno::enoent),
             "bind_ipi to a vCPU that does not exist (-ENOENT)");
    abi::EvtchnBindVirq virq{99, 0, 0};
    c.expect(hv::event_channel_op(EventChannelOp::bind_virq, &virq), err(Errno::einval),
             "bind_virq of VIRQ 99 (-EINVAL)");
    virq = abi::EvtchnBindVirq{abi::raw(abi::Virq::console), 1, 0};
    c.expect(hv::event_channel_op(EventChannelOp::bind_virq, &virq), err(Errno::einval),
             "bind_virq of a global VIRQ to vCPU 1 (-EINVAL)");
    abi::EvtchnBindInterdomain bind{abi::k_domid_self, 0, k_huge_port, 0};
    c.expect(hv::event_channel_op(EventChannelOp::bind_interdomain, &bind), err(Errno::einval),
             "bind_interdomain to a port beyond the table (-EINVAL)");
    c.expect(hv::call(abi::Hypercall::event_channel_op, 99, 0), err(Errno::enosys),
             "event_channel_op unknown command (-ENOSYS)");
}

void test_loopback_ping_pong(Ev& e) {
    Checker& c = e.c;
    abi::EvtchnAllocUnbound alloc{abi::k_domid_self, abi::k_domid_self, 0};
    const long rc = hv::event_channel_op(EventChannelOp::alloc_unbound, &alloc);
    c.expect(rc, 0, "alloc_unbound for ourselves (DOMID_SELF)");
    if (rc != 0) return;
    const uint32_t a = alloc.port;
    abi::EvtchnStatus st;
    c.check(status(a, st) == 0 && st.status == abi::raw(EvtchnState::unbound) &&
                st.u.unbound.dom == k_self_id,
            "status of an unbound port: unbound, remote is us", "status {} dom {}", st.status,
            st.u.unbound.dom);
    c.expect(send(a), 0, "send on an unbound port is dropped (0)");
    c.check(!e.events.port_pending(a), "nothing pending after it");

    abi::EvtchnBindInterdomain bind{abi::k_domid_self, 0, a, 0};
    c.expect(hv::event_channel_op(EventChannelOp::bind_interdomain, &bind), 0,
             "bind_interdomain to our own unbound port");
    const uint32_t b = bind.local_port;
    c.check(b != a && e.events.port_pending(b), "the new local port starts pending",
            "port {} pending {}", b, e.events.port_pending(b));
    e.settle();
    c.check(status(a, st) == 0 && st.status == abi::raw(EvtchnState::interdomain) &&
                st.u.interdomain.dom == k_self_id && st.u.interdomain.port == b,
            "status of one end: interdomain, the other port", "status {} dom {} port {}", st.status,
            st.u.interdomain.dom, st.u.interdomain.port);
    c.check(status(b, st) == 0 && st.status == abi::raw(EvtchnState::interdomain) &&
                st.u.interdomain.port == a,
            "status of the other end", "status {} port {}", st.status, st.u.interdomain.port);
    bind = abi::EvtchnBindInterdomain{abi::k_domid_self, 0, a, 0};
    c.expect(hv::event_channel_op(EventChannelOp::bind_interdomain, &bind), err(Errno::einval),
             "bind_interdomain to a port already bound (-EINVAL)");

    unsigned good = 0;
    constexpr unsigned k_rounds = 16;
    for (unsigned round = 0; round < k_rounds; ++round) {
        const uint32_t from = round % 2 == 0 ? a : b;
        const uint32_t to = round % 2 == 0 ? b : a;
        if (send(from) != 0) continue;
        const bool only_peer = e.events.port_pending(to) && !e.events.port_pending(from);
        e.events.deliver_pending();
        if (only_peer && e.events.take_delivered(to) && !e.events.take_delivered(from)) ++good;
    }
    c.check(good == k_rounds, "ping-pong: each send raises the other end only", "{} of {} rounds",
            good, k_rounds);

    abi::EvtchnBindVcpu to_vcpu{a, 0};
    c.expect(hv::event_channel_op(EventChannelOp::bind_vcpu, &to_vcpu), 0,
             "bind_vcpu of an interdomain port");
    c.expect(close(b), 0, "close one end");
    c.check(status(a, st) == 0 && st.status == abi::raw(EvtchnState::unbound) &&
                st.u.unbound.dom == k_self_id,
            "the other end is unbound again", "status {} dom {}", st.status, st.u.unbound.dom);
    c.expect(close(a), 0, "close the other end");
    e.settle();
}

// Binds VIRQ_TIMER (kept bound for the rest of the group: block's safety
// net needs it).
bool bind_timer(Ev& e) {
    Checker& c = e.c;
    abi::EvtchnBindVirq virq{abi::raw(abi::Virq::timer), 0, 0};
    const long rc = hv::event_channel_op(EventChannelOp::bind_virq, &virq);
    c.expect(rc, 0, "bind_virq VIRQ_TIMER on vCPU 0");
    if (rc != 0) return false;
    e.timer = virq.port;
    abi::EvtchnStatus st;
    c.check(status(e.timer, st) == 0 && st.status == abi::raw(EvtchnState::virq) &&
                st.u.virq == abi::raw(abi::Virq::timer) && st.vcpu == 0,
            "status of a VIRQ port: virq, VIRQ_TIMER, vCPU 0", "status {} virq {} vcpu {}",
            st.status, st.u.virq, st.vcpu);
    virq = abi::EvtchnBindVirq{abi::raw(abi::Virq::timer), 0, 0};
    c.expect(hv::event_channel_op(EventChannelOp::bind_virq, &virq), err(Errno::eexist),
             "bind_virq VIRQ_TIMER twice (-EEXIST)");
    abi::EvtchnBindVcpu to_vcpu{e.timer, 0};
    c.expect(hv::event_channel_op(EventChannelOp::bind_vcpu, &to_vcpu), err(Errno::einval),
             "bind_vcpu of a per-vCPU VIRQ (-EINVAL)");
    return true;
}

// Waits with sched_op(block) until the timer port is delivered; returns the
// system time then, or 0 if it took more than `rounds` wake-ups.
uint64_t block_until_timer(Ev& e, unsigned rounds = 50) {
    for (unsigned i = 0; i < rounds; ++i) {
        hv::sched_op(abi::SchedOp::block);
        e.events.mask_events();
        if (e.events.take_delivered(e.timer)) return e.now();
    }
    return 0;
}

// The timer port becomes pending within 100 ms (polled, so a timer that
// never fires cannot hang the test). Leaves nothing pending.
bool fires_at_once(Ev& e) {
    uint32_t ports[1] = {e.timer};
    poll(ports, 1, e.now() + 100 * k_ms);
    const bool fired = e.events.port_pending(e.timer);
    e.events.clear_pending(e.timer);
    e.settle();
    return fired;
}

void test_timers(Ev& e) {
    Checker& c = e.c;
    uint32_t ports[1] = {e.timer};

    // Xen gives PV vCPUs a 100 Hz periodic timer by default.
    uint64_t t0 = e.now();
    c.expect(poll(ports, 1, t0 + 500 * k_ms), 0,
             "poll on VIRQ_TIMER with the default periodic timer");
    c.check(e.events.port_pending(e.timer), "the default 100 Hz ticker raised VIRQ_TIMER");
    c.expect(hv::vcpu_op(abi::VcpuOp::stop_periodic_timer, 0), 0, "vcpu_op stop_periodic_timer");
    e.events.clear_pending(e.timer);
    e.settle();
    t0 = e.now();
    c.expect(poll(ports, 1, t0 + 50 * k_ms), 0, "poll on VIRQ_TIMER after stop_periodic_timer");
    c.check(!e.events.port_pending(e.timer) && e.now() >= t0 + 50 * k_ms,
            "no tick, poll ran to its timeout");

    // set_timer_op: block until VIRQ_TIMER, not earlier than asked.
    t0 = e.now();
    const uint64_t deadline = t0 + 20 * k_ms;
    c.expect(hv::set_timer_op(deadline), 0, "set_timer_op 20 ms ahead");
    println("minios-test: blocking until VIRQ_TIMER");
    const uint64_t woke = block_until_timer(e);
    c.check(woke != 0, "block returned with VIRQ_TIMER delivered");
    c.check(woke >= deadline, "VIRQ_TIMER not before the deadline (pvclock)",
            "woke {} ns after asking, wanted {}", woke - t0, deadline - t0);

    // A deadline in the past fires at once (poll: no hang if it does not).
    e.settle();
    c.expect(hv::set_timer_op(e.now() - 1000), 0, "set_timer_op in the past");
    c.check(fires_at_once(e), "a past deadline raises VIRQ_TIMER at once");

    // vcpu_op single-shot timer. Since Xen commit 19c6cbd90965 ("xen/vcpu:
    // ignore VCPU_SSHOTTMR_future", in 4.17.x) the flag is ignored: a past
    // deadline is not refused with -ETIME but fires at once.
    c.expect(singleshot(e.now() - 1000, abi::k_vcpu_sshottmr_future), 0,
             "set_singleshot_timer in the past with VCPU_SSHOTTMR_future (ignored: 0)");
    c.check(fires_at_once(e), "it raises VIRQ_TIMER at once");
    c.expect(singleshot(e.now() - 1000, 0), 0, "set_singleshot_timer in the past without the flag");
    c.check(fires_at_once(e), "it raises VIRQ_TIMER at once too");
    t0 = e.now();
    const uint64_t shot = t0 + 10 * k_ms;
    c.expect(singleshot(shot, abi::k_vcpu_sshottmr_future), 0, "set_singleshot_timer 10 ms ahead");
    const uint64_t shot_woke = block_until_timer(e);
    c.check(shot_woke != 0 && shot_woke >= shot, "single-shot VIRQ_TIMER, not before its deadline",
            "woke {} ns after asking", shot_woke - t0);

    // Stopped timers stay silent.
    c.expect(singleshot(e.now() + 20 * k_ms, 0), 0, "set_singleshot_timer 20 ms ahead, again");
    c.expect(hv::vcpu_op(abi::VcpuOp::stop_singleshot_timer, 0), 0,
             "vcpu_op stop_singleshot_timer");
    t0 = e.now();
    poll(ports, 1, t0 + 60 * k_ms);
    c.check(!e.events.port_pending(e.timer), "no VIRQ_TIMER after stop_singleshot_timer");
    hv::set_timer_op(e.now() + 20 * k_ms);
    c.expect(hv::set_timer_op(0), 0, "set_timer_op(0) stops the timer");
    poll(ports, 1, e.now() + 60 * k_ms);
    c.check(!e.events.port_pending(e.timer), "no VIRQ_TIMER after set_timer_op(0)");
    e.settle();
}

void test_poll_and_block(Ev& e) {
    Checker& c = e.c;
    const uint32_t q = bind_ipi(c, "bind_ipi for poll");
    const uint32_t r = bind_ipi(c, "second IPI port for poll");
    if (q == k_no_port || r == k_no_port) return;
    uint32_t one[1] = {q};

    uint64_t t0 = e.now();
    c.expect(poll(one, 1, t0 + 30 * k_ms), 0, "poll with a timeout, nothing sent");
    const uint64_t t1 = e.now();
    c.check(t1 >= t0 + 30 * k_ms && !e.events.port_pending(q), "poll returned after its timeout",
            "after {} ns", t1 - t0);

    send(q);
    t0 = e.now();
    c.expect(poll(one, 1, t0 + 2000 * k_ms), 0, "poll on a pending port");
    c.check(e.now() - t0 < 1000 * k_ms, "poll on a pending port returns at once", "after {} ns",
            e.now() - t0);

    e.events.clear_pending(q);
    e.events.set_mask(q, true);
    send(q);
    uint32_t two[2] = {r, q};
    t0 = e.now();
    c.expect(poll(two, 2, t0 + 2000 * k_ms), 0, "poll on two ports, the second pending and masked");
    c.check(e.now() - t0 < 1000 * k_ms, "poll sees a masked pending port at once", "after {} ns",
            e.now() - t0);
    e.events.clear_pending(q);
    e.events.set_mask(q, false);

    uint32_t many[129] = {};
    for (uint32_t& p : many)
        p = r;
    c.expect(poll(many, 129, 0), err(Errno::einval), "poll on 129 ports (-EINVAL)");
    uint32_t beyond[1] = {k_huge_port};
    c.expect(poll(beyond, 1, e.now() + 10 * k_ms), err(Errno::einval),
             "poll on a port beyond the table (-EINVAL)");
    e.settle();

    // block with an event already pending returns at once (a 2 s timer is
    // the safety net).
    send(q);
    t0 = e.now();
    c.expect(block_with_timeout(e.k, 2000 * k_ms), 0, "block with an event pending");
    const uint64_t elapsed = e.now() - t0;
    hv::set_timer_op(0);
    c.check(e.events.take_delivered(q) && !e.events.take_delivered(e.timer) &&
                elapsed < 1000 * k_ms,
            "block returned at once and the event was delivered", "after {} ns", elapsed);
    close(q);
    close(r);
    e.settle();
}

// ---- two vCPUs ------------------------------------------------------------

// Shared between vCPU 0 and the second vCPU. The second vCPU runs with
// events masked and only ever polls, so it takes no upcalls (minios's event
// callback serves vCPU 0 only) and touches nothing but this and the
// hypercall page.
struct PingPong {
    abi::SharedInfo* shared = nullptr;
    uint32_t ping = 0; // bound to vCPU 1
    uint32_t pong = 0; // bound to vCPU 0
    uint32_t started = 0;
    uint32_t stop = 0;
    uint32_t rounds = 0; // pings vCPU 1 answered
    uint32_t done = 0;
    uint64_t rdi = 0, rsi = 0; // as vCPU 1 found them
    uint8_t mask = 0xff;       // its evtchn_upcall_mask when it started
};
PingPong ping_pong;
constexpr uint64_t k_rdi_magic = 0x1d1d'0000'0000'0001, k_rsi_magic = 0x5151'0000'0000'0002;

constexpr unsigned k_secondary_stack_pages = 2;

bool shared_pending(const abi::SharedInfo* s, uint32_t port) {
    return (__atomic_load_n(&s->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >> (port % 64)) & 1;
}

void shared_clear(abi::SharedInfo* s, uint32_t port) {
    __atomic_fetch_and(&s->evtchn_pending[port / 64], ~(uint64_t{1} << (port % 64)),
                       __ATOMIC_SEQ_CST);
}

// vCPU 1's code: answer every ping with a pong until told to stop, then
// take itself down. Its context passes two values in rdi and rsi.
[[noreturn]] void secondary_main(uint64_t rdi, uint64_t rsi) {
    PingPong* pp = &ping_pong;
    abi::VcpuInfo& self = pp->shared->vcpu_info[1];
    pp->mask = __atomic_load_n(&self.evtchn_upcall_mask, __ATOMIC_SEQ_CST);
    __atomic_store_n(&self.evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST); // no upcalls here
    pp->rdi = rdi;
    pp->rsi = rsi;
    __atomic_store_n(&pp->started, 1, __ATOMIC_SEQ_CST);
    for (;;) {
        uint32_t ports[1] = {pp->ping};
        poll(ports, 1, 0);
        if (!shared_pending(pp->shared, pp->ping)) continue;
        shared_clear(pp->shared, pp->ping);
        if (__atomic_load_n(&pp->stop, __ATOMIC_SEQ_CST) != 0) break;
        __atomic_fetch_add(&pp->rounds, 1, __ATOMIC_SEQ_CST);
        send(pp->pong);
    }
    __atomic_store_n(&pp->done, 1, __ATOMIC_SEQ_CST);
    send(pp->pong);
    for (;;)
        hv::vcpu_op(abi::VcpuOp::down, 1);
}

// Waits (polling, events masked) until the pong port is pending; clears it.
bool wait_pong(Ev& e, uint64_t limit_ns) {
    uint32_t ports[1] = {ping_pong.pong};
    const uint64_t deadline = e.now() + limit_ns;
    while (!e.events.port_pending(ping_pong.pong) && e.now() < deadline)
        poll(ports, 1, deadline);
    const bool seen = e.events.port_pending(ping_pong.pong);
    e.events.clear_pending(ping_pong.pong);
    return seen;
}

void test_two_vcpus(Ev& e) {
    Checker& c = e.c;
    if (hv::vcpu_op(abi::VcpuOp::is_up, 1) < 0) {
        c.skip("ping-pong between two vCPUs", "the domain has one vCPU");
        return;
    }
    c.expect(hv::vcpu_op(abi::VcpuOp::is_up, 1), 0, "vcpu_op is_up of vCPU 1 before it is started");
    PingPong& pp = ping_pong;
    pp = PingPong{};
    pp.shared = e.events.shared_info();
    abi::EvtchnBindIpi ipi{1, 0};
    c.expect(hv::event_channel_op(EventChannelOp::bind_ipi, &ipi), 0, "bind_ipi to vCPU 1");
    pp.ping = ipi.port;
    abi::EvtchnStatus st;
    c.check(status(pp.ping, st) == 0 && st.vcpu == 1, "its status names vCPU 1", "vcpu {}",
            st.vcpu);
    pp.pong = bind_ipi(c, "bind_ipi to vCPU 0 for the answers");

    auto* stack = static_cast<uint8_t*>(e.k.pages.alloc_contiguous(k_secondary_stack_pages));
    static abi::VcpuGuestContext ctxt;
    ctxt = abi::VcpuGuestContext{};
    if (stack == nullptr || pp.pong == k_no_port) {
        c.skip("ping-pong between two vCPUs", "no stack or ports");
        return;
    }
    const uint64_t top = page_va(stack) + k_secondary_stack_pages * k_page_size;
    ctxt.flags = abi::k_vgcf_in_kernel;
    ctxt.user_regs.rip = reinterpret_cast<uintptr_t>(&secondary_main);
    ctxt.user_regs.rdi = k_rdi_magic;
    ctxt.user_regs.rsi = k_rsi_magic;
    ctxt.user_regs.rsp = top - 8; // as if called
    ctxt.user_regs.cs = abi::k_flat_kernel_cs;
    ctxt.user_regs.ss = abi::k_flat_kernel_ss;
    ctxt.user_regs.rflags = 0x2;
    for (const abi::TrapInfo* t = installed_trap_table(); t->address != 0; ++t)
        ctxt.trap_ctxt[t->vector] = *t;
    ctxt.kernel_ss = abi::k_flat_kernel_ss;
    ctxt.kernel_sp = top;
    const uint64_t l4_mfn = e.k.boot.mfn_of(e.k.boot.pfn_of(e.k.boot.start_info->pt_base));
    ctxt.ctrlreg[3] = abi::pfn_to_cr3(l4_mfn);
    ctxt.event_callback_eip = reinterpret_cast<uintptr_t>(&minios_event_callback);
    ctxt.failsafe_callback_eip = reinterpret_cast<uintptr_t>(&minios_failsafe_callback);
    ctxt.syscall_callback_eip = reinterpret_cast<uintptr_t>(&minios_syscall_callback);
    ctxt.vm_assist = uint64_t{1} << abi::raw(abi::VmAssistType::writable_pagetables);
    // vCPU 1 takes no upcalls.
    __atomic_store_n(&pp.shared->vcpu_info[1].evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);

    c.expect(hv::vcpu_op(abi::VcpuOp::initialise, 1, &ctxt), 0, "vcpu_op initialise vCPU 1");
    c.expect(hv::vcpu_op(abi::VcpuOp::initialise, 1, &ctxt), err(Errno::eexist),
             "vcpu_op initialise vCPU 1 again (-EEXIST)");
    const long up = hv::vcpu_op(abi::VcpuOp::up, 1);
    c.expect(up, 0, "vcpu_op up vCPU 1");
    if (up != 0) return;
    c.expect(hv::vcpu_op(abi::VcpuOp::is_up, 1), 1, "vcpu_op is_up of vCPU 1 once up");

    constexpr unsigned k_rounds = 32;
    unsigned answered = 0;
    for (unsigned round = 0; round < k_rounds; ++round) {
        if (send(pp.ping) != 0) break;
        if (!wait_pong(e, 2000 * k_ms)) break;
        ++answered;
    }
    c.check(__atomic_load_n(&pp.started, __ATOMIC_SEQ_CST) == 1, "vCPU 1 ran its code");
    c.check(pp.rdi == k_rdi_magic && pp.rsi == k_rsi_magic,
            "vCPU 1 started with its context's rdi and rsi", "rdi {:#x} rsi {:#x}", pp.rdi, pp.rsi);
    // user_regs.saved_upcall_mask is the hypervisor's frame field, not the
    // guest's event mask: Xen leaves vcpu_info alone.
    c.check(pp.mask == 1, "initialise leaves vCPU 1's evtchn_upcall_mask as the guest set it (1)",
            "mask {} (context saved_upcall_mask 0)", pp.mask);
    c.check(answered == k_rounds && __atomic_load_n(&pp.rounds, __ATOMIC_SEQ_CST) == k_rounds,
            "ping-pong between vCPU 0 and vCPU 1", "{} answered, vCPU 1 counted {}", answered,
            pp.rounds);

    __atomic_store_n(&pp.stop, 1, __ATOMIC_SEQ_CST);
    send(pp.ping);
    wait_pong(e, 2000 * k_ms);
    c.check(__atomic_load_n(&pp.done, __ATOMIC_SEQ_CST) == 1, "vCPU 1 stopped when asked");
    long is_up = 1;
    for (unsigned i = 0; i < 1000 && is_up == 1; ++i) {
        hv::sched_op(abi::SchedOp::yield);
        is_up = hv::vcpu_op(abi::VcpuOp::is_up, 1);
    }
    c.expect(is_up, 0, "vcpu_op down by vCPU 1 itself: is_up 0");
    close(pp.ping);
    close(pp.pong);
    e.settle();
}

void test_reset(Ev& e) {
    Checker& c = e.c;
    const uint32_t p = bind_ipi(c, "bind_ipi before reset");
    abi::EvtchnReset reset{abi::k_domid_self};
    c.expect(hv::event_channel_op(EventChannelOp::reset, &reset), 0, "EVTCHNOP_reset of ourselves");
    abi::EvtchnStatus st;
    c.check(status(e.timer, st) == 0 && st.status == abi::raw(EvtchnState::closed) &&
                status(p, st) == 0 && st.status == abi::raw(EvtchnState::closed),
            "reset closed every port");
    abi::EvtchnBindVirq virq{abi::raw(abi::Virq::timer), 0, 0};
    c.expect(hv::event_channel_op(EventChannelOp::bind_virq, &virq), 0,
             "VIRQ_TIMER can be bound again");
    close(virq.port);
    e.settle();
}

} // namespace

void test_events(Kernel& k, Checker& c) {
    if (k.events.vcpu_info() == nullptr) {
        c.skip("event channels", "shared_info not mapped");
        return;
    }
    Ev e(k, c);
    e.events.mask_events();
    e.settle();
    test_ipi_delivery(e);
    test_bad_arguments(e);
    test_loopback_ping_pong(e);
    if (bind_timer(e)) {
        test_timers(e);
        test_poll_and_block(e);
        test_two_vcpus(e);
        test_reset(e);
    }
    e.events.mask_events();
    c.check(hv::xen_version(abi::VersionOp::version) >= 0x30000,
            "hypervisor intact after the event tests");
}

} // namespace minios::test
