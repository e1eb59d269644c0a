// domctl and sysctl: privilege, interface version, domain listing, pause.
#include "../pv_hypercalls/pv_errors.hpp"
#include "core/control/control.hpp"
#include "include/public/control.hpp"

#include "../pv_hypercalls/pv_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;

namespace {


abi::Domctl domctl(abi::DomctlCmd cmd, uint16_t domain) {
    abi::Domctl op{};
    op.cmd = abi::raw(cmd);
    op.interface_version = abi::k_control_interface_version;
    op.domain = domain;
    return op;
}

abi::Sysctl sysctl(abi::SysctlCmd cmd) {
    abi::Sysctl op{};
    op.cmd = abi::raw(cmd);
    op.interface_version = abi::k_control_interface_version;
    return op;
}

} // namespace

TEST_CASE("domctl and sysctl refuse an unprivileged caller and change nothing", "[control]") {
    PvFixture f(false);
    Domain other(5, false);
    other.state = DomainState::running;
    f.services.domains[5] = &other;
    f.mem.put(f.at(0), domctl(abi::DomctlCmd::pause, 5));
    CHECK(f.call(nr(abi::Hypercall::domctl), f.at(0)) == k_eperm);
    CHECK(other.state == DomainState::running);
    f.mem.put(f.at(0), sysctl(abi::SysctlCmd::physinfo));
    CHECK(f.call(nr(abi::Hypercall::sysctl), f.at(0)) == k_eperm);
}

TEST_CASE("domctl: bad pointers, versions, commands and domains", "[control]") {
    PvFixture f(true);
    CHECK(f.call(nr(abi::Hypercall::domctl), k_hv_address) == k_efault);
    CHECK(f.call(nr(abi::Hypercall::domctl), k_noncanonical) == k_efault);
    auto op = domctl(abi::DomctlCmd::pause, 7);
    op.interface_version = 0x1234;
    f.mem.put(f.at(0), op);
    CHECK(f.call(nr(abi::Hypercall::domctl), f.at(0)) == k_eacces);
    f.mem.put(f.at(0), domctl(abi::DomctlCmd::pause, 7));
    CHECK(f.call(nr(abi::Hypercall::domctl), f.at(0)) == k_esrch);
    auto bogus = domctl(abi::DomctlCmd::pause, 0);
    bogus.cmd = 999;
    f.mem.put(f.at(0), bogus);
    CHECK(f.call(nr(abi::Hypercall::domctl), f.at(0)) == k_enosys);
}

TEST_CASE("domctl getdomaininfo walks the domains in id order", "[control]") {
    PvFixture f(true);
    f.domain.set_name("Domain-0");
    f.domain.tot_pages = 100;
    f.domain.max_pages = 200;
    Domain guest(3, false);
    guest.set_name("hello");
    guest.state = DomainState::paused;
    f.services.domains[3] = &guest;

    f.mem.put(f.at(0), domctl(abi::DomctlCmd::getdomaininfo, 0));
    REQUIRE(f.call(nr(abi::Hypercall::domctl), f.at(0)) == 0);
    auto out = f.mem.get<abi::Domctl>(f.at(0));
    CHECK(out.domain == 0);
    CHECK(std::string(out.u.info.name) == "Domain-0");
    CHECK((out.u.info.flags & abi::k_dominfo_privileged) != 0);
    CHECK((out.u.info.flags & abi::k_dominfo_running) != 0);
    CHECK(out.u.info.tot_pages == 100);
    CHECK(out.u.info.nr_vcpus == 1);

    f.mem.put(f.at(0), domctl(abi::DomctlCmd::getdomaininfo, 1));
    REQUIRE(f.call(nr(abi::Hypercall::domctl), f.at(0)) == 0);
    out = f.mem.get<abi::Domctl>(f.at(0));
    CHECK(out.domain == 3);
    CHECK(std::string(out.u.info.name) == "hello");
    CHECK((out.u.info.flags & abi::k_dominfo_paused) != 0);

    f.mem.put(f.at(0), domctl(abi::DomctlCmd::getdomaininfo, 4));
    CHECK(f.call(nr(abi::Hypercall::domctl), f.at(0)) == k_esrch);
}

TEST_CASE("domctl pause and unpause", "[control]") {
    PvFixture f(true);
    Domain guest(2, false);
    guest.state = DomainState::running;
    f.services.domains[2] = &guest;
    f.mem.put(f.at(0), domctl(abi::DomctlCmd::pause, 2));
    CHECK(f.call(nr(abi::Hypercall::domctl), f.at(0)) == 0);
    CHECK(guest.state == DomainState::paused);
    f.mem.put(f.at(0), domctl(abi::DomctlCmd::unpause, 2));
    CHECK(f.call(nr(abi::Hypercall::domctl), f.at(0)) == 0);
    CHECK(guest.state == DomainState::running);
    CHECK(f.call(nr(abi::Hypercall::domctl), f.at(0)) == k_einval); // not paused
    f.mem.put(f.at(0), domctl(abi::DomctlCmd::pause, 0));
    CHECK(f.call(nr(abi::Hypercall::domctl), f.at(0)) == k_einval); // itself
    CHECK(f.domain.state == DomainState::running);
}

TEST_CASE("sysctl readconsole copies the log and advances the cursor", "[control]") {
    PvFixture f(true);
    f.services.console_log = "line one\nline two\n";
    auto op = sysctl(abi::SysctlCmd::readconsole);
    op.u.readconsole.buffer = f.at(1024);
    op.u.readconsole.count = 9;
    f.mem.put(f.at(0), op);
    REQUIRE(f.call(nr(abi::Hypercall::sysctl), f.at(0)) == 0);
    auto out = f.mem.get<abi::Sysctl>(f.at(0));
    CHECK(out.u.readconsole.count == 9);
    CHECK(out.u.readconsole.cursor == 9);
    char text[10] = {};
    for (int i = 0; i < 9; ++i) text[i] = f.mem.get<char>(f.at(1024 + i));
    CHECK(std::string(text) == "line one\n");

    op.u.readconsole.buffer = k_hv_address;
    f.mem.put(f.at(0), op);
    CHECK(f.call(nr(abi::Hypercall::sysctl), f.at(0)) == k_efault);
}
