// domctl getdomaincounters (include/public/control.hpp): a domain's vCPU
// counters, summed, written to the toolstack's buffer; bad sizes, pointers,
// domains and callers refused with nothing written.
#include "../pv_hypercalls/pv_errors.hpp"
#include "core/control/control.hpp"
#include "include/public/control.hpp"

#include "../pv_hypercalls/pv_fixture.hpp"
#include "domctl_fixture.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using namespace pv;
using namespace pv::test;

namespace {

// The buffer on pages 4 and 5 (the Domctl is on page 0).
constexpr uint64_t k_buffer = k_guest_base + 4 * FakeGuestMemory::k_page;

abi::Domctl counters_op(uint16_t domain, uint64_t buffer = k_buffer,
                        uint32_t size = sizeof(abi::DomainCounterValues)) {
    abi::Domctl op = make_domctl(abi::DomctlCmd::getdomaincounters, domain);
    op.u.counters.buffer = buffer;
    op.u.counters.size = size;
    return op;
}

// Fills the buffer with a byte that no count has, to see what was written.
void poison(DomctlFixture& fx) {
    fx.put_bytes(k_buffer, std::vector<uint8_t>(sizeof(abi::DomainCounterValues), 0xa5));
}
bool untouched(const DomctlFixture& fx) {
    return fx.guest_bytes(k_buffer, sizeof(abi::DomainCounterValues)) ==
           std::vector<uint8_t>(sizeof(abi::DomainCounterValues), 0xa5);
}

} // namespace

TEST_CASE("domctl getdomaincounters writes the sum of the domain's vCPU counters",
          "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 2, DomainState::running);
    VcpuCounters& a = guest.vcpu(0).counters;
    VcpuCounters& b = guest.vcpu(1).counters;
    a.count_hypercall(17);
    b.count_hypercall(17);
    b.count_hypercall(63);
    a.count_hypercall(1000);
    a.count_exception(6);
    b.count_exception(14);
    b.count_bounce(14);
    a.syscalls = 3;
    b.syscalls = 4;
    a.event_sends = 5;
    b.upcalls = 6;
    poison(fx);

    REQUIRE(fx.call(counters_op(3)) == 0);
    CHECK(fx.result().u.counters.size == sizeof(abi::DomainCounterValues));
    CHECK(fx.result().u.counters.buffer == k_buffer);
    const auto out = fx.f.mem.get<abi::DomainCounterValues>(k_buffer);
    CHECK(out.hypercalls[17] == 2);
    CHECK(out.hypercalls[63] == 1);
    CHECK(out.hypercalls[0] == 0);
    CHECK(out.hypercalls_other == 1);
    CHECK(out.exceptions[6] == 1);
    CHECK(out.exceptions[14] == 1);
    CHECK(out.bounced[14] == 1);
    CHECK(out.bounced[6] == 0);
    CHECK(out.syscalls == 7);
    CHECK(out.event_sends == 5);
    CHECK(out.upcalls == 6);
    CHECK(out.pad == 0);
    // Nothing of DomainControl is needed: the counters are the vCPUs'.
    CHECK(fx.control.calls.empty());

    // A larger buffer is fine; only the structure is written.
    fx.put_bytes(k_buffer + sizeof(abi::DomainCounterValues), {0x5a});
    REQUIRE(fx.call(counters_op(3, k_buffer, 4096)) == 0);
    CHECK(fx.result().u.counters.size == sizeof(abi::DomainCounterValues));
    CHECK(fx.guest_bytes(k_buffer + sizeof(abi::DomainCounterValues), 1) ==
          std::vector<uint8_t>{0x5a});

    // The caller's own counters (DOMID 0 here) are there too, all zero.
    REQUIRE(fx.call(counters_op(0)) == 0);
    CHECK(fx.f.mem.get<abi::DomainCounterValues>(k_buffer).syscalls == 0);
}

TEST_CASE("domctl getdomaincounters works without a DomainControl", "[control][domctl]") {
    DomctlFixture fx;
    fx.f.services.control = nullptr;
    FakeGuest guest(fx, 3, 1, DomainState::paused);
    guest.vcpu(0).counters.upcalls = 42;
    REQUIRE(fx.call(counters_op(3)) == 0);
    CHECK(fx.f.mem.get<abi::DomainCounterValues>(k_buffer).upcalls == 42);
}

TEST_CASE("domctl getdomaincounters refuses a short buffer, a set pad and unknown domains",
          "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 1, DomainState::running);
    guest.vcpu(0).counters.syscalls = 1;
    poison(fx);
    for (uint32_t size : {0u, 1u, uint32_t(sizeof(abi::DomainCounterValues) - 1)}) {
        INFO("size " << size);
        CHECK(fx.call(counters_op(3, k_buffer, size)) == k_einval);
        CHECK(fx.result().u.counters.size == size); // not written back
    }
    auto padded = counters_op(3);
    padded.u.counters.pad = 1;
    CHECK(fx.call(padded) == k_einval);
    CHECK(fx.call(counters_op(9)) == k_esrch);
    CHECK(fx.call(counters_op(0xffff)) == k_esrch);
    CHECK(untouched(fx));
}

TEST_CASE("domctl getdomaincounters with a bad buffer pointer gives EFAULT", "[control][domctl]") {
    DomctlFixture fx;
    FakeGuest guest(fx, 3, 1, DomainState::running);
    const uint64_t last_page = k_guest_base + (k_guest_pages - 1) * FakeGuestMemory::k_page;
    for (uint64_t where :
         {k_hv_address, k_noncanonical, uint64_t(0), last_page + FakeGuestMemory::k_page - 16}) {
        INFO("where " << where);
        CHECK(fx.call(counters_op(3, where)) == k_efault);
        CHECK(fx.result().u.counters.size == sizeof(abi::DomainCounterValues)); // as sent
    }
    // Straddling into a page that cannot be written.
    const uint64_t straddling = k_buffer + FakeGuestMemory::k_page - 512;
    fx.f.mem.set_page(k_buffer + FakeGuestMemory::k_page, FakeGuestMemory::Page::read_only);
    CHECK(fx.call(counters_op(3, straddling)) == k_efault);
    fx.f.mem.set_page(k_buffer + FakeGuestMemory::k_page, FakeGuestMemory::Page::unmapped);
    CHECK(fx.call(counters_op(3, straddling)) == k_efault);
    // Wholly on a read-only page.
    fx.f.mem.set_page(k_buffer, FakeGuestMemory::Page::read_only);
    CHECK(fx.call(counters_op(3)) == k_efault);
}

TEST_CASE("domctl getdomaincounters: an unprivileged caller gets EPERM, nothing written",
          "[control][domctl]") {
    DomctlFixture fx(false);
    FakeGuest other(fx, 5, 1, DomainState::running);
    other.vcpu(0).counters.syscalls = 9;
    poison(fx);
    const auto op = counters_op(5);
    CHECK(fx.call(op) == k_eperm);
    const auto out = fx.result();
    CHECK(std::memcmp(&out, &op, sizeof op) == 0);
    CHECK(untouched(fx));
}
