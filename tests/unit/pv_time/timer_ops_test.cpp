// set_timer_op and vcpu_op: timers, up/down, runstate, register_vcpu_info.
#include "tests/unit/event/event_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;
using abi::Hypercall;
using abi::VcpuOp;

namespace {

constexpr uint64_t k_arg_va = k_guest_va + 0x200;

struct TimerWorld : EventWorld {
    TimerWorld() {
        timer_port =
            static_cast<uint32_t>(rc(guest1.events.bind_virq(abi::raw(abi::Virq::timer), 0)));
        guest1.clear_pending(timer_port);
    }
    Vcpu& v0() { return guest1.vcpu(0); }
    VcpuTimeState& t0() { return *guest1.time[0]; }
    bool fired() const { return guest1.pending(timer_port); }
    void consume() {
        guest1.clear_pending(timer_port);
        guest1.acknowledge(0);
    }
    uint64_t armed() { return services.armed[&guest1.vcpu(0)]; }
    long set_timer_op(int64_t timeout) {
        return call(Hypercall::set_timer_op, static_cast<uint64_t>(timeout));
    }
    template <typename T> long vcpu_op(VcpuOp cmd, uint32_t vcpu, const T& arg) {
        mem.put(k_arg_va, arg);
        return call(Hypercall::vcpu_op, abi::raw(cmd), vcpu, k_arg_va);
    }
    long vcpu_op(VcpuOp cmd, uint32_t vcpu, uint64_t arg = 0) {
        return call(Hypercall::vcpu_op, abi::raw(cmd), vcpu, arg);
    }
    uint32_t timer_port = 0;
};

} // namespace

TEST_CASE("set_timer_op: a future deadline arms the timer; expiry sends VIRQ_TIMER", "[pv_time]") {
    TimerWorld w;
    const uint64_t deadline = w.services.now + 3'000'000;
    REQUIRE(w.set_timer_op(static_cast<int64_t>(deadline)) == 0);
    CHECK(w.armed() == deadline);
    CHECK(w.t0().singleshot_deadline() == deadline);
    CHECK_FALSE(w.fired());

    w.services.now = deadline - 1; // early (spurious) expiry: nothing
    w.t0().timer_expired();
    CHECK_FALSE(w.fired());
    CHECK(w.armed() == deadline);

    w.services.now = deadline + 10;
    w.t0().timer_expired();
    CHECK(w.fired());
    CHECK(w.guest1.info(0).evtchn_upcall_pending == 1);
    CHECK(w.services.kicks.back() == &w.v0());
    CHECK(w.t0().singleshot_deadline() == 0);
    CHECK(w.t0().armed_deadline() == 0); // one-shot: the spent timer is not re-armed
}

TEST_CASE("set_timer_op: a past deadline fires at once; 0 stops", "[pv_time]") {
    TimerWorld w;
    REQUIRE(w.set_timer_op(static_cast<int64_t>(w.services.now - 5)) == 0);
    CHECK(w.fired());
    CHECK(w.armed() == 0);
    w.consume();
    REQUIRE(w.set_timer_op(static_cast<int64_t>(w.services.now)) == 0); // exactly now
    CHECK(w.fired());
    w.consume();

    REQUIRE(w.set_timer_op(static_cast<int64_t>(w.services.now + 1000)) == 0);
    CHECK(w.armed() == w.services.now + 1000);
    REQUIRE(w.set_timer_op(0) == 0);
    CHECK(w.armed() == 0);
    CHECK(w.t0().singleshot_deadline() == 0);
    w.services.now += 5000;
    w.t0().timer_expired();
    CHECK_FALSE(w.fired());
}

TEST_CASE("set_timer_op: negative or huge timeouts fire in 100 ms (Xen's workaround)",
          "[pv_time]") {
    TimerWorld w;
    const uint64_t now = w.services.now;
    REQUIRE(w.set_timer_op(-1) == 0);
    CHECK(w.armed() == now + k_huge_timeout_fallback_ns);
    REQUIRE(w.set_timer_op(static_cast<int64_t>(now + (uint64_t{1} << 50))) == 0);
    CHECK(w.armed() == now + k_huge_timeout_fallback_ns);
    const uint64_t far = now + (uint64_t{1} << 50) - 1; // just under: taken as is
    REQUIRE(w.set_timer_op(static_cast<int64_t>(far)) == 0);
    CHECK(w.armed() == far);
    CHECK_FALSE(w.fired());
}

TEST_CASE("vcpu_op set_singleshot_timer: VCPU_SSHOTTMR_future and the caller's own vCPU",
          "[pv_time]") {
    TimerWorld w;
    const uint64_t now = w.services.now;
    // Xen ignores VCPU_SSHOTTMR_future: a passed deadline fires at once.
    abi::VcpuSetSingleshotTimer past{now - 1, abi::k_vcpu_sshottmr_future, 0};
    REQUIRE(w.vcpu_op(VcpuOp::set_singleshot_timer, 0, past) == 0);
    CHECK(w.fired());
    w.consume();

    past.flags = 0; // without the flag a passed deadline fires too
    REQUIRE(w.vcpu_op(VcpuOp::set_singleshot_timer, 0, past) == 0);
    CHECK(w.fired());
    w.consume();

    abi::VcpuSetSingleshotTimer exact{now, abi::k_vcpu_sshottmr_future, 0};
    REQUIRE(w.vcpu_op(VcpuOp::set_singleshot_timer, 0, exact) == 0); // not yet passed
    CHECK(w.fired());
    w.consume();

    abi::VcpuSetSingleshotTimer future{now + 500, abi::k_vcpu_sshottmr_future, 0};
    REQUIRE(w.vcpu_op(VcpuOp::set_singleshot_timer, 0, future) == 0);
    CHECK(w.armed() == now + 500);
    CHECK(w.vcpu_op(VcpuOp::set_singleshot_timer, 1, future) == k_ev_einval); // not the caller
    CHECK(w.vcpu_op(VcpuOp::stop_singleshot_timer, 1) == k_ev_einval);
    CHECK(w.vcpu_op(VcpuOp::set_singleshot_timer, 0, k_hypervisor_va) == k_ev_efault);
    REQUIRE(w.vcpu_op(VcpuOp::stop_singleshot_timer, 0) == 0);
    CHECK(w.armed() == 0);
    CHECK(w.vcpu_op(VcpuOp::stop_singleshot_timer, 9) == k_ev_enoent);
}

TEST_CASE("periodic timer: default 100 Hz from start(), set, stop, limits", "[pv_time]") {
    TimerWorld w;
    CHECK(w.t0().periodic_period() == VcpuTimeState::k_default_period_ns);
    w.t0().start(); // first event at once (no periodic event yet), as Xen
    CHECK(w.fired());
    const uint64_t now = w.services.now;
    CHECK(w.armed() == now + VcpuTimeState::k_default_period_ns);
    w.consume();

    w.services.now = now + VcpuTimeState::k_default_period_ns;
    w.t0().timer_expired();
    CHECK(w.fired());
    CHECK(w.armed() == w.services.now + VcpuTimeState::k_default_period_ns);
    w.consume();

    // A singleshot earlier than the next tick arms the timer for itself.
    const uint64_t soon = w.services.now + 1000;
    REQUIRE(w.set_timer_op(static_cast<int64_t>(soon)) == 0);
    CHECK(w.armed() == soon);
    w.services.now = soon;
    w.t0().timer_expired();
    CHECK(w.fired());
    CHECK(w.armed() == soon - 1000 + VcpuTimeState::k_default_period_ns);
    w.consume();

    abi::VcpuSetPeriodicTimer p{999'999};
    CHECK(w.vcpu_op(VcpuOp::set_periodic_timer, 0, p) == k_ev_einval);
    p.period_ns = (~uint64_t{0} >> 2) + 1;
    CHECK(w.vcpu_op(VcpuOp::set_periodic_timer, 0, p) == k_ev_einval);
    CHECK(w.vcpu_op(VcpuOp::set_periodic_timer, 0, k_hypervisor_va) == k_ev_efault);
    p.period_ns = 2'000'000;
    REQUIRE(w.vcpu_op(VcpuOp::set_periodic_timer, 0, p) == 0);
    CHECK(w.t0().periodic_period() == 2'000'000);

    REQUIRE(w.vcpu_op(VcpuOp::stop_periodic_timer, 0) == 0);
    CHECK(w.t0().periodic_period() == 0);
    CHECK(w.armed() == 0);
    w.services.now += 50'000'000;
    w.t0().timer_expired();
    CHECK_FALSE(w.fired());
    // Another vCPU's periodic timer may be set (not only the caller's).
    CHECK(w.vcpu_op(VcpuOp::stop_periodic_timer, 1) == 0);
}

TEST_CASE("vcpu_op: is_up, up, down, initialise, unknown", "[pv_time]") {
    TimerWorld w;
    CHECK(w.vcpu_op(VcpuOp::is_up, 0) == 1);
    CHECK(w.vcpu_op(VcpuOp::is_up, 1) == 0);
    CHECK(w.vcpu_op(VcpuOp::is_up, 2) == k_ev_enoent);
    CHECK(w.vcpu_op(VcpuOp::up, 0) == 0);
    CHECK(w.vcpu_op(VcpuOp::up, 1) == k_ev_einval); // never initialised
    CHECK(w.vcpu_op(VcpuOp::initialise, 1, k_arg_va) == k_ev_enosys);
    CHECK(w.vcpu_op(VcpuOp::get_physid, 0, k_arg_va) == k_ev_einval);
    CHECK(w.vcpu_op(VcpuOp::send_nmi, 0) == k_ev_enosys);
    CHECK(w.call(Hypercall::vcpu_op, 99, 0, k_arg_va) == k_ev_enosys);

    CHECK(w.vcpu_op(VcpuOp::down, 1) == 0); // already down, vCPU 0 still up
    CHECK(w.services.shutdowns.empty());
    REQUIRE(w.vcpu_op(VcpuOp::down, 0) == 0); // the last one: poweroff
    REQUIRE(w.services.shutdowns.size() == 1);
    CHECK(w.services.shutdowns[0].first == &w.guest1.domain);
    CHECK(w.services.shutdowns[0].second == abi::raw(abi::ShutdownReason::poweroff));
}

TEST_CASE("runstate: accounting, get_runstate_info, the registered guest copy", "[pv_time]") {
    TimerWorld w;
    VcpuTimeState& t = w.t0();
    const uint64_t t0 = w.services.now;
    t.runstate_change(abi::RunState::running, t0 + 100);
    t.runstate_change(abi::RunState::blocked, t0 + 1100);
    t.runstate_change(abi::RunState::runnable, t0 + 1600);
    t.runstate_change(abi::RunState::running, t0 + 1700);
    w.services.now = t0 + 2000;

    REQUIRE(w.vcpu_op(VcpuOp::get_runstate_info, 0, k_arg_va) == 0);
    auto info = w.mem.get<abi::VcpuRunstateInfo>(k_arg_va);
    CHECK(info.state == abi::raw(abi::RunState::running));
    CHECK(info.state_entry_time == t0 + 1700);
    CHECK(info.time[0] == 1000 + 300); // running, including the current stretch
    CHECK(info.time[1] == 100);        // runnable
    CHECK(info.time[2] == 500);        // blocked
    CHECK(info.time[3] == 100);        // offline since creation
    CHECK(w.vcpu_op(VcpuOp::get_runstate_info, 0, k_hypervisor_va) == k_ev_efault);

    // Registering copies at once.
    const uint64_t area = k_guest_va + 0x800;
    abi::VcpuRegisterRunstateMemoryArea reg{area};
    REQUIRE(w.vcpu_op(VcpuOp::register_runstate_memory_area, 0, reg) == 0);
    CHECK(t.runstate_area() == area);
    info = w.mem.get<abi::VcpuRunstateInfo>(area);
    CHECK(info.time[0] == 1300);

    // Every reported change rewrites it (with the vCPU's address space).
    t.runstate_change(abi::RunState::blocked, t0 + 3000, &w.mem);
    info = w.mem.get<abi::VcpuRunstateInfo>(area);
    CHECK(info.state == abi::raw(abi::RunState::blocked));
    CHECK(info.time[0] == 2300);
    CHECK(info.state_entry_time == t0 + 3000);

    // With runstate_update_flag the flag never stays set.
    w.guest1.domain.vm_assist |= uint64_t{1} << abi::raw(abi::VmAssistType::runstate_update_flag);
    t.runstate_change(abi::RunState::running, t0 + 4000, &w.mem);
    info = w.mem.get<abi::VcpuRunstateInfo>(area);
    CHECK(info.state_entry_time == t0 + 4000);
    CHECK((info.state_entry_time & abi::k_runstate_update) == 0);
    CHECK(info.time[2] == 500 + 1000);

    reg.addr = k_hypervisor_va;
    CHECK(w.vcpu_op(VcpuOp::register_runstate_memory_area, 0, reg) == k_ev_efault);
    CHECK(t.runstate_area() == area);
    // An address that faults is accepted, copies are just lost.
    reg.addr = k_guest_va + k_guest_va_pages * 4096;
    CHECK(w.vcpu_op(VcpuOp::register_runstate_memory_area, 0, reg) == 0);
    t.runstate_change(abi::RunState::blocked, t0 + 5000, &w.mem);
}

TEST_CASE("register_vcpu_info: Xen's checks, then every delivery uses the new copy", "[pv_time]") {
    TimerWorld w;
    auto& frame = w.services.frames[0x500];
    frame.owner = 1;
    w.services.frames[0x600].owner = 2; // someone else's
    w.guest1.info(0).evtchn_upcall_mask = 1;

    abi::VcpuRegisterVcpuInfo reg{0x500, 4096 - 64 + 8, 0};
    CHECK(w.vcpu_op(VcpuOp::register_vcpu_info, 0, reg) == k_ev_einval); // does not fit
    reg.offset = 4;
    CHECK(w.vcpu_op(VcpuOp::register_vcpu_info, 0, reg) == k_ev_einval); // misaligned
    reg = {0x600, 0, 0};
    CHECK(w.vcpu_op(VcpuOp::register_vcpu_info, 0, reg) == k_ev_einval); // not ours
    reg = {0x700, 0, 0};
    CHECK(w.vcpu_op(VcpuOp::register_vcpu_info, 0, reg) == k_ev_einval); // no such frame
    CHECK(w.vcpu_op(VcpuOp::register_vcpu_info, 0, k_hypervisor_va) == k_ev_efault);
    CHECK(w.vcpu_op(VcpuOp::register_vcpu_info, 3, reg) == k_ev_enoent);
    // Another vCPU only while it is offline.
    w.guest1.vcpu(1).state = VcpuState::runnable;
    reg = {0x500, 64, 0};
    CHECK(w.vcpu_op(VcpuOp::register_vcpu_info, 1, reg) == k_ev_einval);
    w.guest1.vcpu(1).state = VcpuState::offline;
    REQUIRE(w.vcpu_op(VcpuOp::register_vcpu_info, 1, reg) == 0);

    reg = {0x500, 4096 - 64, 0};
    REQUIRE(w.vcpu_op(VcpuOp::register_vcpu_info, 0, reg) == 0);
    auto* moved = reinterpret_cast<abi::VcpuInfo*>(frame.bytes + 4096 - 64);
    CHECK(w.guest1.events.vcpu_info(0) == moved);
    CHECK(w.services.vcpu_info(w.v0()) == moved);
    CHECK(moved->evtchn_upcall_mask == 1); // contents carried over
    CHECK(moved->evtchn_pending_sel == ~uint64_t{0});
    CHECK(moved->evtchn_upcall_pending == 1);
    CHECK(w.vcpu_op(VcpuOp::register_vcpu_info, 0, reg) == k_ev_einval); // only once
    CHECK(w.services.mapped == 2);

    // The timer VIRQ now lands in the new copy only.
    moved->evtchn_pending_sel = 0;
    moved->evtchn_upcall_pending = 0;
    REQUIRE(w.set_timer_op(static_cast<int64_t>(w.services.now - 1)) == 0);
    CHECK(w.fired());
    CHECK(moved->evtchn_upcall_pending == 1);
    CHECK(moved->evtchn_pending_sel == 1);
    CHECK(w.guest1.shared->vcpu_info[0].evtchn_upcall_pending == 0);
    CHECK(w.guest1.shared->vcpu_info[0].evtchn_pending_sel == 0);
}

TEST_CASE("time hypercalls without a caller or time state are ENOSYS", "[pv_time]") {
    TimerWorld w;
    w.services.timers.erase(&w.guest1.vcpu(0));
    CHECK(w.set_timer_op(5) == k_ev_enosys);
    CHECK(w.vcpu_op(VcpuOp::is_up, 0) == k_ev_enosys);
    w.ctx.vcpu = nullptr;
    CHECK(w.vcpu_op(VcpuOp::is_up, 1) == k_ev_enosys);
}
