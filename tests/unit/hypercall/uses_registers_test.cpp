// HypercallEntry::uses_registers: the PV entry path copies the caller's
// registers out of its entry frame only for the entries that say so, so the
// flag must be set exactly where a handler reads or replaces ctx.regs.
#include "core/hypercall/hypercall_table.hpp"
#include "core/hypercall/multicall.hpp"
#include "core/pv_hypercalls/handlers.hpp"

#include <catch2/catch.hpp>

#include <cstdint>

using namespace pv;

TEST_CASE("PV table: only iret and multicall use the caller's registers", "[hypercall]") {
    const HypercallTable& t = pv_hypercall_table();
    for (uint64_t n = 0; n < k_hypercall_table_size; ++n) {
        const HypercallEntry* e = t.lookup(n);
        if (e == nullptr) continue;
        const bool expected = n == abi::raw(abi::Hypercall::iret) || n == abi::raw(abi::Hypercall::multicall);
        INFO("hypercall " << n << " (" << e->name << ")");
        CHECK(e->uses_registers == expected);
    }
    REQUIRE(t.lookup(abi::raw(abi::Hypercall::iret)) != nullptr);
    REQUIRE(t.lookup(abi::raw(abi::Hypercall::multicall)) != nullptr);
}

TEST_CASE("HypercallEntry: uses_registers defaults to false", "[hypercall]") {
    constexpr HypercallEntry plain{abi::Hypercall::xen_version, "xen_version", nullptr, 2};
    STATIC_REQUIRE(!plain.uses_registers);
    STATIC_REQUIRE(k_multicall_entry.uses_registers);
}

TEST_CASE("HypercallArgs::first: every count, and counts beyond six", "[hypercall]") {
    const HypercallArgs all(23, 1, 2, 3, 4, 5, 6);
    for (unsigned n = 0; n <= 8; ++n) {
        const HypercallArgs got = all.first(n);
        CHECK(got.number() == 23);
        for (unsigned i = 0; i < HypercallArgs::k_count; ++i)
            CHECK(got.raw(i) == (i < n ? i + 1 : 0));
    }
    // The number is kept whole, even with junk in its upper half.
    CHECK(HypercallArgs(0xdead'0000'0000'0011ull, 7).first(0).number() == 0xdead'0000'0000'0011ull);
}
