// pvctl bench-events against the simulated hypervisor: its arguments (each
// wrong value refused with a clear message, nothing created), the calls it
// makes in order (pinning, the peer's ready line, bind, send/poll rounds,
// yields), the lines it prints, and that the DomU is destroyed and Dom0's
// affinity restored at the end and on every failure. No timing is judged:
// the fake clock moves only where a test moves it.
#include "toolstack_fixture.hpp"
#include "bench_output.hpp"

#include "dom0-tools/lib/toolstack/bench_events.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace pv;
using namespace pv::test;

namespace {

const char* k_peer_cfg = "name = \"peer\"\n"
                         "kernel = \"minios-hello\"\n"
                         "memory = 8\n"
                         "cmdline = \"quiet\"\n"
                         "cpus = \"1\"\n";

constexpr uint32_t k_peer_port = 7;

// The DomU plays minios-bench's peer: on Dom0's first wait it allocates its
// port for Dom0 and says so (pong) or says it is ready (yield); every send
// Dom0 makes comes back at once; each wait moves the clock 1 ms.
void peer_answers(ToolstackFixture& f, const std::string& role = "pong") {
    f.term.on_wait = [&f, role](int) {
        f.hv.clock_ns += 1'000'000;
        for (auto& [id, d] : f.hv.domains) {
            if (id == 0 || !d.context || f.hv.console_ring(id).out_prod != 0) continue;
            if (role == "pong") {
                f.hv.unbound[id].insert(k_peer_port);
                f.hv.guest_writes(
                    id, "bench-peer: ready role=pong port=" + std::to_string(k_peer_port) + "\n");
            } else {
                f.hv.guest_writes(id, "bench-peer: ready role=" + role + "\n");
            }
        }
    };
    f.hv.echo_notify = true;
    f.hv.poll_step_ns = 2'000;
    f.hv.yield_step_ns = 3'000;
}

// The domain the verb made (it is gone by the time the verb returns).
std::string last_cmdline;
void remember_cmdline(ToolstackFixture& f) {
    auto old = f.term.on_wait;
    f.term.on_wait = [&f, old](int n) {
        for (auto& [id, d] : f.hv.domains)
            if (id != 0 && d.context && !d.pvh) last_cmdline = f.hv.start_info(id).cmd_line;
        if (old) old(n);
    };
}

} // namespace

TEST_CASE("find_peer_port reads the peer's ready line", "[toolstack][bench]") {
    uint32_t port = 0;
    CHECK(tools::find_peer_port("boot\nbench-peer: ready role=pong port=12\n", port));
    CHECK(port == 12);
    CHECK(tools::find_peer_port("bench-peer: ready role=pong port=3\r\n", port));
    CHECK(port == 3);
    CHECK_FALSE(tools::find_peer_port("bench-peer: ready role=pong port=12", port)); // not ended
    CHECK_FALSE(tools::find_peer_port("bench-peer: ready role=pong port=\n", port));
    CHECK_FALSE(tools::find_peer_port("bench-peer: ready role=pong port=0\n", port));
    CHECK_FALSE(tools::find_peer_port("bench-peer: ready role=pong port=x1\n", port));
    CHECK_FALSE(tools::find_peer_port("bench-peer: ready role=pong port=99999999999\n", port));
    CHECK_FALSE(tools::find_peer_port("bench-peer: ready role=yield\n", port));
    CHECK(tools::find_peer_ready("x\nbench-peer: ready role=yield\n", "yield"));
    CHECK_FALSE(tools::find_peer_ready("bench-peer: ready role=yield", "yield")); // not ended
    CHECK_FALSE(tools::find_peer_ready("bench-peer: ready role=yieldx\n", "yield"));
    CHECK_FALSE(tools::find_peer_ready("bench-peer: ready role=pong port=1\n", "yield"));
}

TEST_CASE("bench-events refuses wrong arguments before creating anything", "[toolstack][bench]") {
    ToolstackFixture f;
    f.files.files["/guests/peer.cfg"] = k_peer_cfg;
    struct Case {
        const char* line;
        const char* message;
    } cases[] = {
        {"bench-events", "a config file is needed"},
        {"bench-events -n 10", "a config file is needed"},
        {"bench-events /guests/peer.cfg -n", "-n needs a number of rounds"},
        {"bench-events /guests/peer.cfg -n 0", "-n needs a number of rounds"},
        {"bench-events /guests/peer.cfg -n -5", "-n needs a number of rounds"},
        {"bench-events /guests/peer.cfg -n 12x", "-n needs a number of rounds"},
        {"bench-events /guests/peer.cfg -n 20001", "-n needs a number of rounds"},
        {"bench-events /guests/peer.cfg --cpu", "--cpu needs same or other"},
        {"bench-events /guests/peer.cfg --cpu 1", "--cpu needs same or other"},
        {"bench-events /guests/peer.cfg --yield --cpu other", "not with --cpu other"},
        {"bench-events /guests/peer.cfg -x", "unexpected argument"},
        {"bench-events /guests/peer.cfg /guests/other.cfg", "unexpected argument"},
        {"bench-events /guests/nonexistent.cfg", "nonexistent.cfg"},
        {"bench-events /guests/peer.cfg memory=banana", "memory"},
    };
    for (const Case& c : cases) {
        INFO(c.line);
        CHECK_FALSE(f.run(c.line));
        const std::string out = f.out();
        INFO(out);
        CHECK(out.find("error") != std::string::npos);
        CHECK(out.find(c.message) != std::string::npos);
        CHECK(f.hv.calls.empty()); // nothing created
        CHECK(f.hv.domains.at(0).vcpus[0].affinity == ~uint64_t{0});
    }
    CHECK(f.clean());
}

TEST_CASE("bench-events --cpu other needs two CPUs", "[toolstack][bench]") {
    ToolstackFixture f;
    f.files.files["/guests/peer.cfg"] = k_peer_cfg;
    f.hv.nr_cpus = 1;
    CHECK_FALSE(f.run("bench-events /guests/peer.cfg --cpu other"));
    const std::string out = f.out();
    CHECK(out.find("error: bench-events: --cpu other needs two CPUs; this host has 1") !=
          std::string::npos);
    CHECK(f.hv.calls.empty());
    CHECK(f.clean());
}

TEST_CASE("bench-events ping-pong: bind, N round trips, everything undone", "[toolstack][bench]") {
    ToolstackFixture f;
    f.files.files["/guests/peer.cfg"] = k_peer_cfg;
    peer_answers(f);
    REQUIRE(f.run("bench-events /guests/peer.cfg -n 50"));
    const std::string out = f.out();
    INFO(out);
    CHECK(out.find("error") == std::string::npos);
    const std::string line = "bench: op=evtchn_pingpong_same_cpu ";
    CHECK(field(out, line, "mode") == "pv");
    CHECK(field(out, line, "clock") == "ns");
    CHECK(field(out, line, "rounds") == "50");
    CHECK(field(out, line, "unit") == "ns");
    // The fake clock moves only in poll: 2 us a round trip, no timer cost.
    CHECK(field(out, line, "median") == "2000");
    CHECK(field(out, line, "overhead") == "0");
    CHECK(field(out, "bench: events ", "kind") == "pingpong");
    CHECK(field(out, "bench: events ", "cpu") == "same");
    CHECK(field(out, "bench: performed op=evtchn_pingpong ", "sends_by_dom0") ==
          std::to_string(50 + tools::k_event_warmup_rounds));
    CHECK(out.find("bench: events done") != std::string::npos);
    // Every round: a send and a poll on the bound port.
    int sends = 0;
    for (auto& [port, n] : f.hv.notifications)
        sends += n;
    CHECK(sends >= static_cast<int>(50 + tools::k_event_warmup_rounds));
    CHECK(f.hv.polls == 50 + tools::k_event_warmup_rounds);
    // Create, then bind to the peer's port; the DomU destroyed last.
    auto at = [&](const std::string& call) {
        return std::find(f.hv.calls.begin(), f.hv.calls.end(), call) - f.hv.calls.begin();
    };
    CHECK(at("create") < at("unpause"));
    CHECK(std::count(f.hv.calls.begin(), f.hv.calls.end(), "bind") == 2); // console, peer
    CHECK(f.hv.calls.back() == "destroy");
    CHECK(f.hv.domains.at(0).vcpus[0].affinity == ~uint64_t{0}); // restored
    CHECK(f.clean());
}

TEST_CASE("bench-events gives the DomU its role and pins it", "[toolstack][bench]") {
    ToolstackFixture f;
    f.files.files["/guests/peer.cfg"] = k_peer_cfg;
    peer_answers(f);
    std::vector<uint64_t> domu_affinity, dom0_affinity;
    auto old = f.term.on_wait;
    f.term.on_wait = [&](int n) {
        for (auto& [id, d] : f.hv.domains)
            (id == 0 ? dom0_affinity : domu_affinity).push_back(d.vcpus[0].affinity);
        if (old) old(n);
    };
    remember_cmdline(f);
    REQUIRE(f.run("bench-events /guests/peer.cfg -n 5 --cpu other"));
    const std::string out = f.out();
    INFO(out);
    CHECK(field(out, "bench: op=evtchn_pingpong_other_cpu ", "rounds") == "5");
    REQUIRE_FALSE(domu_affinity.empty());
    CHECK(domu_affinity.back() == 2);                         // CPU 1
    CHECK(dom0_affinity.back() == 1);                         // CPU 0 while it runs
    CHECK(last_cmdline == "name=peer quiet bench-peer=pong"); // the builder puts name= first
    CHECK(f.hv.domains.at(0).vcpus[0].affinity == ~uint64_t{0});
    CHECK(f.clean());

    domu_affinity.clear();
    REQUIRE(f.run("bench-events /guests/peer.cfg -n 5 --cpu same"));
    CHECK(domu_affinity.back() == 1); // CPU 0, whatever the file said
    CHECK(f.clean());
}

TEST_CASE("bench-events --yield times yields and reports per switch", "[toolstack][bench]") {
    ToolstackFixture f;
    f.files.files["/guests/peer.cfg"] = k_peer_cfg;
    peer_answers(f, "yield");
    remember_cmdline(f);
    REQUIRE(f.run("bench-events /guests/peer.cfg --yield -n 20"));
    const std::string out = f.out();
    INFO(out);
    const std::string line = "bench: op=yield_domain_switch ";
    CHECK(field(out, line, "rounds") == "20");
    CHECK(field(out, line, "median") == "1500"); // 3 us a round trip: two switches
    CHECK(field(out, line, "round_trip_median") == "3000");
    CHECK(field(out, line, "per") == "switch");
    CHECK(f.hv.yields == 20 + tools::k_event_warmup_rounds);
    CHECK(last_cmdline == "name=peer quiet bench-peer=yield");
    CHECK(f.hv.polls == 0); // no ping-pong
    CHECK(f.clean());
}

TEST_CASE("bench-events runs the DomU as PVH when asked", "[toolstack][bench]") {
    ToolstackFixture f;
    f.hv.virt_caps |= abi::k_virt_cap_svm;
    f.files.files["/guests/peer.cfg"] = "name = \"peer\"\n"
                                        "kernel = \"/guests/minios-dual\"\n"
                                        "memory = 8\n";
    peer_answers(f);
    REQUIRE(f.run("bench-events /guests/peer.cfg -n 3 type=pvh"));
    const std::string out = f.out();
    INFO(out);
    CHECK(field(out, "bench: op=evtchn_pingpong_same_cpu ", "mode") == "pvh");
    CHECK(f.clean());
}

TEST_CASE("bench-events destroys the DomU on every failure", "[toolstack][bench]") {
    ToolstackFixture f;
    f.files.files["/guests/peer.cfg"] = k_peer_cfg;

    SECTION("the peer never says it is ready") {
        f.term.on_wait = [&f](int) { f.hv.clock_ns += 10'000'000'000ull; };
        CHECK_FALSE(f.run("bench-events /guests/peer.cfg -n 5"));
        CHECK(f.out().find("did not say 'bench-peer: ready'") != std::string::npos);
    }
    SECTION("the peer stops before it is ready") {
        f.term.on_wait = [&f](int) {
            for (auto& [id, d] : f.hv.domains)
                if (id != 0) f.hv.guest_shuts_down(id, abi::ShutdownReason::crash);
        };
        CHECK_FALSE(f.run("bench-events /guests/peer.cfg -n 5"));
        CHECK(f.out().find("stopped before it was ready") != std::string::npos);
    }
    SECTION("the port it names cannot be bound") {
        peer_answers(f);
        f.hv.fail_bind.reset();
        f.term.on_wait = [&f](int) {
            for (auto& [id, d] : f.hv.domains)
                if (id != 0 && d.context && f.hv.console_ring(id).out_prod == 0)
                    f.hv.guest_writes(id, "bench-peer: ready role=pong port=9\n"); // not unbound
        };
        CHECK_FALSE(f.run("bench-events /guests/peer.cfg -n 5"));
        CHECK(f.out().find("bind to d1 port 9") != std::string::npos);
    }
    SECTION("the peer does not answer") {
        peer_answers(f);
        f.hv.echo_notify = false;
        CHECK_FALSE(f.run("bench-events /guests/peer.cfg -n 5"));
        CHECK(f.out().find("no answer from d1") != std::string::npos);
    }
    SECTION("a yield fails") {
        peer_answers(f, "yield");
        f.hv.fail_yield = Errno::einval;
        CHECK_FALSE(f.run("bench-events /guests/peer.cfg --yield -n 5"));
        CHECK(f.out().find("sched_op yield") != std::string::npos);
    }
    SECTION("Dom0 cannot be pinned") {
        peer_answers(f);
        f.hv.fail_affinity = Errno::eperm;
        CHECK_FALSE(f.run("bench-events /guests/peer.cfg -n 2"));
        CHECK(f.out().find("pin Dom0's vCPU 0 to CPU 0") != std::string::npos);
        CHECK(std::count(f.hv.calls.begin(), f.hv.calls.end(), "create") == 0);
        f.hv.fail_affinity.reset();
    }
    SECTION("the domain cannot be built") {
        f.hv.fail_create = Errno::enomem;
        CHECK_FALSE(f.run("bench-events /guests/peer.cfg -n 5"));
        CHECK(f.out().find("error: bench-events:") != std::string::npos);
    }
    CHECK(f.id_of("peer") == 0xffff);
    CHECK(f.hv.domains.at(0).vcpus[0].affinity == ~uint64_t{0});
    CHECK(f.clean());
}

TEST_CASE("bench-events --help describes it", "[toolstack][bench]") {
    ToolstackFixture f;
    REQUIRE(f.run("bench-events --help"));
    const std::string out = f.out();
    CHECK(out.find("--cpu same") != std::string::npos);
    CHECK(out.find("--yield") != std::string::npos);
    REQUIRE(f.run("help"));
    CHECK(f.out().find("bench-events CFG") != std::string::npos);
}
