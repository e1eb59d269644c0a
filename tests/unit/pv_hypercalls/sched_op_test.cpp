// sched_op: yield, block against pending events, shutdown and its code,
// poll's argument checks, remote_shutdown's privilege, unknown commands.
#include "include/public/sched.hpp"
#include "tests/unit/pv_hypercalls/pv_errors.hpp"

#include "tests/unit/pv_hypercalls/pv_fixture.hpp"
#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;
using abi::SchedOp;

namespace {

constexpr uint64_t k_sched = abi::raw(abi::Hypercall::sched_op);
constexpr uint64_t op(SchedOp o) {
    return abi::raw(o);
}

} // namespace

TEST_CASE("sched_op yield", "[pv_hypercalls]") {
    PvFixture f;
    CHECK(f.call(k_sched, op(SchedOp::yield)) == 0);
    CHECK(f.services.yields == 1);
    CHECK(f.vcpu.state == VcpuState::running);
}

TEST_CASE("sched_op block enables events and blocks unless one is pending", "[pv_hypercalls]") {
    PvFixture f;
    f.services.info.evtchn_upcall_mask = 1;

    SECTION("nothing pending: blocked, handed to the scheduler") {
        CHECK(f.call(k_sched, op(SchedOp::block)) == 0);
        CHECK(f.services.info.evtchn_upcall_mask == 0);
        CHECK(f.vcpu.state == VcpuState::blocked);
        CHECK(f.services.blocks == 1);
        CHECK(f.services.state_at_block == VcpuState::blocked);
    }
    SECTION("an event pending: returns at once, still running") {
        f.services.info.evtchn_upcall_pending = 1;
        CHECK(f.call(k_sched, op(SchedOp::block)) == 0);
        CHECK(f.services.info.evtchn_upcall_mask == 0);
        CHECK(f.vcpu.state == VcpuState::running);
        CHECK(f.services.blocks == 0);
    }
    SECTION("the argument is ignored") {
        CHECK(f.call(k_sched, op(SchedOp::block), k_hv_address) == 0);
        CHECK(f.services.blocks == 1);
    }
}

TEST_CASE("sched_op shutdown", "[pv_hypercalls]") {
    PvFixture f;
    SECTION("each reason is passed on") {
        for (uint32_t r = 0; r <= abi::k_shutdown_max; ++r) {
            f.mem.put(f.at(0x10), abi::SchedShutdown{r});
            CHECK(f.call(k_sched, op(SchedOp::shutdown), f.at(0x10)) == 0);
            REQUIRE(f.services.shutdowns.size() == r + 1);
            CHECK(f.services.shutdowns.back().first == &f.domain);
            CHECK(f.services.shutdowns.back().second == r);
        }
    }
    SECTION("the reason is truncated to 8 bits, as in Xen (no range check)") {
        f.mem.put(f.at(0x10), abi::SchedShutdown{0x1'0003});
        CHECK(f.call(k_sched, op(SchedOp::shutdown), f.at(0x10)) == 0);
        CHECK(f.services.shutdowns.at(0).second == 3);
        f.mem.put(f.at(0x10), abi::SchedShutdown{200});
        CHECK(f.call(k_sched, op(SchedOp::shutdown), f.at(0x10)) == 0);
        CHECK(f.services.shutdowns.at(1).second == 200);
    }
    SECTION("hostile pointers: -EFAULT, nothing shut down") {
        CHECK(f.call(k_sched, op(SchedOp::shutdown), 0) == k_efault);
        CHECK(f.call(k_sched, op(SchedOp::shutdown), k_hv_address) == k_efault);
        CHECK(f.call(k_sched, op(SchedOp::shutdown), k_noncanonical) == k_efault);
        CHECK(f.call(k_sched, op(SchedOp::shutdown), f.mem.end() - 2) == k_efault);
        CHECK(f.services.shutdowns.empty());
    }
    SECTION("shutdown_code records without shutting down") {
        f.mem.put(f.at(0x10), abi::SchedShutdown{1});
        CHECK(f.call(k_sched, op(SchedOp::shutdown_code), f.at(0x10)) == 0);
        CHECK(f.services.codes.size() == 1);
        CHECK(f.services.codes[0].second == 1);
        CHECK(f.services.shutdowns.empty());
        CHECK(f.call(k_sched, op(SchedOp::shutdown_code), k_hv_address) == k_efault);
        CHECK(f.services.codes.size() == 1);
    }
}

TEST_CASE("sched_op poll checks its arguments; the wait is issue 4's", "[pv_hypercalls]") {
    PvFixture f;
    uint32_t ports[2] = {1, 2};
    f.mem.put(f.at(0x100), ports);
    auto poll_at = [&](uint64_t ports_va, uint32_t n) {
        abi::SchedPoll p{};
        p.ports.address = ports_va;
        p.nr_ports = n;
        f.mem.put(f.at(0x10), p);
        return f.call(k_sched, op(SchedOp::poll), f.at(0x10));
    };
    CHECK(poll_at(f.at(0x100), 129) == k_einval);
    CHECK(poll_at(k_hv_address, 2) == k_efault);
    CHECK(poll_at(0xffff'ffff'ffff'fffc, 2) == k_efault); // wraps
    CHECK(poll_at(f.at(0x100), 2) == k_enosys);
    CHECK(f.call(k_sched, op(SchedOp::poll), k_hv_address) == k_efault);
    CHECK(f.vcpu.state == VcpuState::running);
}

TEST_CASE("sched_op remote_shutdown", "[pv_hypercalls]") {
    Domain other(7, false);
    auto request = [](DomainId id, uint32_t reason) {
        abi::SchedRemoteShutdown r{};
        r.domain_id = id;
        r.reason = reason;
        return r;
    };
    SECTION("privileged caller") {
        PvFixture f(true);
        f.services.domains[7] = &other;
        f.mem.put(f.at(0), request(7, 1));
        CHECK(f.call(k_sched, op(SchedOp::remote_shutdown), f.at(0)) == 0);
        REQUIRE(f.services.shutdowns.size() == 1);
        CHECK(f.services.shutdowns[0].first == &other);
        CHECK(f.services.shutdowns[0].second == 1);

        f.mem.put(f.at(0), request(8, 1));
        CHECK(f.call(k_sched, op(SchedOp::remote_shutdown), f.at(0)) == k_esrch);
        f.mem.put(f.at(0), request(abi::k_domid_self, 1));
        CHECK(f.call(k_sched, op(SchedOp::remote_shutdown), f.at(0)) == k_esrch);
        CHECK(f.call(k_sched, op(SchedOp::remote_shutdown), k_hv_address) == k_efault);
        CHECK(f.services.shutdowns.size() == 1);
    }
    SECTION("unprivileged caller: -EPERM, but -ESRCH first for no domain") {
        PvFixture f(false);
        f.services.domains[7] = &other;
        f.mem.put(f.at(0), request(7, 0));
        CHECK(f.call(k_sched, op(SchedOp::remote_shutdown), f.at(0)) == k_eperm);
        f.mem.put(f.at(0), request(9, 0));
        CHECK(f.call(k_sched, op(SchedOp::remote_shutdown), f.at(0)) == k_esrch);
        CHECK(f.services.shutdowns.empty());
    }
}

TEST_CASE("sched_op unknown commands", "[pv_hypercalls]") {
    PvFixture f(true);
    for (uint64_t cmd : {6ull, 7ull, 8ull, 0xffff'ffffull, 0x8000'0000ull})
        CHECK(f.call(k_sched, cmd, f.at(0)) == k_enosys);
    CHECK(f.services.yields == 0);
    CHECK(f.services.blocks == 0);
    // cmd is an int: upper bits ignored.
    CHECK(f.call(k_sched, 0x5'0000'0000ull) == 0);
    CHECK(f.services.yields == 1);
}
