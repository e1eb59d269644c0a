// domctl's per-vCPU and scheduler commands (include/public/control.hpp):
// set/getvcpucontext, getvcpuinfo, set/getvcpuaffinity and sched_credit,
// over a fake DomainControl.
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

namespace {

abi::Domctl context_op(abi::DomctlCmd cmd, uint16_t domain, uint32_t vcpu,
                       uint64_t where = DomctlFixture::k_context) {
    abi::Domctl op = make_domctl(cmd, domain);
    op.u.vcpu_context.vcpu = vcpu;
    op.u.vcpu_context.context = where;
    return op;
}

abi::Domctl vcpu_op(abi::DomctlCmd cmd, uint16_t domain, uint32_t vcpu) {
    abi::Domctl op = make_domctl(cmd, domain);
    // vcpu is the first field of vcpu_info and vcpu_affinity alike.
    op.u.vcpu_info.vcpu = vcpu;
    return op;
}

abi::Domctl credit_op(uint16_t domain, uint32_t set, uint32_t weight = 0, uint32_t cap = 0) {
    abi::Domctl op = make_domctl(abi::DomctlCmd::sched_credit, domain);
    op.u.sched_credit.set = set;
    op.u.sched_credit.weight = weight;
    op.u.sched_credit.cap = cap;
    return op;
}

} // namespace

TEST_CASE("domctl set/getvcpucontext refuse a vCPU index out of range", "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 2, DomainState::paused);
    fx.put_bytes(DomctlFixture::k_context, context_pattern(1));
    for (auto cmd : {abi::DomctlCmd::setvcpucontext, abi::DomctlCmd::getvcpucontext}) {
        INFO("cmd " << abi::raw(cmd));
        CHECK(fx.call(context_op(cmd, 3, 2)) == k_einval);
        CHECK(fx.call(context_op(cmd, 3, 8)) == k_einval);
        CHECK(fx.call(context_op(cmd, 3, 0xffffffff)) == k_einval);
        CHECK(fx.call(context_op(cmd, 9, 0)) == k_esrch);
    }
    // An index below vcpu_count whose slot is empty is no vCPU either.
    guest.domain.vcpu_count = 3;
    CHECK(fx.call(context_op(abi::DomctlCmd::setvcpucontext, 3, 2)) == k_einval);
    CHECK(fx.call(context_op(abi::DomctlCmd::getvcpucontext, 3, 2)) == k_einval);
    CHECK(fx.control.calls.empty());
    CHECK(fx.guest_bytes(DomctlFixture::k_context, sizeof(abi::VcpuGuestContext)) ==
          context_pattern(1));
}

TEST_CASE("domctl set/getvcpucontext with a bad guest pointer give EFAULT", "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 1, DomainState::paused);
    const uint64_t last_page = k_guest_base + (k_guest_pages - 1) * FakeGuestMemory::k_page;

    const uint64_t bad[] = {k_hv_address, k_noncanonical, 0,
                            last_page}; // the context runs off the end of guest memory
    for (uint64_t where : bad) {
        INFO("where " << where);
        CHECK(fx.call(context_op(abi::DomctlCmd::setvcpucontext, 3, 0, where)) == k_efault);
        CHECK(fx.call(context_op(abi::DomctlCmd::getvcpucontext, 3, 0, where)) == k_efault);
    }
    // Half the context on an unmapped page: nothing reaches DomainControl.
    fx.f.mem.set_page(DomctlFixture::k_context + FakeGuestMemory::k_page,
                      FakeGuestMemory::Page::unmapped);
    CHECK(fx.call(context_op(abi::DomctlCmd::setvcpucontext, 3, 0)) == k_efault);
    for (const auto& call : fx.control.calls)
        CHECK(call.rfind("set_vcpu_context", 0) != 0);

    // A read-only destination can be read (set works) but not written (get fails).
    fx.f.mem.set_page(DomctlFixture::k_context + FakeGuestMemory::k_page,
                      FakeGuestMemory::Page::read_only);
    CHECK(fx.call(context_op(abi::DomctlCmd::setvcpucontext, 3, 0)) == 0);
    CHECK(fx.call(context_op(abi::DomctlCmd::getvcpucontext, 3, 0)) == k_efault);
}

TEST_CASE("domctl setvcpucontext hands DomainControl the guest's exact context",
          "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 2, DomainState::building);
    const auto pattern = context_pattern(0x3c);
    fx.put_bytes(DomctlFixture::k_context, pattern);

    REQUIRE(fx.call(context_op(abi::DomctlCmd::setvcpucontext, 3, 1)) == 0);
    CHECK(fx.control.calls == Calls{"set_vcpu_context 3.1"});
    CHECK(fx.control.received_context == pattern);

    // DomainControl's verdict (e.g. a running vCPU: -EBUSY) comes back.
    fx.control.set_context_result = Errno::ebusy;
    CHECK(fx.call(context_op(abi::DomctlCmd::setvcpucontext, 3, 0)) == k_ebusy);
    fx.control.set_context_result = Errno::einval;
    CHECK(fx.call(context_op(abi::DomctlCmd::setvcpucontext, 3, 0)) == k_einval);
    CHECK(fx.control.calls ==
          Calls{"set_vcpu_context 3.1", "set_vcpu_context 3.0", "set_vcpu_context 3.0"});
}

TEST_CASE("domctl getvcpucontext writes DomainControl's context to the guest",
          "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 2, DomainState::paused);
    fx.control.context_to_return = context_pattern(0x81);
    // Bytes on either side of the context stay as they were.
    fx.f.mem.put<uint64_t>(DomctlFixture::k_context - 8, 0x1111111111111111);
    fx.f.mem.put<uint64_t>(DomctlFixture::k_context + sizeof(abi::VcpuGuestContext),
                           0x2222222222222222);

    REQUIRE(fx.call(context_op(abi::DomctlCmd::getvcpucontext, 3, 1)) == 0);
    CHECK(fx.control.calls == Calls{"get_vcpu_context 3.1"});
    CHECK(fx.guest_bytes(DomctlFixture::k_context, sizeof(abi::VcpuGuestContext)) ==
          context_pattern(0x81));
    CHECK(fx.f.mem.get<uint64_t>(DomctlFixture::k_context - 8) == 0x1111111111111111);
    CHECK(fx.f.mem.get<uint64_t>(DomctlFixture::k_context + sizeof(abi::VcpuGuestContext)) ==
          0x2222222222222222);

    // A set followed by a get round-trips through the fake unchanged.
    fx.put_bytes(DomctlFixture::k_context, context_pattern(0x07));
    REQUIRE(fx.call(context_op(abi::DomctlCmd::setvcpucontext, 3, 0)) == 0);
    fx.control.context_to_return = fx.control.received_context;
    fx.put_bytes(DomctlFixture::k_context, context_pattern(0xee));
    REQUIRE(fx.call(context_op(abi::DomctlCmd::getvcpucontext, 3, 0)) == 0);
    CHECK(fx.guest_bytes(DomctlFixture::k_context, sizeof(abi::VcpuGuestContext)) ==
          context_pattern(0x07));

    // A vCPU on a CPU: EBUSY, and the guest's buffer is left alone.
    fx.control.get_context_error = abi::Errno::ebusy;
    fx.put_bytes(DomctlFixture::k_context, context_pattern(0x33));
    CHECK(fx.call(context_op(abi::DomctlCmd::getvcpucontext, 3, 0)) == k_ebusy);
    CHECK(fx.guest_bytes(DomctlFixture::k_context, sizeof(abi::VcpuGuestContext)) ==
          context_pattern(0x33));
}

TEST_CASE("domctl getvcpuinfo: state and time from the vCPU, placement from DomainControl",
          "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 3, DomainState::running);
    guest.vcpu(1).state = VcpuState::blocked;
    guest.vcpu(1).cpu_time_ns = 123456789;
    guest.vcpu(2).state = VcpuState::offline;
    guest.vcpu(2).cpu_time_ns = 42;
    fx.control.placement_cpu = 3;
    fx.control.placement_running = true;
    fx.control.placement_affinity = 0xa;

    auto op = vcpu_op(abi::DomctlCmd::getvcpuinfo, 3, 1);
    op.u.vcpu_info.online = 0x55; // OUT fields: whatever came in is replaced
    op.u.vcpu_info.pad = 0x66;
    op.u.vcpu_info.cpu_time_ns = 999;
    REQUIRE(fx.call(op) == 0);
    auto info = fx.result().u.vcpu_info;
    CHECK(fx.result().domain == 3);
    CHECK(info.vcpu == 1);
    CHECK(info.online == 1);
    CHECK(info.blocked == 1);
    CHECK(info.running == 1);
    CHECK(info.pad == 0);
    CHECK(info.cpu == 3);
    CHECK(info.cpu_time_ns == 123456789);
    CHECK(info.affinity == 0xa);
    CHECK(fx.control.calls == Calls{"vcpu_placement 3.1"});

    fx.control.placement_cpu = 1;
    fx.control.placement_running = false;
    fx.control.placement_affinity = 0x1;
    REQUIRE(fx.call(vcpu_op(abi::DomctlCmd::getvcpuinfo, 3, 2)) == 0);
    info = fx.result().u.vcpu_info;
    CHECK(info.vcpu == 2);
    CHECK(info.online == 0);
    CHECK(info.blocked == 0);
    CHECK(info.running == 0);
    CHECK(info.cpu == 1);
    CHECK(info.cpu_time_ns == 42);
    CHECK(info.affinity == 0x1);

    REQUIRE(fx.call(vcpu_op(abi::DomctlCmd::getvcpuinfo, 3, 0)) == 0);
    CHECK(fx.result().u.vcpu_info.online == 1);
    CHECK(fx.result().u.vcpu_info.blocked == 0);

    CHECK(fx.call(vcpu_op(abi::DomctlCmd::getvcpuinfo, 3, 3)) == k_einval);
    CHECK(fx.call(vcpu_op(abi::DomctlCmd::getvcpuinfo, 8, 0)) == k_esrch);
    CHECK(fx.control.calls.size() == 3);
}

TEST_CASE("domctl setvcpuaffinity and getvcpuaffinity go through DomainControl",
          "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 2, DomainState::running);

    auto set = vcpu_op(abi::DomctlCmd::setvcpuaffinity, 3, 1);
    set.u.vcpu_affinity.cpumap = 0x6;
    REQUIRE(fx.call(set) == 0);
    CHECK(fx.control.calls == Calls{"set_affinity 3.1 0x6"});

    auto get = vcpu_op(abi::DomctlCmd::getvcpuaffinity, 3, 1);
    get.u.vcpu_affinity.cpumap = 0xdead;
    REQUIRE(fx.call(get) == 0);
    CHECK(fx.result().u.vcpu_affinity.vcpu == 1);
    CHECK(fx.result().u.vcpu_affinity.cpumap == 0x6);
    CHECK(fx.control.calls.back() == "vcpu_placement 3.1");

    // The fake's refusal (say, no online CPU in the map) comes back; the map stays.
    fx.control.affinity_result = Errno::einval;
    set.u.vcpu_affinity.cpumap = 0x100;
    CHECK(fx.call(set) == k_einval);
    REQUIRE(fx.call(get) == 0);
    CHECK(fx.result().u.vcpu_affinity.cpumap == 0x6);

    const size_t calls = fx.control.calls.size();
    set.u.vcpu_affinity.vcpu = 2;
    CHECK(fx.call(set) == k_einval);
    get.u.vcpu_affinity.vcpu = 2;
    CHECK(fx.call(get) == k_einval);
    CHECK(fx.control.calls.size() == calls);
}

TEST_CASE("domctl sched_credit gets and sets through DomainControl", "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 2, DomainState::running);

    auto get = credit_op(3, 0, 7, 7);
    REQUIRE(fx.call(get) == 0);
    CHECK(fx.result().u.sched_credit.weight == 256);
    CHECK(fx.result().u.sched_credit.cap == 0);

    REQUIRE(fx.call(credit_op(3, 1, 512, 150)) == 0);
    REQUIRE(fx.call(get) == 0);
    CHECK(fx.result().u.sched_credit.set == 0);
    CHECK(fx.result().u.sched_credit.weight == 512);
    CHECK(fx.result().u.sched_credit.cap == 150);

    // Neither a get nor a set: refused before DomainControl sees it.
    const size_t before = fx.control.calls.size();
    CHECK(fx.call(credit_op(3, 2, 512, 0)) == k_einval);
    CHECK(fx.call(credit_op(3, 0xffffffff, 512, 0)) == k_einval);
    CHECK(fx.control.calls.size() == before);

    // DomainControl's range checks decide; nothing changes on a refusal.
    CHECK(fx.call(credit_op(3, 1, 0, 0)) == k_einval);
    CHECK(fx.call(credit_op(3, 1, 65536, 0)) == k_einval);
    CHECK(fx.call(credit_op(3, 1, 256, 201)) == k_einval);
    CHECK(fx.control.calls.back() == "set_sched_credit 3 256 201");
    REQUIRE(fx.call(get) == 0);
    CHECK(fx.result().u.sched_credit.weight == 512);
    CHECK(fx.result().u.sched_credit.cap == 150);

    // A failing get writes nothing back.
    fx.control.get_credit_result = Errno::eopnotsupp;
    CHECK(fx.call(get) == k_eopnotsupp);
    CHECK(fx.result().u.sched_credit.weight == 7);

    CHECK(fx.call(credit_op(9, 0)) == k_esrch);
    CHECK(fx.control.calls == Calls{"get_sched_credit 3", "set_sched_credit 3 512 150",
                                    "get_sched_credit 3", "set_sched_credit 3 0 0",
                                    "set_sched_credit 3 65536 0", "set_sched_credit 3 256 201",
                                    "get_sched_credit 3", "get_sched_credit 3"});
}
