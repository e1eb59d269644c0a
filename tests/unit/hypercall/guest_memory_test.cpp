// GuestHandle and the checked guest copies: every way a guest pointer can be
// bad ends in EFAULT, never in an access outside the guest's own pages.
#include "core/hypercall/guest_memory.hpp"
#include "include/public/hypercall.hpp"

namespace {
constexpr pv::Errno k_efault = pv::Errno::efault;
}

// The fake pulls in standard headers that define errno macros: after the constants.
#include "tests/unit/hypercall/fake_guest_memory.hpp"
#include <catch2/catch.hpp>

#include <cstdint>
#include <type_traits>

using namespace pv;
using pv::test::FakeGuestMemory;

namespace {

constexpr uint64_t k_base = 0x0000'0000'0040'0000;
constexpr uint64_t k_page = FakeGuestMemory::k_page;
constexpr uint64_t k_hv_start = abi::k_hypervisor_virt_start;
constexpr uint64_t k_hv_end = abi::k_hypervisor_virt_end;

struct Pair {
    uint32_t a;
    uint32_t b;
};

// Four pages: writable, read-only, unmapped, writable.
FakeGuestMemory make_memory() {
    FakeGuestMemory mem(k_base, 4);
    mem.set_page(k_base + 1 * k_page, FakeGuestMemory::Page::read_only);
    mem.set_page(k_base + 2 * k_page, FakeGuestMemory::Page::unmapped);
    return mem;
}

} // namespace

// Compile-time properties of the handle type.
static_assert(std::is_convertible_v<GuestHandle<int>, GuestHandle<const int>>);
static_assert(!std::is_convertible_v<GuestHandle<const int>, GuestHandle<int>>);
static_assert(!std::is_convertible_v<uint64_t, GuestHandle<int>>,
              "addresses become handles explicitly");
static_assert(sizeof(GuestHandle<Pair>) == 8);
static_assert(GuestHandle<Pair>(0x1000).offset(3).address() == 0x1018);
static_assert(GuestHandle<Pair>().is_null());

TEST_CASE("guest_range_plausible: canonical, no wrap, not the hypervisor's", "[hypercall]") {
    CHECK(guest_range_plausible(0, 1));
    CHECK(guest_range_plausible(0x1000, 0x1000));
    CHECK(
        guest_range_plausible(0x0000'7fff'ffff'f000, 0x1000)); // ends at the top of the lower half
    CHECK_FALSE(guest_range_plausible(0x0000'7fff'ffff'f000, 0x1001)); // runs into the hole
    CHECK_FALSE(guest_range_plausible(0x0000'8000'0000'0000, 1));      // non-canonical
    CHECK_FALSE(guest_range_plausible(0x1234'5678'0000'0000, 8));      // non-canonical
    CHECK_FALSE(guest_range_plausible(0x0000'7fff'ffff'ffff, uint64_t{1} << 63)); // spans the hole

    CHECK_FALSE(guest_range_plausible(k_hv_start, 1));
    CHECK_FALSE(guest_range_plausible(k_hv_start + 0x1234'5000, 8));
    CHECK_FALSE(guest_range_plausible(k_hv_end - 1, 1));
    CHECK_FALSE(guest_range_plausible(k_hv_end - 8, 16));        // tail touches the hypervisor
    CHECK(guest_range_plausible(k_hv_end, 8));                   // first byte after it
    CHECK(guest_range_plausible(0xffff'ffff'ffff'f000, 0x1000)); // ends exactly at 2^64

    CHECK_FALSE(guest_range_plausible(0xffff'ffff'ffff'fff0, 0x20)); // wraps
    CHECK_FALSE(guest_range_plausible(1, ~uint64_t{0}));             // wraps
    CHECK_FALSE(guest_range_plausible(0, ~uint64_t{0}));             // all of it

    CHECK(guest_range_plausible(0x1000, 0));
    CHECK_FALSE(guest_range_plausible(k_hv_start, 0));
    CHECK_FALSE(guest_range_plausible(0x8000'0000'0000'0000, 0));
}

TEST_CASE("copy_from_guest / copy_to_guest: one object", "[hypercall]") {
    FakeGuestMemory mem = make_memory();
    const GuestHandle<Pair> h(k_base + 0x100);

    SECTION("round trip through a writable page") {
        REQUIRE(copy_to_guest(mem, h, Pair{7, 9}).is_ok());
        Pair out{};
        REQUIRE(copy_from_guest(mem, h, out).is_ok());
        CHECK(out.a == 7);
        CHECK(out.b == 9);
        // A read-only handle reads the same object.
        const GuestHandle<const Pair> in = h;
        Pair again{};
        REQUIRE(copy_from_guest(mem, in, again).is_ok());
        CHECK(again.b == 9);
    }
    SECTION("read-only page: reads work, writes fault and change nothing") {
        const GuestHandle<Pair> ro(k_base + k_page + 8);
        mem.put(ro.address(), Pair{1, 2});
        Pair out{};
        CHECK(copy_from_guest(mem, ro, out).is_ok());
        CHECK(out.b == 2);
        CHECK(copy_to_guest(mem, ro, Pair{5, 5}).error() == k_efault);
        CHECK(mem.get<Pair>(ro.address()).a == 1);
    }
    SECTION("unmapped page") {
        Pair out{};
        CHECK(copy_from_guest(mem, GuestHandle<Pair>(k_base + 2 * k_page), out).error() ==
              k_efault);
        CHECK(copy_to_guest(mem, GuestHandle<Pair>(k_base + 2 * k_page), out).error() == k_efault);
        // An object straddling into the unmapped page.
        CHECK(copy_from_guest(mem, GuestHandle<Pair>(k_base + 2 * k_page - 4), out).error() ==
              k_efault);
        // Outside the guest's memory altogether, and the null page.
        CHECK(copy_from_guest(mem, GuestHandle<Pair>(mem.end()), out).error() == k_efault);
        CHECK(copy_from_guest(mem, GuestHandle<Pair>(0), out).error() == k_efault);
    }
    SECTION("hypervisor, non-canonical and wrapping addresses never reach the address space") {
        Pair out{};
        const uint64_t bad[] = {k_hv_start,
                                k_hv_start + 0x40'0000,
                                k_hv_end - 4,
                                0x0000'8000'0000'0000,
                                0x8000'0000'0000'0000,
                                0x0000'7fff'ffff'fffc,
                                0xffff'ffff'ffff'fffc};
        for (uint64_t va : bad) {
            INFO("va 0x" << std::hex << va);
            CHECK(copy_from_guest(mem, GuestHandle<Pair>(va), out).error() == k_efault);
            CHECK(copy_to_guest(mem, GuestHandle<Pair>(va), out).error() == k_efault);
        }
        CHECK(mem.reads == 0);
        CHECK(mem.writes == 0);
    }
}

TEST_CASE("copy_from_guest / copy_to_guest: arrays with index and count", "[hypercall]") {
    FakeGuestMemory mem = make_memory();
    const GuestHandle<uint64_t> arr(k_base);

    SECTION("elements at an index") {
        const uint64_t in[3] = {10, 11, 12};
        REQUIRE(copy_to_guest(mem, arr, 5, in, 3).is_ok());
        CHECK(mem.get<uint64_t>(k_base + 5 * 8) == 10);
        CHECK(mem.get<uint64_t>(k_base + 7 * 8) == 12);
        uint64_t out[2] = {};
        REQUIRE(copy_from_guest(mem, arr, 6, out, 2).is_ok());
        CHECK(out[0] == 11);
        CHECK(out[1] == 12);
    }
    SECTION("count 0 touches nothing, whatever the address") {
        uint64_t out = 0;
        CHECK(copy_from_guest(mem, GuestHandle<uint64_t>(k_hv_start), 0, &out, 0).is_ok());
        CHECK(mem.reads == 0);
    }
    SECTION("a range running into a read-only or unmapped page") {
        uint64_t buf[4] = {};
        const uint64_t last_in_page = k_page / 8 - 2;
        CHECK(copy_to_guest(mem, arr, last_in_page, buf, 4).error() == k_efault);
        CHECK(copy_from_guest(mem, arr, last_in_page, buf, 4).is_ok()); // read-only is readable
        CHECK(copy_from_guest(mem, arr, 2 * k_page / 8 - 2, buf, 4).error() == k_efault);
    }
    SECTION("count * size, index * size and address + bytes may not wrap") {
        uint64_t out[1] = {};
        CHECK(copy_from_guest(mem, arr, 0, out, uint64_t{1} << 61).error() == k_efault);
        CHECK(copy_from_guest(mem, arr, 0, out, ~uint64_t{0}).error() == k_efault);
        CHECK(copy_from_guest(mem, arr, uint64_t{1} << 61, out, 1).error() == k_efault);
        CHECK(copy_from_guest(mem, arr, (~uint64_t{0} - k_base) / 8 + 1, out, 1).error() ==
              k_efault);
        // index * 8 + base wraps exactly back onto the guest's own memory
        CHECK(copy_from_guest(mem, GuestHandle<uint64_t>(k_base + 8), 0x2000'0000'0000'0000 - 1,
                              out, 1)
                  .error() == k_efault);
        CHECK(copy_to_guest(mem, GuestHandle<uint64_t>(0xffff'ffff'ffff'fff8), 0, out, 2).error() ==
              k_efault);
        // A huge count from a good address: refused before any access.
        CHECK(copy_from_guest(mem, arr, 0, out, uint64_t{1} << 50).error() == k_efault);
        CHECK(mem.reads == 0);
    }
    SECTION("guest_array_plausible says the same up front") {
        CHECK(guest_array_plausible(arr, 0, 1000));
        CHECK_FALSE(guest_array_plausible(arr, 0, uint64_t{1} << 61));
        CHECK(guest_array_plausible(GuestHandle<uint64_t>(0x0000'7fff'ffff'fff0), 0, 2));
        CHECK_FALSE(guest_array_plausible(GuestHandle<uint64_t>(0x0000'7fff'ffff'fff0), 0, 3));
        CHECK_FALSE(guest_array_plausible(GuestHandle<uint64_t>(k_hv_end - 8), 0, 1));
        CHECK(guest_array_plausible(GuestHandle<uint64_t>(k_hv_end), 0, 1));
        CHECK_FALSE(guest_array_plausible(GuestHandle<uint64_t>(k_hv_end), ~uint64_t{0} / 8, 1));
    }
}

TEST_CASE("GuestHandle::offset saturates to a poisoned address on overflow", "[hypercall]") {
    FakeGuestMemory mem = make_memory();
    const GuestHandle<Pair> h(k_base);
    CHECK(h.offset(2).address() == k_base + 16);
    CHECK_FALSE(h.is_null());
    CHECK(h.offset(~uint64_t{0}).address() == k_poisoned_guest_address);
    // k_base + n * 8 would wrap around to k_base - 8... and land in memory.
    const GuestHandle<Pair> wrapped = GuestHandle<Pair>(k_base + 8).offset((~uint64_t{0} / 8));
    CHECK(wrapped.address() == k_poisoned_guest_address);
    Pair out{};
    CHECK(copy_from_guest(mem, wrapped, out).error() == k_efault);
    // From an ABI structure's pointer field.
    const GuestHandle<Pair> from_abi = abi::GuestPtr<Pair>{k_base + 0x40};
    CHECK(from_abi.address() == k_base + 0x40);
}
