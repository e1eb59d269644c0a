// domctl's domain lifecycle (include/public/control.hpp): createdomain's
// checks and results, destroydomain, pause/unpause, privilege, interface
// version and the getdomaininfo walk, over a fake DomainControl.
#include "../pv_hypercalls/pv_errors.hpp"
#include "core/control/control.hpp"
#include "include/public/control.hpp"

#include "../pv_hypercalls/pv_fixture.hpp"
#include "domctl_fixture.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pv;
using namespace pv::test;

using Calls = std::vector<std::string>;

TEST_CASE("domctl createdomain: a bad or taken name is refused before create",
          "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest hello(fx, 3, 1, DomainState::running);
    hello.domain.set_name("hello");

    CHECK(fx.call(make_create("")) == k_einval);

    auto unterminated = make_create("");
    std::memset(unterminated.u.create.name, 'x', sizeof unterminated.u.create.name);
    CHECK(fx.call(unterminated) == k_einval);

    CHECK(fx.call(make_create("hello")) == k_eexist);    // a guest's name
    CHECK(fx.call(make_create("Domain-0")) == k_eexist); // the caller's own
    CHECK(fx.control.calls.empty());

    // Prefixes and extensions of a taken name are other names.
    CHECK(fx.call(make_create("hell")) == 0);
    CHECK(fx.call(make_create("hello2")) == 0);
    CHECK(fx.control.calls == Calls{"create hell", "create hello2"});
}

TEST_CASE("domctl createdomain: vCPU count, memory and flags are checked before create",
          "[control][domctl]") {
    DomctlFixture fx;
    CHECK(fx.call(make_create("a", 0)) == k_einval);
    CHECK(fx.call(make_create("a", 9)) == k_einval);
    CHECK(fx.call(make_create("a", 0xffffffff)) == k_einval);
    CHECK(fx.call(make_create("a", 1, 0)) == k_einval);
    CHECK(fx.call(make_create("a", 1, 16384, 1u << 1)) == k_einval);
    CHECK(fx.call(make_create("a", 1, 16384, 1u << 31)) == k_einval);
    CHECK(fx.call(make_create("a", 1, 16384, abi::k_create_pvh | (1u << 5))) == k_einval);
    CHECK(fx.control.calls.empty());

    // The limits themselves are allowed, and PVH is left to DomainControl.
    CHECK(fx.call(make_create("eight", 8, 1, abi::k_create_pvh)) == 0);
    CHECK(fx.control.calls == Calls{"create eight"});
    CHECK(fx.control.last_create.max_vcpus == 8);
    CHECK(fx.control.last_create.max_memkb == 1);
    CHECK(fx.control.last_create.flags == abi::k_create_pvh);
}

TEST_CASE("domctl createdomain returns the new domain's id and shared_info frame",
          "[control][domctl]") {
    DomctlFixture fx;
    fx.control.next_id = 5;
    fx.control.shared_info_mfn = 0x12345;
    auto op = make_create("web", 2, 65536);
    op.domain = 0x7ff0; // ignored on input
    REQUIRE(fx.call(op) == 0);

    const auto out = fx.result();
    CHECK(out.domain == 5);
    CHECK(out.u.create.shared_info_mfn == 0x12345);
    CHECK(std::string(out.u.create.name) == "web");
    CHECK(fx.control.calls == Calls{"create web"});
    CHECK(std::string(fx.control.last_create.name) == "web");
    CHECK(fx.control.last_create.max_vcpus == 2);
    CHECK(fx.control.last_create.max_memkb == 65536);

    // Now registered: the name is taken and the id can be looked up.
    CHECK(fx.call(make_create("web")) == k_eexist);
    REQUIRE(fx.call(make_domctl(abi::DomctlCmd::getdomaininfo, 5)) == 0);
    CHECK(fx.result().domain == 5);
    CHECK(std::string(fx.result().u.info.name) == "web");
}

TEST_CASE("domctl createdomain passes DomainControl::create's error back unchanged",
          "[control][domctl]") {
    const Errno errors[] = {Errno::enomem, Errno::eopnotsupp, Errno::enospc};
    for (Errno e : errors) {
        DomctlFixture fx;
        fx.control.create_result = e;
        auto op = make_create("big", 1, 1u << 30);
        op.domain = 0x4242;
        CHECK(fx.call(op) == err(e));
        CHECK(fx.control.calls == Calls{"create big"});
        // Nothing is written back on failure.
        CHECK(fx.result().domain == 0x4242);
        CHECK(fx.result().u.create.shared_info_mfn == 0);
    }
}

TEST_CASE("domctl: an unprivileged caller gets EPERM for every command and nothing runs",
          "[control][domctl]") {
    DomctlFixture fx(false);
    FakeGuest other(fx, 5, 2, DomainState::running);
    other.domain.set_name("other");

    for (uint32_t cmd = abi::raw(abi::DomctlCmd::getdomaininfo);
         cmd <= abi::raw(abi::DomctlCmd::sched_credit); ++cmd) {
        INFO("cmd " << cmd);
        auto op = make_create("new", 1, 1024);
        op.cmd = cmd;
        op.domain = 5;
        op.u.vcpu_context.context = DomctlFixture::k_context;
        CHECK(fx.call(op) == k_eperm);
        const auto out = fx.result();
        CHECK(std::memcmp(&out, &op, sizeof op) == 0);
    }
    CHECK(fx.control.calls.empty());
    CHECK(other.domain.state == DomainState::running);
    CHECK(fx.f.services.domains.size() == 2);
}

TEST_CASE("domctl with a wrong interface version gets EACCES and nothing runs",
          "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 1, DomainState::building);
    const uint32_t versions[] = {0, abi::k_control_interface_version - 1,
                                 abi::k_control_interface_version + 1, 0x50560001};
    for (uint32_t version : versions) {
        INFO("version " << version);
        auto create = make_create("new");
        create.interface_version = version;
        CHECK(fx.call(create) == k_eacces);
        auto unpause = make_domctl(abi::DomctlCmd::unpause, 3);
        unpause.interface_version = version;
        CHECK(fx.call(unpause) == k_eacces);
        auto destroy = make_domctl(abi::DomctlCmd::destroydomain, 3);
        destroy.interface_version = version;
        CHECK(fx.call(destroy) == k_eacces);
        auto info = make_domctl(abi::DomctlCmd::getdomaininfo, 0);
        info.interface_version = version;
        CHECK(fx.call(info) == k_eacces);
    }
    CHECK(fx.control.calls.empty());
    CHECK(guest.domain.state == DomainState::building);
}

TEST_CASE("domctl destroydomain refuses the caller, privileged domains and unknown ids",
          "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest driver(fx, 4, 1, DomainState::running, true);
    CHECK(fx.call(make_domctl(abi::DomctlCmd::destroydomain, 0)) == k_einval);
    CHECK(fx.call(make_domctl(abi::DomctlCmd::destroydomain, 4)) == k_einval);
    CHECK(fx.call(make_domctl(abi::DomctlCmd::destroydomain, 9)) == k_esrch);
    CHECK(fx.call(make_domctl(abi::DomctlCmd::destroydomain, 0xffff)) == k_esrch);
    CHECK(fx.control.calls.empty());
    CHECK(fx.f.services.domains.size() == 2);
}

TEST_CASE("domctl destroydomain of a guest calls DomainControl::destroy", "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 2, DomainState::running);
    FakeGuest stuck(fx, 6, 1, DomainState::shut_down);

    REQUIRE(fx.call(make_domctl(abi::DomctlCmd::destroydomain, 3)) == 0);
    CHECK(fx.control.calls == Calls{"destroy 3"});
    CHECK(fx.f.services.domain_by_id(3) == nullptr);
    CHECK(fx.call(make_domctl(abi::DomctlCmd::destroydomain, 3)) == k_esrch);

    fx.control.destroy_result = Errno::ebusy;
    CHECK(fx.call(make_domctl(abi::DomctlCmd::destroydomain, 6)) == k_ebusy);
    CHECK(fx.control.calls == Calls{"destroy 3", "destroy 6"});
}

TEST_CASE("domctl unpause starts a building domain through DomainControl", "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 1, DomainState::building);

    REQUIRE(fx.call(make_domctl(abi::DomctlCmd::unpause, 3)) == 0);
    CHECK(fx.control.calls == Calls{"unpause 3"});
    CHECK(guest.domain.state == DomainState::running);

    // Already running: nothing to unpause.
    CHECK(fx.call(make_domctl(abi::DomctlCmd::unpause, 3)) == k_einval);
    CHECK(fx.call(make_domctl(abi::DomctlCmd::unpause, 0)) == k_einval); // the caller runs
    CHECK(fx.control.calls == Calls{"unpause 3"});

    guest.domain.state = DomainState::shut_down;
    CHECK(fx.call(make_domctl(abi::DomctlCmd::unpause, 3)) == k_einval);
    guest.domain.state = DomainState::dying;
    CHECK(fx.call(make_domctl(abi::DomctlCmd::unpause, 3)) == k_einval);
    CHECK(fx.control.calls == Calls{"unpause 3"});

    guest.domain.state = DomainState::paused;
    fx.control.unpause_result = Errno::enomem;
    CHECK(fx.call(make_domctl(abi::DomctlCmd::unpause, 3)) == k_enomem);
    CHECK(fx.control.calls == Calls{"unpause 3", "unpause 3"});
}

TEST_CASE("domctl pause goes through DomainControl; a domain cannot pause itself",
          "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 1, DomainState::running);
    FakeGuest fresh(fx, 4, 1, DomainState::building);

    CHECK(fx.call(make_domctl(abi::DomctlCmd::pause, 0)) == k_einval);
    CHECK(fx.f.domain.state == DomainState::running);
    CHECK(fx.call(make_domctl(abi::DomctlCmd::pause, 4)) == k_einval); // never started
    CHECK(fx.control.calls.empty());

    REQUIRE(fx.call(make_domctl(abi::DomctlCmd::pause, 3)) == 0);
    CHECK(fx.control.calls == Calls{"pause 3"});
    CHECK(guest.domain.state == DomainState::paused);
    REQUIRE(fx.call(make_domctl(abi::DomctlCmd::unpause, 3)) == 0);
    CHECK(guest.domain.state == DomainState::running);

    fx.control.pause_result = Errno::ebusy;
    CHECK(fx.call(make_domctl(abi::DomctlCmd::pause, 3)) == k_ebusy);
    CHECK(fx.control.calls == Calls{"pause 3", "unpause 3", "pause 3"});
}

TEST_CASE("domctl getdomaininfo walks to the next existing id", "[control][domctl]") {
    DomctlFixture fx;
    fx.f.vcpu.cpu_time_ns = 1000;
    FakeGuest three(fx, 3, 2, DomainState::paused);
    three.domain.set_name("three");
    FakeGuest seven(fx, 7, 3, DomainState::running);
    seven.domain.set_name("seven");
    seven.domain.tot_pages = 512;
    seven.domain.max_pages = 1024;
    seven.vcpu(0).state = VcpuState::blocked;
    seven.vcpu(1).state = VcpuState::blocked;
    seven.vcpu(2).state = VcpuState::offline;
    seven.vcpu(0).cpu_time_ns = 10;
    seven.vcpu(2).cpu_time_ns = 5;

    struct Step {
        uint16_t from, found;
    };
    const Step steps[] = {{0, 0}, {1, 3}, {3, 3}, {4, 7}, {7, 7}};
    for (const Step& s : steps) {
        INFO("from " << s.from);
        REQUIRE(fx.call(make_domctl(abi::DomctlCmd::getdomaininfo, s.from)) == 0);
        CHECK(fx.result().domain == s.found);
        CHECK(fx.result().u.info.domain == s.found);
    }
    CHECK(fx.call(make_domctl(abi::DomctlCmd::getdomaininfo, 8)) == k_esrch);
    CHECK(fx.call(make_domctl(abi::DomctlCmd::getdomaininfo, 0xffff)) == k_esrch);

    REQUIRE(fx.call(make_domctl(abi::DomctlCmd::getdomaininfo, 4)) == 0);
    const auto info = fx.result().u.info;
    CHECK(std::string(info.name) == "seven");
    // Every online vCPU blocked: `b`, not `r` (that means on a CPU now).
    CHECK(info.flags == abi::k_dominfo_blocked);
    CHECK(info.nr_vcpus == 3);
    CHECK(info.nr_online_vcpus == 2);
    CHECK(info.tot_pages == 512);
    CHECK(info.max_pages == 1024);
    CHECK(info.cpu_time_ns == 15);

    REQUIRE(fx.call(make_domctl(abi::DomctlCmd::getdomaininfo, 1)) == 0);
    CHECK(std::string(fx.result().u.info.name) == "three");
    CHECK(fx.result().u.info.flags == abi::k_dominfo_paused);

    REQUIRE(fx.call(make_domctl(abi::DomctlCmd::getdomaininfo, 0)) == 0);
    CHECK(std::string(fx.result().u.info.name) == "Domain-0");
    CHECK(fx.result().u.info.flags == (abi::k_dominfo_running | abi::k_dominfo_privileged));
    CHECK(fx.result().u.info.cpu_time_ns == 1000);
    CHECK(fx.control.calls.empty());
}

TEST_CASE("domctl lifecycle commands answer ENOSYS without a DomainControl", "[control][domctl]") {
    DomctlFixture fx;
    fx.f.services.control = nullptr;
    FakeGuest guest(fx, 3, 1, DomainState::paused);
    CHECK(fx.call(make_create("new")) == k_enosys);
    CHECK(fx.call(make_domctl(abi::DomctlCmd::destroydomain, 3)) == k_enosys);
    CHECK(fx.call(make_domctl(abi::DomctlCmd::getvcpuinfo, 3)) == k_enosys);
    CHECK(fx.call(make_domctl(abi::DomctlCmd::sched_credit, 3)) == k_enosys);
    CHECK(fx.control.calls.empty());
}
