// A domain's counters: summed over its vCPUs, reported as key=value lines.
#include "core/domain/counters_report.hpp"
#include "core/pv_hypercalls/handlers.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace pv;

namespace {

struct Lines final : CounterLines {
    void line(StringView text) override { all.emplace_back(text.data(), text.size()); }
    std::vector<std::string> all;
};

struct TwoVcpuDomain {
    TwoVcpuDomain() : domain(3, false) {
        for (uint32_t i = 0; i < 2; ++i) {
            vcpus.push_back(std::make_unique<Vcpu>(domain, i));
            domain.vcpus[i] = vcpus.back().get();
        }
        domain.vcpu_count = 2;
    }
    Domain domain;
    std::vector<std::unique_ptr<Vcpu>> vcpus;
};

} // namespace

TEST_CASE("counters: hypercall numbers beyond Xen's 64 share one slot", "[counters]") {
    VcpuCounters c;
    c.count_hypercall(0);
    c.count_hypercall(17);
    c.count_hypercall(17);
    c.count_hypercall(63);
    c.count_hypercall(64);
    c.count_hypercall(~uint64_t(0));
    CHECK(c.hypercalls[0] == 1);
    CHECK(c.hypercalls[17] == 2);
    CHECK(c.hypercalls[63] == 1);
    CHECK(c.hypercalls[VcpuCounters::k_hypercall_numbers] == 2);
    CHECK(total_hypercalls(c) == 6);
}

TEST_CASE("counters: a domain's are the sum of its vCPUs'", "[counters]") {
    TwoVcpuDomain t;
    VcpuCounters& a = t.vcpus[0]->counters;
    VcpuCounters& b = t.vcpus[1]->counters;
    a.count_hypercall(17);
    b.count_hypercall(17);
    b.count_hypercall(32);
    a.count_exception(14);
    a.count_bounce(14);
    b.count_exception(13);
    b.count_exception(13);
    a.syscalls = 4;
    b.syscalls = 1;
    a.event_sends = 2;
    b.upcalls = 9;

    const DomainCounters sum = domain_counters(t.domain);
    CHECK(sum.hypercalls[17] == 2);
    CHECK(sum.hypercalls[32] == 1);
    CHECK(total_hypercalls(sum) == 3);
    CHECK(sum.exceptions[14] == 1);
    CHECK(sum.bounced[14] == 1);
    CHECK(total_exceptions(sum) == 3);
    CHECK(total_bounced(sum) == 1);
    CHECK(handled_exceptions(sum, 13) == 2);
    CHECK(handled_exceptions(sum, 14) == 0);
    CHECK(sum.syscalls == 5);
    CHECK(sum.event_sends == 2);
    CHECK(sum.upcalls == 9);

    // A vCPU slot without a vCPU, and no vCPUs at all.
    t.domain.vcpus[1] = nullptr;
    CHECK(domain_counters(t.domain).syscalls == 4);
    t.domain.vcpu_count = 0;
    CHECK(total_hypercalls(domain_counters(t.domain)) == 0);
}

TEST_CASE("counters: handled is taken minus bounced, never below zero", "[counters]") {
    VcpuCounters c;
    c.exceptions[6] = 10;
    c.bounced[6] = 3;
    c.bounced[13] = 2; // bounced without being taken (a faulting IRETQ)
    CHECK(handled_exceptions(c, 6) == 7);
    CHECK(handled_exceptions(c, 13) == 0);
    CHECK(handled_exceptions(c, 32) == 0);
    CHECK(handled_exceptions(c, ~uint32_t(0)) == 0);
}

TEST_CASE("counters: the report has a line per nonzero number and vector", "[counters]") {
    VcpuCounters c;
    for (int i = 0; i < 3; ++i)
        c.count_hypercall(17);
    c.count_hypercall(23);
    c.count_hypercall(99);
    c.exceptions[6] = 5;
    c.exceptions[14] = 2;
    c.bounced[14] = 2;
    c.syscalls = 7;
    c.event_sends = 8;
    c.upcalls = 9;

    Lines out;
    report_counters(0, c, &pv_hypercall_table(), out);
    const std::vector<std::string> expected = {
        "d0 counters: hypercalls=5 syscalls=7 event_sends=8 upcalls=9 exceptions=7 bounced=2",
        "d0 counters: hypercall=17 name=xen_version count=3",
        "d0 counters: hypercall=23 name=iret count=1",
        "d0 counters: hypercall=other count=1",
        "d0 counters: vector=6 name=#UD taken=5 bounced=0 handled=5",
        "d0 counters: vector=14 name=#PF taken=2 bounced=2 handled=0",
    };
    CHECK(out.all == expected);
}

TEST_CASE("counters: without names, and with nothing counted", "[counters]") {
    VcpuCounters c;
    Lines empty;
    report_counters(7, c, nullptr, empty);
    REQUIRE(empty.all.size() == 1);
    CHECK(empty.all[0] ==
          "d7 counters: hypercalls=0 syscalls=0 event_sends=0 upcalls=0 exceptions=0 bounced=0");

    c.count_hypercall(17);
    c.count_hypercall(62); // no handler in any table
    Lines unnamed;
    report_counters(1, c, nullptr, unnamed);
    REQUIRE(unnamed.all.size() == 3);
    CHECK(unnamed.all[1] == "d1 counters: hypercall=17 name=- count=1");
    CHECK(unnamed.all[2] == "d1 counters: hypercall=62 name=- count=1");
}
