#include "core/hvm/nested_page_table.hpp"

// Named before <catch2/catch.hpp>, whose <cerrno> defines these as macros.
namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
constexpr pv::Errno k_enomem = pv::Errno::enomem;
constexpr pv::Errno k_eexist = pv::Errno::eexist;
constexpr pv::Errno k_enoent = pv::Errno::enoent;
constexpr pv::Errno k_ebusy = pv::Errno::ebusy;
} // namespace

#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <memory>
#include <set>

using namespace pv;
using namespace pv::nested;

namespace {

// Table frames from host memory, at made-up physical addresses, with a limit
// so that running out can be tested.
class FakeFrames final : public TableFrames {
public:
    explicit FakeFrames(size_t limit = 1000) : limit_(limit) {}

    Result<uint64_t> alloc_table() override {
        if (live_.size() >= limit_) return Errno::enomem;
        const uint64_t phys = next_;
        next_ += 0x1000;
        auto table = std::make_unique<uint64_t[]>(512);
        std::memset(table.get(), 0, 4096);
        tables_[phys] = std::move(table);
        live_.insert(phys);
        return phys;
    }
    void free_table(uint64_t phys) override {
        REQUIRE(live_.count(phys) == 1); // freed once, and only what was handed out
        live_.erase(phys);
    }
    uint64_t* table(uint64_t phys) override {
        REQUIRE(live_.count(phys) == 1);
        return tables_.at(phys).get();
    }
    size_t live() const { return live_.size(); }

private:
    size_t limit_;
    uint64_t next_ = 0x7700000; // page aligned, recognisable
    std::map<uint64_t, std::unique_ptr<uint64_t[]>> tables_;
    std::set<uint64_t> live_;
};

constexpr uint64_t MiB = 1024 * 1024;

} // namespace

TEST_CASE("nested page table: maps guest frames to host frames", "[nested]") {
    FakeFrames frames;
    NestedPageTable npt;
    REQUIRE(npt.init(frames, k_npt_format).is_ok());
    CHECK(npt.ready());
    CHECK(npt.table_count() == 1);

    // Guest-physical 0..2 MiB to scattered host frames.
    for (uint64_t gfn = 0; gfn < 512; ++gfn)
        REQUIRE(npt.map(gfn << 12, (0x100000 + gfn * 7) << 12).is_ok());
    CHECK(npt.table_count() == 4); // PML4, PDPT, PD, one PT
    for (uint64_t gfn = 0; gfn < 512; ++gfn) {
        Result<uint64_t> host = npt.translate((gfn << 12) + 0x123);
        REQUIRE(host.is_ok());
        CHECK(*host == ((0x100000 + gfn * 7) << 12) + 0x123);
    }
    CHECK(npt.translate(2 * MiB).error() == k_enoent);

    // The next 2 MiB needs one more leaf table, a far address a full path.
    REQUIRE(npt.map(2 * MiB, 0x5000).is_ok());
    CHECK(npt.table_count() == 5);
    REQUIRE(npt.map((1ull << 47) - 0x1000, 0x6000).is_ok());
    CHECK(npt.table_count() == 8);
    CHECK(*npt.translate((1ull << 47) - 0x1000) == 0x6000);
    CHECK(frames.live() == 8);

    npt.destroy();
    CHECK(frames.live() == 0);
    CHECK_FALSE(npt.ready());
    npt.destroy(); // twice is harmless
}

TEST_CASE("nested page table: NPT entries are present, writable and user", "[nested]") {
    FakeFrames frames;
    NestedPageTable npt;
    REQUIRE(npt.init(frames, k_npt_format).is_ok());
    REQUIRE(npt.map(0x3000, 0xabc000).is_ok());
    // Walk by hand: every level must carry P|RW|US (APM Vol. 2 §15.25.5).
    uint64_t table = npt.root();
    for (int level = 3; level >= 0; --level) {
        const uint64_t entry = frames.table(table)[level == 0 ? 3 : 0];
        CHECK((entry & 0x7) == 0x7);
        table = entry & NestedPageTable::k_address_mask;
    }
    CHECK(table == 0xabc000);
}

TEST_CASE("nested page table: refuses bad requests without changing anything", "[nested]") {
    FakeFrames frames;
    NestedPageTable npt;
    CHECK(npt.map(0, 0x1000).error() == k_einval); // not set up
    CHECK(npt.translate(0).error() == k_enoent);
    REQUIRE(npt.init(frames, k_npt_format).is_ok());
    CHECK(npt.init(frames, k_npt_format).error() == k_ebusy);

    CHECK(npt.map(0x1001, 0x1000).error() == k_einval);
    CHECK(npt.map(0x1000, 0x1800).error() == k_einval);
    CHECK(npt.map(1ull << 48, 0x1000).error() == k_einval);
    CHECK(npt.map(0x1000, 1ull << 52).error() == k_einval);
    CHECK(npt.translate(1ull << 48).error() == k_enoent);

    REQUIRE(npt.map(0x1000, 0x2000).is_ok());
    CHECK(npt.map(0x1000, 0x9000).error() == k_eexist);
    CHECK(*npt.translate(0x1000) == 0x2000);
    npt.destroy();
}

TEST_CASE("nested page table: out of table frames", "[nested]") {
    FakeFrames none(0);
    NestedPageTable npt;
    CHECK(npt.init(none, k_npt_format).error() == k_enomem);
    CHECK_FALSE(npt.ready());

    FakeFrames two(2); // the root and one more: a map needs three below the root
    REQUIRE(npt.init(two, k_npt_format).is_ok());
    CHECK(npt.map(0x1000, 0x2000).error() == k_enomem);
    CHECK(npt.translate(0x1000).error() == k_enoent);
    npt.destroy();
    CHECK(two.live() == 0); // the partial path is freed with the rest
}

TEST_CASE("nested page table: EPT-style entries", "[nested]") {
    // EPT marks presence with any of R/W/X (bits 2:0) and keeps the memory
    // type in leaf bits 5:3 (SDM Vol. 3 §29.3.2): the builder takes them as given.
    const NestedEntryFormat ept{0x7, 0x7, 0x7 | (6u << 3)};
    FakeFrames frames;
    NestedPageTable npt;
    REQUIRE(npt.init(frames, ept).is_ok());
    REQUIRE(npt.map(0x40000, 0x123000).is_ok());
    CHECK(*npt.translate(0x40010) == 0x123010);
    npt.destroy();
}

TEST_CASE("nested page table: the EPT format's entries", "[nested]") {
    // Tables: R|W|X. Leaves: R|W|X and memory type write-back (6) in bits 5:3.
    CHECK(k_ept_format.table_bits == 0x7);
    CHECK(k_ept_format.leaf_bits == 0x37);
    CHECK(k_ept_format.present_mask == 0x7);

    FakeFrames frames;
    NestedPageTable ept;
    REQUIRE(ept.init(frames, k_ept_format).is_ok());
    REQUIRE(ept.map(0x7fff000, 0xabcd000).is_ok());
    // Walk by hand: every level's entry as the CPU reads it.
    uint64_t table = ept.root();
    const unsigned indices[4] = {0, 0, 0x3f, 0x1ff}; // 0x7fff000: PML4 0, PDPT 0, PD 63, PT 511
    for (int level = 0; level < 3; ++level) {
        const uint64_t entry = frames.table(table)[indices[level]];
        CHECK((entry & 0xfff) == 0x7);
        table = entry & NestedPageTable::k_address_mask;
    }
    CHECK(frames.table(table)[indices[3]] == (0xabcd000 | 0x37));
    CHECK(*ept.translate(0x7fff123) == 0xabcd123);

    // An entry with only one of R/W/X set counts as present: a second map
    // into it is refused, and an entry with none is free.
    frames.table(table)[0] = 0x4000 | 0x4; // execute only
    CHECK(ept.map(0x7e00000, 0x5000).error() == k_eexist);
    CHECK(*ept.translate(0x7e00000) == 0x4000);
    frames.table(table)[1] = 0x6000 | (6u << 3); // memory type but no permission: not present
    CHECK(ept.translate(0x7e01000).error() == k_enoent);
    REQUIRE(ept.map(0x7e01000, 0x8000).is_ok());
    CHECK(ept.map(0x1000, 0x1001).error() == k_einval); // unaligned host frame
    ept.destroy();
    CHECK(frames.live() == 0);
}

TEST_CASE("nested table: remap replaces a mapping, unmap removes one", "[hvm][npt]") {
    FakeFrames frames;
    NestedPageTable npt;
    REQUIRE(npt.init(frames, k_npt_format));
    REQUIRE(npt.map(0x5000, 0x100000));

    // A frame moved into place over RAM (add_to_physmap of shared_info).
    REQUIRE(npt.remap(0x5000, 0x200000));
    CHECK(*npt.translate(0x5123) == 0x200123);
    // remap also makes a mapping where there was none.
    REQUIRE(npt.remap(0x40000000, 0x300000));
    CHECK(*npt.translate(0x40000000) == 0x300000);
    CHECK(npt.remap(0x5001, 0x200000).error() == k_einval);

    REQUIRE(npt.unmap(0x5000));
    CHECK(npt.translate(0x5000).error() == k_enoent);
    CHECK(npt.unmap(0x5000).error() == k_enoent);
    // Nowhere near a table: nothing to remove, and no table made for it.
    const uint64_t tables = npt.table_count();
    CHECK(npt.unmap(0x7000000000).error() == k_enoent);
    CHECK(npt.table_count() == tables);
    // The freed slot can be mapped again.
    REQUIRE(npt.map(0x5000, 0x100000));
    npt.destroy();
    CHECK(frames.live() == 0);
}
