// The credit scheduler on a simulated clock: weights share the CPU, caps
// hold, affinity is respected, nobody starves, waking vCPUs are boosted,
// yield gives way, idle CPUs take work, bad parameters change nothing.
#include "core/sched/credit_scheduler.hpp"
#include "tests/unit/sched/sched_sim.hpp"

constexpr auto k_einval = pv::Errno::einval;
constexpr auto k_esrch = pv::Errno::esrch;
constexpr auto k_eexist = pv::Errno::eexist;
constexpr auto k_enospc = pv::Errno::enospc;
constexpr auto k_ebusy = pv::Errno::ebusy;

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::sched;
using pv::test::k_ms;
using pv::test::Sim;
using pv::test::TestDomain;

namespace {

using TestScheduler = CreditSchedulerWith<4, 8, 4>;

SchedParams weight(uint32_t w, uint32_t cap = 0) {
    SchedParams p;
    p.weight = w;
    p.cap = cap;
    return p;
}

SchedParams pinned(CpuMask mask) {
    SchedParams p;
    p.affinity = mask;
    return p;
}

void add_and_wake(CreditScheduler& s, Vcpu& v, const SchedParams& p, Sim* sim = nullptr) {
    REQUIRE(s.add_vcpu(v, p).is_ok());
    const CpuMask kicks = s.wake(v, sim ? sim->now : 0);
    if (sim) sim->kick(kicks);
}

} // namespace

TEST_CASE("weights 256:512 on one CPU share it 1:2", "[sched]") {
    TestScheduler s(1);
    TestDomain a(1), b(2);
    Sim sim(s, 1);
    add_and_wake(s, a.v0, weight(256), &sim);
    add_and_wake(s, b.v0, weight(512), &sim);
    sim.run_for(5000 * k_ms);

    const double ta = static_cast<double>(s.cpu_time(a.v0, sim.now));
    const double tb = static_cast<double>(s.cpu_time(b.v0, sim.now));
    CHECK(ta + tb == Approx(5000.0 * k_ms).epsilon(0.001)); // the CPU never idled
    CHECK(tb / ta == Approx(2.0).epsilon(0.05));
}

TEST_CASE("weights share each CPU of a two-CPU machine", "[sched]") {
    TestScheduler s(2);
    TestDomain a(1, 2), b(2, 2);
    Sim sim(s, 2);
    add_and_wake(s, a.v0, weight(256), &sim);
    add_and_wake(s, a.v1, weight(256), &sim);
    add_and_wake(s, b.v0, weight(512), &sim);
    add_and_wake(s, b.v1, weight(512), &sim);
    sim.run_for(5000 * k_ms);

    const double ta = static_cast<double>(s.cpu_time(a.v0, sim.now) + s.cpu_time(a.v1, sim.now));
    const double tb = static_cast<double>(s.cpu_time(b.v0, sim.now) + s.cpu_time(b.v1, sim.now));
    CHECK(ta + tb == Approx(10000.0 * k_ms).epsilon(0.001));
    CHECK(tb / ta == Approx(2.0).epsilon(0.05));
}

TEST_CASE("a cap of 50 holds even with an idle second CPU", "[sched]") {
    TestScheduler s(2);
    TestDomain capped(1);
    Sim sim(s, 2);
    add_and_wake(s, capped.v0, weight(256, 50), &sim);
    sim.run_for(3000 * k_ms);

    const uint64_t t = s.cpu_time(capped.v0, sim.now);
    CHECK(t <= 1500 * k_ms + k_slice_ns);
    CHECK(t >= 1500 * k_ms - k_slice_ns);
}

TEST_CASE("a cap of 100 holds a two-vCPU domain to one CPU of two", "[sched]") {
    TestScheduler s(2);
    TestDomain d(1, 2);
    Sim sim(s, 2);
    add_and_wake(s, d.v0, weight(256, 100), &sim);
    add_and_wake(s, d.v1, weight(256, 100), &sim);
    sim.run_for(3000 * k_ms);

    const uint64_t t = s.cpu_time(d.v0, sim.now) + s.cpu_time(d.v1, sim.now);
    CHECK(t <= 3000 * k_ms + 2 * k_slice_ns);
    CHECK(t >= 3000 * k_ms - 2 * k_slice_ns);
}

TEST_CASE("a capped domain beside an uncapped one", "[sched]") {
    TestScheduler s(1);
    TestDomain capped(1), free(2);
    Sim sim(s, 1);
    add_and_wake(s, capped.v0, weight(512, 25), &sim);
    add_and_wake(s, free.v0, weight(256), &sim);
    sim.run_for(3000 * k_ms);

    // Its weight would give it 2/3; the cap holds it to a quarter.
    const uint64_t t = s.cpu_time(capped.v0, sim.now);
    CHECK(t <= 750 * k_ms + k_slice_ns);
    CHECK(t >= 750 * k_ms - 2 * k_slice_ns);
    CHECK(s.cpu_time(free.v0, sim.now) + t == 3000 * k_ms);
}

TEST_CASE("changing the cap takes effect at the next periods", "[sched]") {
    TestScheduler s(1);
    TestDomain d(1);
    Sim sim(s, 1);
    add_and_wake(s, d.v0, weight(256, 20), &sim);
    sim.run_for(1500 * k_ms);
    const uint64_t capped = s.cpu_time(d.v0, sim.now);
    CHECK(capped <= 300 * k_ms + k_slice_ns);

    REQUIRE(s.set_params(d.domain, 256, 0).is_ok());
    sim.run_for(1500 * k_ms);
    CHECK(s.cpu_time(d.v0, sim.now) - capped >= 1500 * k_ms - 2 * k_slice_ns);
}

TEST_CASE("a vCPU pinned to CPU 1 never runs on CPU 0", "[sched]") {
    TestScheduler s(2);
    TestDomain a(1), b(2), c(3);
    Sim sim(s, 2);
    sim.pinned = &c.v0;
    sim.pinned_to = cpu_bit(1);
    add_and_wake(s, a.v0, weight(256), &sim);
    add_and_wake(s, b.v0, weight(256), &sim);
    add_and_wake(s, c.v0, pinned(cpu_bit(1)), &sim);
    sim.run_for(2000 * k_ms);

    CHECK(sim.affinity_violations == 0);
    CHECK(s.cpu_time(c.v0, sim.now) > 500 * k_ms); // it did run, on CPU 1

    SECTION("re-pinning to CPU 0 moves it there") {
        sim.pinned_to = cpu_bit(0);
        auto kicks = s.set_affinity(c.v0, cpu_bit(0));
        REQUIRE(kicks.is_ok());
        sim.kick(*kicks);
        sim.settle(); // the move happens at the next scheduling point
        sim.affinity_violations = 0;
        sim.run_for(1000 * k_ms);
        CHECK(sim.affinity_violations == 0);
        CHECK(s.affinity(c.v0) == cpu_bit(0));
    }
}

TEST_CASE("no starvation: a weight-1 domain still runs", "[sched]") {
    TestScheduler s(1);
    TestDomain light(1), heavy(2);
    Sim sim(s, 1);
    add_and_wake(s, heavy.v0, weight(k_max_weight), &sim);
    add_and_wake(s, light.v0, weight(1), &sim);
    sim.run_for(10'000 * k_ms);

    const uint64_t t = s.cpu_time(light.v0, sim.now);
    CHECK(t > 0);
    CHECK(t < 500 * k_ms); // but hardly: its share is 1/65536
}

TEST_CASE("no starvation among many domains on two CPUs", "[sched]") {
    CreditSchedulerWith<2, 8, 8> s(2);
    TestDomain d1(1), d2(2), d3(3), d4(4), d5(5);
    Sim sim(s, 2);
    add_and_wake(s, d1.v0, weight(1), &sim);
    add_and_wake(s, d2.v0, weight(256), &sim);
    add_and_wake(s, d3.v0, weight(1000), &sim);
    add_and_wake(s, d4.v0, weight(4000), &sim);
    add_and_wake(s, d5.v0, weight(65535), &sim);
    sim.run_for(10'000 * k_ms);
    for (Vcpu* v : {&d1.v0, &d2.v0, &d3.v0, &d4.v0, &d5.v0})
        CHECK(s.cpu_time(*v, sim.now) > 0);
    // And the heavier a domain, the more it got.
    CHECK(s.cpu_time(d1.v0, sim.now) < s.cpu_time(d2.v0, sim.now));
    CHECK(s.cpu_time(d2.v0, sim.now) < s.cpu_time(d3.v0, sim.now));
    CHECK(s.cpu_time(d3.v0, sim.now) < s.cpu_time(d4.v0, sim.now));
    CHECK(s.cpu_time(d4.v0, sim.now) < s.cpu_time(d5.v0, sim.now));
}

TEST_CASE("a vCPU waking from blocking preempts a CPU hog at once (BOOST)", "[sched]") {
    TestScheduler s(1);
    TestDomain hog(1), io(2);
    Sim sim(s, 1);
    add_and_wake(s, hog.v0, weight(256), &sim);
    add_and_wake(s, io.v0, weight(256), &sim);
    sim.run_for(1000 * k_ms);
    // io blocks while it runs; the hog has the CPU to itself.
    while (s.current(0) != &io.v0)
        sim.run_for(k_ms);
    io.v0.state = VcpuState::blocked;
    sim.kick(s.sleep(io.v0));
    sim.settle();
    REQUIRE(s.current(0) == &hog.v0);
    sim.run_for(95 * k_ms);
    REQUIRE(s.current(0) == &hog.v0);
    REQUIRE(s.priority(io.v0) == Priority::under);

    // An event: the wake asks CPU 0 to reschedule now, and io runs.
    io.v0.state = VcpuState::runnable;
    const CpuMask kicks = s.wake(io.v0, sim.now);
    CHECK(kicks == cpu_bit(0));
    CHECK(s.priority(io.v0) == Priority::boost);
    sim.kick(kicks);
    sim.settle();
    CHECK(s.current(0) == &io.v0);

    // Found running at a tick, it loses the boost.
    sim.run_for(k_tick_ns);
    CHECK(s.priority(io.v0) != Priority::boost);
}

TEST_CASE("a wake that races a block is not lost", "[sched]") {
    TestScheduler s(1);
    TestDomain d(1);
    Sim sim(s, 1);
    add_and_wake(s, d.v0, weight(256), &sim);
    sim.settle();
    REQUIRE(s.current(0) == &d.v0);

    d.v0.state = VcpuState::blocked;   // sched_op block
    d.v0.state = VcpuState::runnable;  // an event arrives on another CPU...
    CHECK(s.wake(d.v0, sim.now) == 0); // ...still current: nothing to do
    CHECK(s.sleep(d.v0) == 0);         // the block's sleep sees it runnable
    sim.run_for(100 * k_ms);
    CHECK(s.cpu_time(d.v0, sim.now) == 100 * k_ms);

    d.v0.state = VcpuState::blocked;
    sim.kick(s.sleep(d.v0));
    sim.settle();
    CHECK(s.current(0) == nullptr);
    CHECK(d.v0.state == VcpuState::blocked);
}

TEST_CASE("yield gives way to the other vCPUs of the CPU", "[sched]") {
    TestScheduler s(1);
    TestDomain a(1), b(2);
    Sim sim(s, 1);
    add_and_wake(s, a.v0, weight(256), &sim);
    add_and_wake(s, b.v0, weight(256), &sim);
    sim.settle();
    Vcpu* first = s.current(0);
    Vcpu* other = first == &a.v0 ? &b.v0 : &a.v0;
    sim.run_for(5 * k_ms);
    REQUIRE(s.current(0) == first);

    CHECK(s.yield(*other) == 0); // not running: nothing to yield
    const CpuMask kicks = s.yield(*first);
    CHECK(kicks == cpu_bit(0));
    sim.kick(kicks);
    sim.settle();
    CHECK(s.current(0) == other);

    SECTION("alone, a yielding vCPU keeps the CPU") {
        other->state = VcpuState::blocked;
        sim.kick(s.sleep(*other));
        sim.settle();
        REQUIRE(s.current(0) == first);
        sim.kick(s.yield(*first));
        sim.settle();
        CHECK(s.current(0) == first);
    }
}

TEST_CASE("an idle CPU steals queued work from a busy one", "[sched]") {
    TestScheduler s(2);
    TestDomain a(1), b(2), c(3);
    Sim sim(s, 2);
    add_and_wake(s, a.v0, weight(256), &sim);
    add_and_wake(s, b.v0, weight(256), &sim);
    add_and_wake(s, c.v0, weight(256), &sim);
    sim.settle();
    // Two run, one waits in a queue.
    REQUIRE(s.current(0) != nullptr);
    REQUIRE(s.current(1) != nullptr);
    REQUIRE(s.queued(0) + s.queued(1) == 1);
    const uint32_t busy = s.queued(0) == 1 ? 0 : 1;
    const uint32_t other = 1 - busy;
    Vcpu* waiting = nullptr;
    for (Vcpu* v : {&a.v0, &b.v0, &c.v0})
        if (s.running_on(*v) < 0) waiting = v;
    REQUIRE(waiting != nullptr);

    // The vCPU on the other CPU blocks: that CPU takes the waiting one.
    Vcpu* leaving = s.current(other);
    leaving->state = VcpuState::blocked;
    sim.kick(s.sleep(*leaving));
    sim.settle();
    CHECK(s.running_on(*waiting) == static_cast<int>(other));
    CHECK(s.queued(busy) == 0);
}

TEST_CASE("work spreads over idle CPUs", "[sched]") {
    TestScheduler s(4);
    TestDomain d1(1, 2), d2(2, 2);
    Sim sim(s, 4);
    add_and_wake(s, d1.v0, weight(256), &sim);
    add_and_wake(s, d1.v1, weight(256), &sim);
    add_and_wake(s, d2.v0, weight(256), &sim);
    add_and_wake(s, d2.v1, weight(256), &sim);
    sim.run_for(1000 * k_ms);
    for (Vcpu* v : {&d1.v0, &d1.v1, &d2.v0, &d2.v1})
        CHECK(s.cpu_time(*v, sim.now) == 1000 * k_ms);
}

TEST_CASE("a vCPU waiting behind a pinned hog moves when re-pinned", "[sched]") {
    TestScheduler s(2);
    TestDomain a(1), b(2);
    Sim sim(s, 2);
    add_and_wake(s, a.v0, pinned(cpu_bit(0)), &sim);
    add_and_wake(s, b.v0, pinned(cpu_bit(0)), &sim);
    sim.run_for(100 * k_ms);
    CHECK(s.current(1) == nullptr);
    CHECK(s.cpu_time(a.v0, sim.now) + s.cpu_time(b.v0, sim.now) == 100 * k_ms);

    auto kicks = s.set_affinity(b.v0, k_all_cpus);
    REQUIRE(kicks.is_ok());
    sim.kick(*kicks);
    sim.run_for(100 * k_ms);
    CHECK(s.current(0) != nullptr);
    CHECK(s.current(1) != nullptr);
    CHECK(s.cpu_time(a.v0, sim.now) + s.cpu_time(b.v0, sim.now) >= 199 * k_ms);
}

TEST_CASE("a paused domain does not run; unpaused, it does again", "[sched]") {
    TestScheduler s(1);
    TestDomain a(1), b(2);
    Sim sim(s, 1);
    add_and_wake(s, a.v0, weight(256), &sim);
    add_and_wake(s, b.v0, weight(256), &sim);
    sim.run_for(100 * k_ms);

    b.domain.state = DomainState::paused;
    sim.kick(s.sleep(b.v0));
    const uint64_t before = s.cpu_time(b.v0, sim.now);
    sim.run_for(300 * k_ms);
    CHECK(s.cpu_time(b.v0, sim.now) == before);
    CHECK(b.v0.state == VcpuState::runnable); // paused, not blocked

    b.domain.state = DomainState::running;
    sim.kick(s.wake(b.v0, sim.now));
    sim.run_for(300 * k_ms);
    CHECK(s.cpu_time(b.v0, sim.now) > before + 100 * k_ms);
}

TEST_CASE("cpu_time adds up to the time the CPUs were busy", "[sched]") {
    TestScheduler s(2);
    TestDomain a(1), b(2), c(3);
    Sim sim(s, 2);
    add_and_wake(s, a.v0, weight(256), &sim);
    add_and_wake(s, b.v0, weight(512), &sim);
    add_and_wake(s, c.v0, weight(768), &sim);
    sim.run_for(777 * k_ms + 123);
    const uint64_t total =
        s.cpu_time(a.v0, sim.now) + s.cpu_time(b.v0, sim.now) + s.cpu_time(c.v0, sim.now);
    CHECK(total == 2 * (777 * k_ms + 123));
    // Vcpu::cpu_time_ns holds what was accounted up to the last decision.
    CHECK(s.cpu_time(a.v0) == a.v0.cpu_time_ns);
    CHECK(a.v0.cpu_time_ns <= s.cpu_time(a.v0, sim.now));
}

TEST_CASE("scheduler parameters: xl's validation, nothing changes on error", "[sched]") {
    TestScheduler s(2);
    TestDomain d(1, 2);
    REQUIRE(s.add_vcpu(d.v0, weight(300, 40)).is_ok());

    CHECK(s.set_params(d.domain, 0, 0).error() == k_einval);
    CHECK(s.set_params(d.domain, 65536, 0).error() == k_einval);
    CHECK(s.set_params(d.domain, 256, 201).error() == k_einval); // two vCPUs: up to 200
    auto p = s.params(d.domain);
    REQUIRE(p.is_ok());
    CHECK(p->weight == 300);
    CHECK(p->cap == 40);

    CHECK(s.set_params(d.domain, 65535, 200).is_ok());
    CHECK(s.params(d.domain)->weight == 65535);
    CHECK(s.params(d.domain)->cap == 200);
    CHECK(s.set_params(d.domain, 1, 0).is_ok());
    CHECK(s.params(d.domain)->weight == 1);

    TestDomain stranger(9);
    CHECK(s.set_params(stranger.domain, 256, 0).error() == k_esrch);
    CHECK(s.params(stranger.domain).error() == k_esrch);
}

TEST_CASE("add_vcpu and set_affinity refuse bad input", "[sched]") {
    CreditSchedulerWith<2, 2, 2> s(2);
    TestDomain d(1, 2), e(2), f(3);

    CHECK(s.add_vcpu(d.v0, weight(0)).error() == k_einval);
    CHECK(s.add_vcpu(d.v0, weight(70000)).error() == k_einval);
    CHECK(s.add_vcpu(d.v0, weight(256, 201)).error() == k_einval);
    CHECK(s.add_vcpu(d.v0, pinned(cpu_bit(2))).error() == k_einval); // CPU 2 is not online
    CHECK(s.add_vcpu(d.v0, pinned(0)).error() == k_einval);
    REQUIRE(s.add_vcpu(d.v0, pinned(cpu_bit(1))).is_ok());
    CHECK(s.add_vcpu(d.v0, weight(256)).error() == k_eexist);

    CHECK(s.set_affinity(d.v0, 0).error() == k_einval);
    CHECK(s.set_affinity(d.v0, cpu_bit(5)).error() == k_einval);
    CHECK(s.affinity(d.v0) == cpu_bit(1));
    CHECK(s.set_affinity(e.v0, k_all_cpus).error() == k_esrch);

    // Tables of two vCPUs and two domains.
    REQUIRE(s.add_vcpu(e.v0, weight(256)).is_ok());
    CHECK(s.add_vcpu(f.v0, weight(256)).error() == k_enospc);
    CHECK(s.add_vcpu(d.v1, weight(256)).error() == k_enospc);
    REQUIRE(s.remove_vcpu(e.v0).is_ok());
    CHECK(s.add_vcpu(f.v0, weight(256)).is_ok());
    CHECK(s.remove_vcpu(e.v0).error() == k_esrch);
}

TEST_CASE("a running vCPU is removed only after it is descheduled", "[sched]") {
    TestScheduler s(1);
    TestDomain d(1), other(2);
    Sim sim(s, 1);
    add_and_wake(s, d.v0, weight(256), &sim);
    add_and_wake(s, other.v0, weight(256), &sim);
    sim.run_for(10 * k_ms);
    Vcpu* running = s.current(0);
    REQUIRE(running != nullptr);
    CHECK(s.remove_vcpu(*running).error() == k_ebusy);

    running->domain().state = DomainState::dying;
    sim.kick(s.sleep(*running));
    sim.settle();
    CHECK(s.current(0) != running);
    CHECK(s.remove_vcpu(*running).is_ok());
    sim.run_for(100 * k_ms);
    CHECK(s.current(0) != running);
}

TEST_CASE("an idle machine sleeps until there is work", "[sched]") {
    TestScheduler s(2);
    TestDomain d(1);
    Sim sim(s, 2);
    REQUIRE(s.add_vcpu(d.v0, weight(256)).is_ok());
    sim.settle();
    CHECK(sim.deadline[0] == k_forever);
    CHECK(sim.deadline[1] == k_forever);

    const CpuMask kicks = s.wake(d.v0, sim.now);
    CHECK(kicks != 0);
    sim.kick(kicks);
    sim.settle();
    CHECK(s.running_on(d.v0) >= 0);
    const uint32_t cpu = static_cast<uint32_t>(s.running_on(d.v0));
    CHECK(sim.deadline[cpu] == sim.now + k_tick_ns);
}
