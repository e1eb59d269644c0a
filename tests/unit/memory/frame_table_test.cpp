#include "core/memory/frame_table.hpp"

// Named before <catch2/catch.hpp>, whose <cerrno> defines EINVAL as a macro.
namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
} // namespace

#include <catch2/catch.hpp>

using namespace pv;

TEST_CASE("FrameTable lookups are bounds-checked", "[memory][frame_table]") {
    FrameInfo frames[4] = {};
    for (auto& f : frames) f.owner = k_owner_free;
    FrameTable table(frames, 4);

    CHECK(table.frame_count() == 4);
    CHECK(table.lookup(0) == &frames[0]);
    CHECK(table.lookup(3) == &frames[3]);
    CHECK(table.lookup(4) == nullptr);
    CHECK(table.lookup(~uint64_t{0}) == nullptr);

    REQUIRE(table.owner_of(2).is_ok());
    CHECK(*table.owner_of(2) == k_owner_free);
    CHECK(table.owner_of(4).error() == k_einval);

    CHECK(table.set_owner(1, 7).is_ok());
    CHECK(table.set_owner(2, 7).is_ok());
    CHECK(table.set_owner(4, 7).error() == k_einval);
    CHECK(*table.owner_of(1) == 7);
    CHECK(table.count_owned_by(7) == 2);
    CHECK(table.count_owned_by(k_owner_free) == 2);
}

TEST_CASE("An empty FrameTable holds nothing", "[memory][frame_table]") {
    const FrameTable table;
    CHECK(table.frame_count() == 0);
    CHECK(table.lookup(0) == nullptr);
    CHECK(table.owner_of(0).error() == k_einval);
    CHECK(table.count_owned_by(k_owner_free) == 0);
}

TEST_CASE("Special owners are Xen's reserved domain ids", "[memory][frame_table]") {
    // public/xen.h: DOMID_IO 0x7FF1, DOMID_XEN 0x7FF2, DOMID_INVALID 0x7FF4.
    CHECK(k_owner_reserved == 0x7ff1);
    CHECK(k_owner_hypervisor == 0x7ff2);
    CHECK(k_owner_free == 0x7ff4);
}
