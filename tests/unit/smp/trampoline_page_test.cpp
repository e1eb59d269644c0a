// Choosing the page for the AP start-up code below 1 MiB.
#include "core/smp/trampoline_page.hpp"

namespace {
constexpr pv::Errno k_enomem = pv::Errno::enomem;
} // namespace

#include <catch2/catch.hpp>

#include <vector>

using namespace pv;

namespace {
constexpr MemoryType usable = MemoryType::usable;
constexpr MemoryType reserved = MemoryType::reserved;
Result<uint64_t> pick(const std::vector<MemoryRange>& map, PhysRange avoid = {0, 0}) {
    return find_trampoline_page(map.data(), map.size(), avoid);
}
} // namespace

TEST_CASE("trampoline page: the highest usable page below the EBDA", "[smp][trampoline]") {
    std::vector<MemoryRange> qemu = {{0, 0x9fc00, usable},
                                     {0x9fc00, 0x400, reserved},
                                     {0xf0000, 0x10000, reserved},
                                     {0x100000, 0x3fee0000, usable}};
    CHECK(pick(qemu).value() == 0x9e000); // 0x9f000 shares its page with the EBDA
    CHECK(pick(qemu, {0x9d800, 0xa0000}).value() == 0x9c000);
}

TEST_CASE("trampoline page: a reserved range inside a usable one wins", "[smp][trampoline]") {
    std::vector<MemoryRange> map = {{0, 0xa0000, usable}, {0x98000, 0x8000, reserved}};
    CHECK(pick(map).value() == 0x97000);
}

TEST_CASE("trampoline page: none available", "[smp][trampoline]") {
    CHECK(pick({}).error() == k_enomem);
    CHECK(pick({{0, 0x1000, usable}}).error() == k_enomem); // page 0 is never used
    CHECK(pick({{0x100000, 0x100000, usable}}).error() == k_enomem);
    CHECK(pick({{0x2000, 0x800, usable}}).error() == k_enomem); // no whole page
    CHECK(pick({{0x1000, 0x1000, usable}}).value() == 0x1000);
    CHECK(pick({{0x1000, 0x1000, usable}}, {0x1800, 0x1900}).error() == k_enomem);
}

TEST_CASE("trampoline page: ranges that wrap or are empty are harmless", "[smp][trampoline]") {
    std::vector<MemoryRange> map = {
        {0x50000, 0, reserved}, {0x10000, 0x20000, usable}, {0xfffffffffffff000, 0x2000, reserved}};
    CHECK(pick(map).value() == 0x2f000);
}
