// HypercallArgs: the typed view of the argument registers and its
// truncation rules (those of Xen's C prototypes).
#include "core/hypercall/hypercall_args.hpp"
#include "include/public/hypercall.hpp"

#include <catch2/catch.hpp>

#include <cstdint>

using namespace pv;

namespace {

enum class Cmd : uint32_t { first = 0, second = 1 };
enum class SmallCmd : uint8_t { a = 1 };

constexpr HypercallArgs k_args(17, 0xffff'ffff'0000'0005, 0x0000'0001'ffff'ffff,
                               0xdead'beef'cafe'f00d, 0x8000'0000'0000'0001, 0x1'0000'0001, 0x1ff);

} // namespace

static_assert(k_args.number() == 17);
static_assert(k_args.as<uint32_t>(0) == 5);
static_assert(k_args.as<int>(1) == -1);

TEST_CASE("HypercallArgs: integers take the low bits of their register", "[hypercall]") {
    CHECK(k_args.as<uint64_t>(0) == 0xffff'ffff'0000'0005);
    CHECK(k_args.as<uint32_t>(0) == 5);            // unsigned int cmd: upper half ignored
    CHECK(k_args.as<int32_t>(1) == -1);            // int: low 32 bits, two's complement
    CHECK(k_args.as<int64_t>(1) == 0x1'ffff'ffff); // long: all of it
    CHECK(k_args.as<long>(3) == static_cast<long>(0x8000'0000'0000'0001));
    CHECK(k_args.as<uint16_t>(2) == 0xf00d);
    CHECK(k_args.as<int16_t>(2) == static_cast<int16_t>(0xf00d));
    CHECK(k_args.as<uint8_t>(5) == 0xff);
}

TEST_CASE("HypercallArgs: enums take the low bits of their underlying type", "[hypercall]") {
    CHECK(k_args.as<Cmd>(4) == Cmd::second);                      // 0x1'0000'0001 -> 1
    CHECK(k_args.as<SmallCmd>(5) == static_cast<SmallCmd>(0xff)); // names no enumerator
    CHECK(k_args.as<abi::VmAssistCmd>(4) == abi::VmAssistCmd::disable);
}

TEST_CASE("HypercallArgs: handles carry the full register", "[hypercall]") {
    CHECK(k_args.handle<uint64_t>(2).address() == 0xdead'beef'cafe'f00d);
    CHECK(k_args.handle<const char>(0).address() == 0xffff'ffff'0000'0005);
}

TEST_CASE("HypercallArgs: out-of-range indices read as 0 and are not written", "[hypercall]") {
    CHECK(k_args.as<uint64_t>(6) == 0);
    CHECK(k_args.raw(100) == 0);
    HypercallArgs a = k_args;
    a.set(6, uint64_t{1});
    CHECK(a == k_args);
}

TEST_CASE("HypercallArgs: set() for continuations, first() for dispatch", "[hypercall]") {
    HypercallArgs a(29);
    a.set(0, 7u);
    a.set(1, -1); // int: sign-extended, reads back as -1 through as<int>
    a.set(2, GuestHandle<uint64_t>(0x1000).offset(2));
    a.set(3, Cmd::second);
    CHECK(a.raw(0) == 7);
    CHECK(a.as<int>(1) == -1);
    CHECK(a.raw(2) == 0x1010);
    CHECK(a.as<Cmd>(3) == Cmd::second);

    const HypercallArgs two = k_args.first(2);
    CHECK(two.number() == 17);
    CHECK(two.raw(0) == k_args.raw(0));
    CHECK(two.raw(1) == k_args.raw(1));
    for (unsigned i = 2; i < HypercallArgs::k_count; ++i)
        CHECK(two.raw(i) == 0);
    CHECK(k_args.first(6) == k_args);
    CHECK(k_args.first(0) == HypercallArgs(17));
}
