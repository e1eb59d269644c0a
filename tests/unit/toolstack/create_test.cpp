// pvctl create: the domain the simulated hypervisor ends up with.
#include "toolstack_fixture.hpp"

#include "include/public/hypercall.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using namespace pv;
using namespace pv::test;

namespace {

std::string cmdline_of(const abi::StartInfo& si) {
    return std::string(si.cmd_line, strnlen(si.cmd_line, sizeof si.cmd_line));
}

} // namespace

TEST_CASE("create builds, wires and starts a PV domain", "[toolstack][create]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    CHECK(f.out() == "pvctl: hello (d1) created\n");

    FakeDomain* d = f.hv.find("hello");
    REQUIRE(d != nullptr);
    CHECK(d->unpauses == 1);
    CHECK_FALSE(d->paused);
    CHECK(d->p2m.size() == 8 * 256);
    CHECK(d->max_memkb == 8 * 1024);
    CHECK(d->max_vcpus == 1);
    REQUIRE(d->context.has_value());

    const abi::VcpuGuestContext& c = *d->context;
    const abi::StartInfo& si = f.hv.start_info(d->id);
    CHECK(std::string(si.magic) == "xen-3.0-x86_64");
    CHECK(si.nr_pages == 8 * 256);
    CHECK(si.shared_info == d->shared_info_mfn << 12);
    CHECK((si.flags & (abi::k_sif_privileged | abi::k_sif_initdomain)) == 0);
    CHECK(cmdline_of(si) == "name=hello heartbeat=1");

    // The console: a frame of the domain, the port it was given, bound in Dom0.
    bool console_is_ours = false;
    for (auto& [pfn, mfn] : d->p2m)
        console_is_ours |= mfn == si.console.domu.mfn;
    CHECK(console_is_ours);
    REQUIRE(f.hv.dom0_ports.size() == 1);
    const auto& channel = f.hv.dom0_ports.begin()->second;
    CHECK(channel.domid == d->id);
    CHECK(si.console.domu.evtchn == channel.remote_port);
    CHECK(si.console.domu.evtchn != 0);
    CHECK(si.store_mfn == 0);
    CHECK(si.store_evtchn == 0);

    // vCPU 0: Xen's PV start of day.
    CHECK(c.user_regs.rip == 0x10);
    CHECK(c.user_regs.rsi == si.pt_base - 3 * 4096); // start_info, xenstore, console, then tables
    CHECK(c.user_regs.rsp % 4096 == 0);
    CHECK(c.user_regs.rsp > si.pt_base);
    CHECK(c.user_regs.cs == abi::k_flat_kernel_cs);
    CHECK(c.user_regs.ss == abi::k_flat_kernel_ss);
    CHECK((c.user_regs.rflags & (1u << 9)) != 0);
    CHECK((c.flags & abi::k_vgcf_in_kernel) != 0);
    CHECK(c.kernel_sp == c.user_regs.rsp);
    CHECK(c.kernel_ss == abi::k_flat_kernel_ss);
    CHECK(c.ctrlreg[3] == d->p2m.at(si.pt_base >> 12) << 12); // the L4's machine address
    // Pinned before the context is set, as Xen's toolstack does: the guest
    // may unpin it (Linux does).
    CHECK(d->pinned_l4 == c.ctrlreg[3] >> 12);
    // The L4 maps the start_info page where RSI points (L4 -> L3 -> L2 -> L1).
    uint64_t table_mfn = c.ctrlreg[3] >> 12;
    for (int level = 4; level >= 1; --level) {
        const auto* table = reinterpret_cast<const uint64_t*>(f.hv.frame(table_mfn));
        const uint64_t entry = table[(c.user_regs.rsi >> (12 + 9 * (level - 1))) & 511];
        REQUIRE((entry & 1) != 0);
        table_mfn = (entry & 0x000ffffffffff000ull) >> 12;
    }
    CHECK(table_mfn == d->p2m.at(c.user_regs.rsi >> 12));

    // Only the console ring stays mapped; nothing else of the build.
    CHECK(f.hv.mapping_count() == 1);
    CHECK(f.hv.violations.empty());
    // Default credit parameters, no pinning.
    CHECK(d->weight == 256);
    CHECK(d->cap == 0);
    CHECK(d->vcpus[0].affinity == ~uint64_t{0});
}

TEST_CASE("create applies weight, cap and cpus", "[toolstack][create]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/spin.cfg"));
    FakeDomain* d = f.hv.find("spin");
    REQUIRE(d != nullptr);
    CHECK(d->weight == 512);
    CHECK(d->cap == 50);
    CHECK(d->max_vcpus == 2);
    CHECK(d->vcpus[0].affinity == 0b10);
    CHECK(d->vcpus[1].affinity == 0b10);
}

TEST_CASE("create takes KEY=VALUE overrides and keeps a name= the command line has",
          "[toolstack][create]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg name=\"web\" memory=12 cmdline=\"name=other x y\""));
    FakeDomain* d = f.hv.find("web");
    REQUIRE(d != nullptr);
    CHECK(d->p2m.size() == 12 * 256);
    CHECK(cmdline_of(f.hv.start_info(d->id)) == "name=other x y");
    CHECK(f.hv.find("hello") == nullptr);
}

TEST_CASE("a bare override value is text unless it is a number", "[toolstack][create]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg name=web memory=0x10 cpus=1"));
    FakeDomain* d = f.hv.find("web");
    REQUIRE(d != nullptr);
    CHECK(d->p2m.size() == 16 * 256);
    // A bare word where a number belongs is still the parser's error.
    CHECK_FALSE(f.run("create /guests/hello.cfg name=other memory=lots"));
    CHECK(f.hv.find("other") == nullptr);
}

TEST_CASE("create -c attaches the console after starting", "[toolstack][create][console]") {
    ToolstackFixture f;
    f.term.on_wait = [&](int waits) {
        if (waits == 1) f.hv.guest_writes(1, "hello from hello\n");
        if (waits == 3) f.term.input.push_back(tools::k_console_detach_char);
    };
    REQUIRE(f.run("create /guests/hello.cfg -c"));
    const std::string out = f.out();
    CHECK(out.find("pvctl: hello (d1) created\n") == 0);
    CHECK(out.find("hello from hello\n") != std::string::npos);
    CHECK(out.find("detached from hello (d1)") != std::string::npos);
}

TEST_CASE("a relative kernel path is looked up beside the config", "[toolstack][create]") {
    ToolstackFixture f;
    f.files.files["/other/hello.cfg"] = "name=\"h2\"\nkernel=\"minios-hello\"\nmemory=8\n";
    REQUIRE_FALSE(f.run("create /other/hello.cfg"));
    CHECK(f.out() == "error: kernel /other/minios-hello: no such file\n");
    f.files.files["/other/minios-hello"] = f.files.files["/guests/minios-hello"];
    REQUIRE(f.run("create /other/hello.cfg"));
}

TEST_CASE("DomU cmdline composition", "[toolstack][create]") {
    tools::DomainConfig config;
    std::strcpy(config.name, "abc");
    char out[64];
    REQUIRE(tools::compose_cmdline(config, out, sizeof out));
    CHECK(std::string(out) == "name=abc");
    std::strcpy(config.cmdline, "a noname=1");
    REQUIRE(tools::compose_cmdline(config, out, sizeof out));
    CHECK(std::string(out) == "name=abc a noname=1");
    std::strcpy(config.cmdline, "a name=zz");
    REQUIRE(tools::compose_cmdline(config, out, sizeof out));
    CHECK(std::string(out) == "a name=zz");
    std::strcpy(config.cmdline, "0123456789");
    CHECK_FALSE(tools::compose_cmdline(config, out, 12));
}
