// The console backend (rings drained into per-domain buffers, console
// attach and detach) and what poll() does with domains that stopped.
#include "toolstack_fixture.hpp"

#include "dom0-tools/lib/toolstack/console_backend.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;

TEST_CASE("poll drains console rings and tells the guest", "[toolstack][console]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    f.out();
    f.hv.guest_writes(1, "hello from hello\n");
    f.ts->poll(f.term);
    CHECK(f.out().empty()); // not attached: kept, not printed
    abi::ConsoleRing& ring = f.hv.console_ring(1);
    CHECK(ring.out_cons == ring.out_prod);
    const uint32_t port = f.hv.dom0_ports.begin()->first;
    CHECK(f.hv.notifications[port] >= 1);

    // Ring indexes wrap around the 2 KiB ring many times over.
    std::string expected = "hello from hello\n";
    for (int i = 0; i < 300; ++i) {
        const std::string line = "heartbeat " + std::to_string(i) + "\n";
        f.hv.guest_writes(1, line);
        expected += line;
        if (i % 50 == 0) f.ts->poll(f.term);
    }
    f.ts->poll(f.term);

    // console DOM replays the buffer (the newest 16 KiB), then follows.
    f.term.on_wait = [&](int waits) {
        if (waits == 2) f.hv.guest_writes(1, "later\n");
        if (waits == 4)
            f.term.input.insert(f.term.input.end(), {'l', 's', '\r', tools::k_console_detach_char});
    };
    REQUIRE(f.run("console hello"));
    const std::string out = f.out();
    CHECK(out.find(expected) != std::string::npos);
    CHECK(out.find(expected + "later\n") != std::string::npos);
    CHECK(out.rfind("pvctl: console of hello (d1) (Ctrl-] detaches)\n", 0) == 0);
    CHECK(out.find("detached from hello (d1)") != std::string::npos);
    CHECK(f.hv.guest_reads(1) == "ls\r"); // typed bytes, Ctrl-] not among them
}

TEST_CASE("the console buffer keeps the newest bytes", "[toolstack][console]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    f.out();
    std::string all;
    for (int i = 0; all.size() < 3 * tools::k_console_buffer_size; ++i) {
        std::string line = "line " + std::to_string(i) + "\n";
        f.hv.guest_writes(1, line);
        all += line;
        f.ts->poll(f.term);
    }
    f.term.input.push_back(tools::k_console_detach_char);
    REQUIRE(f.run("console 1"));
    const std::string out = f.out();
    const std::string tail = all.substr(all.size() - tools::k_console_buffer_size);
    CHECK(out.find(tail) != std::string::npos);
    CHECK(out.find(all.substr(all.size() - tools::k_console_buffer_size - 1)) == std::string::npos);
}

TEST_CASE("ConsoleBuffer positions", "[toolstack][console]") {
    auto buffer = std::make_unique<tools::ConsoleBuffer>();
    for (int i = 0; i < 20000; ++i)
        buffer->append(static_cast<char>('a' + i % 26));
    CHECK(buffer->total() == 20000);
    CHECK(buffer->oldest() == 20000 - tools::k_console_buffer_size);
    uint64_t cursor = 0;
    char out[4];
    REQUIRE(buffer->copy_from(cursor, out, sizeof out) == 4);
    CHECK(cursor == buffer->oldest() + 4);
    CHECK(out[0] == static_cast<char>('a' + buffer->oldest() % 26));
}

TEST_CASE("a guest's bad ring indexes are not believed", "[toolstack][console]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    abi::ConsoleRing& ring = f.hv.console_ring(1);
    ring.out_prod = 0x7fff0000; // claims far more than the ring holds
    f.ts->poll(f.term);
    CHECK(ring.out_cons == ring.out_prod);
}

TEST_CASE("console refuses what it cannot attach to", "[toolstack][console]") {
    ToolstackFixture f;
    CHECK_FALSE(f.run("console 0"));
    CHECK(f.out().rfind("error: console: Domain-0 (d0) is the control domain", 0) == 0);
    CHECK_FALSE(f.run("console nosuch"));
    CHECK(f.out() == "error: unknown domain 'nosuch'\n");
}

TEST_CASE("on_poweroff, on_reboot, on_crash", "[toolstack][lifecycle]") {
    ToolstackFixture f;
    SECTION("poweroff destroys by default") {
        REQUIRE(f.run("create /guests/hello.cfg"));
        f.out();
        f.hv.guest_shuts_down(1, abi::ShutdownReason::poweroff);
        f.ts->poll(f.term);
        CHECK(f.out() == "pvctl: hello (d1) powered off: destroyed\n");
        CHECK(f.clean());
    }
    SECTION("crash destroys by default, others keep running") {
        REQUIRE(f.run("create /guests/hello.cfg"));
        REQUIRE(f.run("create /guests/spin.cfg"));
        f.out();
        f.hv.guest_shuts_down(1, abi::ShutdownReason::crash);
        f.ts->poll(f.term);
        CHECK(f.out() == "pvctl: hello (d1) crashed: destroyed\n");
        CHECK(f.hv.find("hello") == nullptr);
        REQUIRE(f.hv.find("spin") != nullptr);
        CHECK_FALSE(f.hv.find("spin")->paused);
        CHECK(f.hv.mapping_count() == 1);
        CHECK(f.hv.dom0_ports.size() == 1);
    }
    SECTION("reboot restarts from the same configuration and overrides") {
        REQUIRE(f.run("create /guests/hello.cfg memory=12 cmdline=\"x\""));
        f.out();
        f.hv.clock_ns += 60'000'000'000ull;
        f.hv.guest_shuts_down(1, abi::ShutdownReason::reboot);
        f.ts->poll(f.term);
        CHECK(f.out() == "pvctl: hello (d1) rebooted: restarted as d2\n");
        FakeDomain* d = f.hv.find("hello");
        REQUIRE(d != nullptr);
        CHECK(d->id == 2);
        CHECK(d->p2m.size() == 12 * 256);
        CHECK(std::string(f.hv.start_info(2).cmd_line) == "name=hello x");
        CHECK(f.hv.domain_count() == 2);
        CHECK(f.hv.frame_count() == 12 * 256);
        CHECK(f.hv.mapping_count() == 1);
        CHECK(f.hv.dom0_ports.size() == 1);
        // Its console works under the new id.
        f.hv.guest_writes(2, "again\n");
        f.term.input.push_back(tools::k_console_detach_char);
        REQUIRE(f.run("console hello"));
        CHECK(f.out().find("again\n") != std::string::npos);

        // Failing again at once: not restarted forever.
        f.hv.guest_shuts_down(2, abi::ShutdownReason::reboot);
        f.ts->poll(f.term);
        CHECK(f.out() == "pvctl: hello (d2) rebooted: restarting too fast: destroyed\n");
        CHECK(f.clean());
    }
    SECTION("a restart that fails says why") {
        REQUIRE(f.run("create /guests/hello.cfg"));
        f.out();
        f.hv.populate_ok_pages = 100; // the new one does not get its memory
        f.hv.guest_shuts_down(1, abi::ShutdownReason::reboot);
        f.ts->poll(f.term);
        CHECK(f.out().rfind(
                  "pvctl: hello (d1) rebooted: restart failed: not enough memory for 'hello'", 0) ==
              0);
        CHECK(f.clean());
    }
    SECTION("preserve leaves the domain for inspection, destroy cleans up") {
        f.files.files["/guests/keep.cfg"] =
            "name=\"keep\"\nkernel=\"/guests/minios-hello\"\nmemory=8\non_crash=\"preserve\"\n";
        REQUIRE(f.run("create /guests/keep.cfg"));
        f.out();
        f.hv.guest_writes(1, "oops\n");
        f.hv.guest_shuts_down(1, abi::ShutdownReason::crash);
        f.ts->poll(f.term);
        CHECK(f.out() == "pvctl: keep (d1) crashed: preserved\n");
        f.ts->poll(f.term);
        CHECK(f.out().empty()); // said once
        REQUIRE(f.hv.find("keep") != nullptr);
        f.term.input.push_back(tools::k_console_detach_char);
        REQUIRE(f.run("console keep"));
        CHECK(f.out().find("oops\n") != std::string::npos);
        REQUIRE(f.run("destroy keep"));
        CHECK(f.clean());
    }
}

TEST_CASE("shutdown and reboot verbs apply the policy at once", "[toolstack][lifecycle]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    f.out();
    f.hv.clock_ns += 60'000'000'000ull;
    REQUIRE(f.run("reboot hello"));
    CHECK(f.out() == "pvctl: hello (d1) rebooted: restarted as d2\n");
    REQUIRE(f.run("shutdown hello"));
    CHECK(f.out() == "pvctl: hello (d2) powered off: destroyed\n");
    CHECK(f.clean());

    // A domain that takes its time: the policy applies at a later poll.
    f.hv.refuse_shutdown_at_once = true;
    REQUIRE(f.run("create /guests/hello.cfg"));
    f.out();
    REQUIRE(f.run("shutdown 3"));
    CHECK(f.out() == "pvctl: hello (d3) is shutting down\n");
    f.hv.guest_shuts_down(3, abi::ShutdownReason::poweroff);
    f.ts->poll(f.term);
    CHECK(f.out() == "pvctl: hello (d3) powered off: destroyed\n");
    CHECK(f.clean());
}

TEST_CASE("an attached console ends when its domain goes", "[toolstack][lifecycle][console]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    f.out();
    f.term.on_wait = [&](int waits) {
        if (waits == 2) {
            f.hv.guest_writes(1, "bye\n");
            f.hv.guest_shuts_down(1, abi::ShutdownReason::poweroff);
        }
    };
    REQUIRE(f.run("console hello"));
    const std::string out = f.out();
    CHECK(out.find("bye\n") != std::string::npos);
    CHECK(out.find("pvctl: hello (d1) powered off: destroyed\n") != std::string::npos);
    CHECK(out.find("pvctl: hello (d1) is gone") != std::string::npos);
    CHECK(f.term.waits < 100);
    CHECK(f.clean());
}

TEST_CASE("a domain destroyed behind the toolstack's back is forgotten", "[toolstack][lifecycle]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    // Someone else destroys it (the fake checks no mapping is live; ignore that here).
    f.hv.domains.erase(1);
    f.ts->poll(f.term);
    CHECK(f.hv.mapping_count() == 0);
    CHECK(f.hv.dom0_ports.empty());
    REQUIRE(f.run("create /guests/hello.cfg"));
}

TEST_CASE("100 create/destroy cycles leave nothing behind", "[toolstack][lifecycle]") {
    ToolstackFixture f;
    for (int i = 0; i < 100; ++i) {
        REQUIRE(f.run("create /guests/hello.cfg"));
        REQUIRE(f.run("destroy hello"));
    }
    CHECK(f.clean());
}
