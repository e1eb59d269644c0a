// pvctl counters DOM: the domain's counters from getdomaincounters as a
// summary line and two tables; every bad command line is one error line.
#include "toolstack_fixture.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace pv;
using namespace pv::test;

namespace {

bool single_error_line(const std::string& text) {
    return text.rfind("error: ", 0) == 0 && text.find('\n') == text.size() - 1;
}

} // namespace

TEST_CASE("counters prints a domain's hypercalls, exceptions and events",
          "[toolstack][verbs][counters]") {
    ToolstackFixture f;
    REQUIRE(f.run("create /guests/hello.cfg"));
    f.out();
    abi::DomainCounterValues c{};
    c.hypercalls[17] = 602;
    c.hypercalls[23] = 903;
    c.hypercalls_other = 2;
    c.exceptions[6] = 300;
    c.exceptions[14] = 310;
    c.bounced[14] = 300;
    c.bounced[13] = 1;
    c.syscalls = 303;
    c.event_sends = 300;
    c.upcalls = 301;
    f.hv.counters[1] = c;

    REQUIRE(f.run("counters hello"));
    const std::string expected = "hello (d1): hypercalls 1507, exceptions 610 (bounced 301), "
                                 "syscalls 303, event sends 300, upcalls 301\n"
                                 "  Nr Hypercall                             Count\n"
                                 "  17 xen_version                             602\n"
                                 "  23 iret                                    903\n"
                                 " >63 (unknown: ENOSYS)                         2\n"
                                 " Vec Name          Taken      Bounced     Emulated\n"
                                 "   6 #UD             300            0          300\n"
                                 "  13 #GP               0            1            0\n"
                                 "  14 #PF             310          300           10\n";
    CHECK(f.out() == expected);
    // By id, the same.
    REQUIRE(f.run("counters 1"));
    CHECK(f.out() == expected);
}

TEST_CASE("counters of a domain with nothing counted: the headers only",
          "[toolstack][verbs][counters]") {
    ToolstackFixture f;
    REQUIRE(f.run("counters Domain-0"));
    CHECK(f.out() == "Domain-0 (d0): hypercalls 0, exceptions 0 (bounced 0), syscalls 0, event "
                     "sends 0, upcalls 0\n"
                     "  Nr Hypercall                             Count\n"
                     " Vec Name          Taken      Bounced     Emulated\n");
}

TEST_CASE("counters: bad command lines and refusals are one error line",
          "[toolstack][verbs][counters]") {
    ToolstackFixture f;
    for (const char* bad : {"counters", "counters 0 extra", "counters nosuch", "counters 7",
                            "counters -1", "counters 99999999"}) {
        INFO(bad);
        CHECK_FALSE(f.run(bad));
        CHECK(single_error_line(f.out()));
    }
    CHECK_FALSE(f.run("counters"));
    CHECK(f.out() == "error: counters: a domain is needed (usage: pvctl counters DOM)\n");
    CHECK_FALSE(f.run("counters nosuch"));
    CHECK(f.out() == "error: unknown domain 'nosuch'\n");

    // The hypervisor refuses (an older one: ENOSYS; a domain gone meanwhile: ESRCH).
    f.hv.fail_counters = Errno::enosys;
    CHECK_FALSE(f.run("counters 0"));
    const std::string refused = f.out();
    CHECK(single_error_line(refused));
    CHECK(refused.rfind("error: counters Domain-0 (d0): ", 0) == 0);
    f.hv.fail_counters.reset();
    REQUIRE(f.run("counters 0"));
    f.out();
}

TEST_CASE("counters --help describes the verb", "[toolstack][verbs][counters]") {
    ToolstackFixture f;
    REQUIRE(f.run("counters --help"));
    const std::string text = f.out();
    CHECK(text.rfind("usage: pvctl counters DOM\n", 0) == 0);
    REQUIRE(f.run("help"));
    CHECK(f.out().find("  counters DOM ") != std::string::npos);
}
