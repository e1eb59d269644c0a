// pvctl bench-lifecycle: the statistics it prints, the first-output time
// the console backend records, and that each phase does what it says (the
// rounds it reports, density counting the domains memory allowed and the
// hypervisor's own pages, everything destroyed at the end). Nothing here
// looks at how long anything took on a real machine: the fake clock only
// moves when a test moves it.
#include "toolstack_fixture.hpp"
#include "bench_output.hpp"

#include "dom0-tools/lib/toolstack/bench_stats.hpp"

#include <catch2/catch.hpp>

#include <numeric>
#include <regex>
#include <vector>

using namespace pv;
using namespace pv::test;

namespace {

// Every DomU that has not printed yet says hello when Dom0 waits; the clock
// moves 1 ms per wait.
void guests_print_when_waited_for(ToolstackFixture& f) {
    f.term.on_wait = [&f](int) {
        f.hv.clock_ns += 1'000'000;
        for (auto& [id, d] : f.hv.domains) {
            if (id == 0 || !d.context) continue;
            if (f.hv.console_ring(id).out_prod == 0) f.hv.guest_writes(id, "hello from " + d.name);
        }
    };
}

const char* k_bench_cfg = "name = \"tiny\"\n"
                          "kernel = \"minios-hello\"\n"
                          "memory = 8\n";

} // namespace

TEST_CASE("summarize_samples takes nearest-rank median, p1 and p99", "[toolstack][bench]") {
    std::vector<uint64_t> v(200);
    std::iota(v.begin(), v.end(), 1); // 1..200
    std::reverse(v.begin(), v.end()); // unsorted in
    const tools::SampleSummary s = tools::summarize_samples(v.data(), v.size());
    CHECK(std::is_sorted(v.begin(), v.end()));
    CHECK(s.count == 200);
    CHECK(s.median == 101); // index 100
    CHECK(s.p1 == 3);       // index 2
    CHECK(s.p99 == 199);    // index 198

    uint64_t one[] = {42};
    const tools::SampleSummary single = tools::summarize_samples(one, 1);
    CHECK((single.median == 42 && single.p1 == 42 && single.p99 == 42));

    uint64_t three[] = {30, 10, 20};
    const tools::SampleSummary odd = tools::summarize_samples(three, 3);
    CHECK((odd.median == 20 && odd.p1 == 10 && odd.p99 == 30));

    const tools::SampleSummary none = tools::summarize_samples(nullptr, 0);
    CHECK((none.count == 0 && none.median == 0));
}

TEST_CASE("Rate prints events per second with one decimal", "[toolstack][bench]") {
    CHECK(std::string(tools::Rate(100, 8'100'000'000ull).text) == "12.3");
    CHECK(std::string(tools::Rate(100, 1'000'000'000ull).text) == "100.0");
    CHECK(std::string(tools::Rate(1, 3'000'000'000ull).text) == "0.3");
    CHECK(std::string(tools::Rate(5, 0).text) == "0.0");
}

TEST_CASE("the console backend records when the first output arrived", "[toolstack][bench]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    // The guest table is private: a second backend over the same ring sees
    // what the toolstack's own would.
    tools::ConsoleBackend backend;
    backend.reset();
    REQUIRE(backend.map_ring(f.hv, 1, f.hv.start_info(1).console.domu.mfn));
    f.hv.clock_ns = 5'000;
    CHECK(backend.drain(f.hv) == 0);
    CHECK(backend.first_output_ns() == 0); // nothing yet
    f.hv.clock_ns = 7'000;
    f.hv.guest_writes(1, "hi");
    CHECK(backend.drain(f.hv) == 2);
    CHECK(backend.first_output_ns() == 7'000);
    f.hv.clock_ns = 9'000;
    f.hv.guest_writes(1, "more");
    CHECK(backend.drain(f.hv) == 4);
    CHECK(backend.first_output_ns() == 7'000); // the first stays
    backend.close(f.hv);
    backend.reset();
    CHECK(backend.first_output_ns() == 0);
}

TEST_CASE("bench-lifecycle times each round and leaves nothing behind", "[toolstack][bench]") {
    ToolstackFixture f;
    f.files.files["/guests/tiny.cfg"] = k_bench_cfg;
    guests_print_when_waited_for(f);
    REQUIRE(f.run("bench-lifecycle /guests/tiny.cfg -n 3"));
    const std::string out = f.out();
    INFO(out);
    CHECK(out.find("error") == std::string::npos);
    CHECK(field(out, "bench: lifecycle config", "memory_mib") == "8");
    for (const char* op : {"create", "create_to_first_output", "destroy_domctl", "destroy_total",
                           "create_destroy_cycle", "create_destroy_throughput"}) {
        const std::string prefix = std::string("bench: op=") + op + " ";
        CHECK(field(out, prefix, "rounds") == "3");
        CHECK(field(out, prefix, "mode") == "pv");
        CHECK(field(out, prefix, "clock") == "ns");
    }
    // The guest printed on Dom0's first wait, 1 ms after the create began.
    CHECK(field(out, "bench: op=create_to_first_output ", "median") == "1000000");
    CHECK(field(out, "bench: op=create ", "unit") == "ns");
    CHECK(field(out, "bench: op=create_destroy_throughput ", "unit") == "domains/s");
    // No time passes on the fake clock outside waits: a rate of 0.0.
    CHECK(field(out, "bench: op=create_destroy_throughput ", "median") == "0.0");
    CHECK(out.find("bench: density") == std::string::npos); // not asked for
    CHECK(out.find("bench: lifecycle done") != std::string::npos);
    // 3 latency rounds + 3 cycles: six domains made, all gone.
    CHECK(f.id_of("tiny") == 0xffff);
    CHECK(f.clean());
}

TEST_CASE("bench-lifecycle -d counts domains until memory runs out", "[toolstack][bench]") {
    ToolstackFixture f;
    f.files.files["/guests/tiny.cfg"] = k_bench_cfg;
    f.hv.overhead_pages_per_domain = 16;
    guests_print_when_waited_for(f);
    // 64 MiB: seven 8 MiB guests with 16 pages each of the hypervisor's fit
    // (7 x 2064 pages); the eighth runs out while being populated.
    REQUIRE(f.run("bench-lifecycle /guests/tiny.cfg -n 0 -d"));
    const std::string out = f.out();
    INFO(out);
    CHECK(out.find("bench: op=") == std::string::npos); // -n 0: no rounds
    CHECK(field(out, "bench: density domains=", "domains") == "7");
    CHECK(field(out, "bench: density domains=", "guest_pages") == std::to_string(7 * 2048));
    CHECK(field(out, "bench: density domains=", "hv_bytes_per_domain") == std::to_string(16 * 4096));
    CHECK(field(out, "bench: density domains=", "free_pages_before") == std::to_string(64 * 256));
    CHECK(field(out, "bench: density domains=", "free_pages_full") == std::to_string(64 * 256 - 7 * 2064));
    CHECK(field(out, "bench: density domains=", "stopped_by") == "\"not enough memory (ENOMEM)\"");
    CHECK(out.find("bench: density stops: ") != std::string::npos);
    CHECK(field(out, "bench: density-after ", "restored") == "yes");
    CHECK(field(out, "bench: density-after ", "free_pages_after") == std::to_string(64 * 256));
    // Each had its own name while they all ran; none is left.
    CHECK(f.clean());
}

TEST_CASE("bench-lifecycle -d names domains apart, within the name size", "[toolstack][bench]") {
    ToolstackFixture f;
    f.files.files["/guests/long.cfg"] = "name = \"abcdefghijklmnopqrstuvwxyz01234\"\n" // 31
                                        "kernel = \"minios-hello\"\n"
                                        "memory = 8\n";
    std::set<std::string> names;
    f.term.on_wait = [&](int) {
        for (auto& [id, d] : f.hv.domains) {
            if (id == 0 || !d.context) continue;
            names.insert(d.name);
            if (f.hv.console_ring(id).out_prod == 0) f.hv.guest_writes(id, "x");
        }
    };
    REQUIRE(f.run("bench-lifecycle /guests/long.cfg -n 0 -d"));
    INFO(f.out());
    CHECK(names.size() == 8);
    CHECK(names.count("abcdefghijklmnopqrstuvwxyz01-d0") == 1);
    CHECK(names.count("abcdefghijklmnopqrstuvwxyz01-d7") == 1);
    CHECK(f.clean());
}

TEST_CASE("bench-lifecycle refuses bad arguments", "[toolstack][bench]") {
    ToolstackFixture f;
    CHECK_FALSE(f.run("bench-lifecycle"));
    CHECK(f.out().find("error: bench-lifecycle: a config file is needed") == 0);
    CHECK_FALSE(f.run("bench-lifecycle /guests/hello.cfg -n"));
    CHECK(f.out().find("error: bench-lifecycle: -n needs") == 0);
    CHECK_FALSE(f.run("bench-lifecycle /guests/hello.cfg -n 501"));
    CHECK(f.out().find("error: bench-lifecycle: -n needs") == 0);
    CHECK_FALSE(f.run("bench-lifecycle /guests/hello.cfg -n 0"));
    CHECK(f.out().find("nothing to do") != std::string::npos);
    CHECK_FALSE(f.run("bench-lifecycle /guests/hello.cfg -x"));
    CHECK(f.out().find("unexpected argument '-x'") != std::string::npos);
    CHECK_FALSE(f.run("bench-lifecycle /guests/nothere.cfg -n 1"));
    CHECK(f.out() == "error: /guests/nothere.cfg: no such file\n");
    CHECK(f.clean());
}

TEST_CASE("bench-lifecycle gives up on a guest that never prints", "[toolstack][bench]") {
    ToolstackFixture f;
    f.term.on_wait = [&](int) { f.hv.clock_ns += 1'000'000'000; }; // a second per wait
    CHECK_FALSE(f.run("bench-lifecycle /guests/hello.cfg -n 2"));
    const std::string out = f.out();
    CHECK(out.find("error: bench-lifecycle: hello (d1) printed nothing in 60 s") !=
          std::string::npos);
    CHECK(f.clean());
}

TEST_CASE("bench-lifecycle stops when a guest stops before printing", "[toolstack][bench]") {
    ToolstackFixture f;
    f.term.on_wait = [&](int) {
        for (auto& [id, d] : f.hv.domains)
            if (id != 0 && d.context) f.hv.guest_shuts_down(id, abi::ShutdownReason::crash);
    };
    CHECK_FALSE(f.run("bench-lifecycle /guests/hello.cfg -n 2 -d"));
    CHECK(f.out().find("error: bench-lifecycle: hello (d1) stopped before printing anything") !=
          std::string::npos);
    CHECK(f.clean());
}
