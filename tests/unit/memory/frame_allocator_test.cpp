#include "core/memory/frame_allocator.hpp"

// Named before <catch2/catch.hpp>, whose <cerrno> defines these as macros.
namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
constexpr pv::Errno k_enomem = pv::Errno::enomem;
constexpr pv::Errno k_ebusy = pv::Errno::ebusy;
} // namespace

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <thread>
#include <vector>

using namespace pv;

namespace {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
constexpr uint64_t GiB = 1024 * MiB;
constexpr uint16_t k_dom = 3;

using Map = std::vector<MemoryRange>;
using Reserved = std::vector<PhysRange>;
using u128 = unsigned __int128;

MemoryRange ram(uint64_t base, uint64_t length) { return {base, length, MemoryType::usable}; }
MemoryRange firmware(uint64_t base, uint64_t length, MemoryType type = MemoryType::reserved) {
    return {base, length, type};
}

// The rules of frame_allocator.hpp restated per frame, in 128-bit arithmetic
// so that the oracle needs none of the allocator's overflow care.
enum class Oracle { absent, held, usable };

Oracle oracle(const Map& map, const Reserved& reserved, uint64_t frame, uint64_t max_phys) {
    const u128 start = u128{frame} * k_page_size;
    const u128 end = start + k_page_size;
    if (end > (max_phys & ~(k_page_size - 1))) return Oracle::absent;
    bool in_ram = false;
    for (const auto& r : map) {
        if (r.length == 0) continue;
        const u128 rs = r.base;
        const u128 re = rs + r.length;
        if (r.type == MemoryType::usable) {
            if (rs <= start && end <= re) in_ram = true;
        } else if (rs < end && start < re) {
            return Oracle::absent;
        }
    }
    if (!in_ram) return Oracle::absent;
    for (const auto& r : reserved) {
        if (r.end > r.start && r.start < end && start < r.end) return Oracle::held;
    }
    return Oracle::usable;
}

struct Booted {
    Map map;
    Reserved reserved;
    uint64_t max_phys = FrameAllocator::k_default_max_phys;
    FrameAllocatorPlan plan;
    std::vector<uint64_t> metadata;
    FrameAllocator allocator;

    uint64_t meta_first() const { return plan.metadata_phys / k_page_size; }
    uint64_t meta_end() const { return meta_first() + plan.metadata_bytes / k_page_size; }
    bool is_metadata(uint64_t mfn) const { return mfn >= meta_first() && mfn < meta_end(); }
    Oracle kind(uint64_t mfn) const { return oracle(map, reserved, mfn, max_phys); }
};

std::unique_ptr<Booted> boot(Map map, Reserved reserved,
                             uint64_t max_phys = FrameAllocator::k_default_max_phys) {
    auto b = std::make_unique<Booted>();
    b->map = std::move(map);
    b->reserved = std::move(reserved);
    b->max_phys = max_phys;
    auto plan = FrameAllocator::plan(b->map.data(), b->map.size(), b->reserved.data(),
                                     b->reserved.size(), max_phys);
    REQUIRE(plan.is_ok());
    b->plan = *plan;
    b->metadata.assign(b->plan.metadata_bytes / 8, 0xa5a5a5a5a5a5a5a5);
    REQUIRE(b->allocator.init(b->plan, b->metadata.data()).is_ok());
    return b;
}

// Allocates every frame, checking each against the oracle; returns them.
std::vector<uint64_t> drain(Booted& b, uint16_t owner = k_dom) {
    std::vector<uint64_t> got;
    std::set<uint64_t> seen;
    const uint64_t free_before = b.allocator.free_count();
    for (uint64_t i = 0; i < free_before; ++i) {
        auto mfn = b.allocator.alloc(owner);
        REQUIRE(mfn.is_ok());
        REQUIRE(b.kind(*mfn) == Oracle::usable);
        REQUIRE_FALSE(b.is_metadata(*mfn));
        REQUIRE(seen.insert(*mfn).second);
        REQUIRE(*b.allocator.frame_table().owner_of(*mfn) == owner);
        got.push_back(*mfn);
    }
    CHECK(b.allocator.free_count() == 0);
    CHECK(b.allocator.alloc(owner).error() == k_enomem);
    return got;
}

uint64_t oracle_count(const Booted& b, uint64_t frames) {
    uint64_t n = 0;
    for (uint64_t f = 0; f < frames; ++f) n += b.kind(f) == Oracle::usable;
    return n;
}

// A PC as SeaBIOS/QEMU describes one with 1 GiB, plus the usual reservations.
Map pc_map() {
    return {
        ram(0, 0x9fc00),
        firmware(0x9fc00, 0x400),
        firmware(0xf0000, 0x10000),
        ram(0x100000, 0x3fee0000 - 0x100000),
        firmware(0x3fee0000, 0x10000, MemoryType::acpi_reclaimable),
        firmware(0x3fef0000, 0x10000, MemoryType::acpi_nvs),
        firmware(0x3ff00000, 0x100000),
        firmware(0xfec00000, 0x1000),
        firmware(0xfffc0000, 0x40000),
    };
}

Reserved pc_reserved() {
    return {
        {0, 1 * MiB},                // real-mode area, trampolines
        {2 * MiB, 4 * MiB},          // the hypervisor image
        {16 * MiB, 16 * MiB + 12345} // a boot module, unaligned end
    };
}

} // namespace

TEST_CASE("Typical PC map: plan, placement and owners", "[memory][frame_allocator]") {
    auto b = boot(pc_map(), pc_reserved());
    const auto& plan = b->plan;

    CHECK_FALSE(plan.clamped);
    CHECK(plan.frame_limit == 0x3fee0000 / k_page_size);
    // Low 1 MiB, image and module are RAM but not allocatable.
    const uint64_t module_frames = (12345 + k_page_size - 1) / k_page_size;
    CHECK(plan.usable_frames == plan.frame_limit - 256 - 512 - module_frames);
    CHECK(plan.usable_frames == oracle_count(*b, plan.frame_limit));

    // 1-2 MiB is too small for ~3 MiB of metadata; first fit is after the image.
    CHECK(plan.metadata_bytes == FrameAllocator::metadata_bytes_for(plan.frame_limit));
    CHECK(plan.metadata_bytes % k_page_size == 0);
    CHECK(plan.metadata_phys == 4 * MiB);

    const auto& table = b->allocator.frame_table();
    CHECK(table.frame_count() == plan.frame_limit);
    CHECK(*table.owner_of(0) == k_owner_hypervisor);                // low RAM, reserved by caller
    CHECK(*table.owner_of(0x9f) == k_owner_reserved);               // EBDA
    CHECK(*table.owner_of(0xa0) == k_owner_reserved);               // VGA hole
    CHECK(*table.owner_of(0x100) == k_owner_free);
    CHECK(*table.owner_of(0x200) == k_owner_hypervisor);            // image
    CHECK(*table.owner_of(b->meta_first()) == k_owner_hypervisor);  // metadata
    CHECK(*table.owner_of(b->meta_end()) == k_owner_free);
    CHECK(*table.owner_of(0x1000 + module_frames - 1) == k_owner_hypervisor);
    CHECK(*table.owner_of(0x1000 + module_frames) == k_owner_free);
    CHECK(table.lookup(0x3fee0) == nullptr); // ACPI tables are above the last RAM frame

    const uint64_t meta_frames = plan.metadata_bytes / k_page_size;
    CHECK(b->allocator.total_count() == plan.usable_frames - meta_frames);
    CHECK(b->allocator.free_count() == b->allocator.total_count());
    CHECK(table.count_owned_by(k_owner_free) == b->allocator.free_count());
    for (uint64_t f = 0; f < plan.frame_limit; ++f) {
        const FrameInfo& info = *table.lookup(f);
        REQUIRE(info.type == FrameType::none);
        REQUIRE(info.flags == 0);
        REQUIRE(info.type_count == 0);
        REQUIRE(info.ref_count == 0);
        switch (b->kind(f)) {
        case Oracle::absent: REQUIRE(info.owner == k_owner_reserved); break;
        case Oracle::held: REQUIRE(info.owner == k_owner_hypervisor); break;
        case Oracle::usable:
            REQUIRE(info.owner == (b->is_metadata(f) ? k_owner_hypervisor : k_owner_free));
            break;
        }
    }
}

TEST_CASE("Allocate until exhausted, then free and reallocate", "[memory][frame_allocator]") {
    auto b = boot({ram(0, 1 * MiB), ram(4 * MiB, 2 * MiB), firmware(4 * MiB + 64 * KiB, 4 * KiB)},
                  {{0, 64 * KiB}, {5 * MiB, 5 * MiB + 8 * KiB}});
    const uint64_t total = b->allocator.total_count();
    REQUIRE(total > 0);

    auto frames = drain(*b);
    CHECK(frames.size() == total);
    CHECK(b->allocator.frame_table().count_owned_by(k_dom) == total);

    for (uint64_t mfn : frames) REQUIRE(b->allocator.free(mfn).is_ok());
    CHECK(b->allocator.free_count() == total);
    CHECK(b->allocator.frame_table().count_owned_by(k_owner_free) == total);

    auto again = drain(*b);
    CHECK(std::set<uint64_t>(again.begin(), again.end()) ==
          std::set<uint64_t>(frames.begin(), frames.end()));
}

TEST_CASE("A freed frame is handed out again", "[memory][frame_allocator]") {
    auto b = boot({ram(1 * MiB, 1 * MiB)}, {});
    auto first = b->allocator.alloc(k_dom);
    REQUIRE(first.is_ok());
    REQUIRE(b->allocator.free(*first).is_ok());
    drain(*b); // includes *first, checked against the oracle
    CHECK(b->allocator.frame_table().lookup(*first)->owner == k_dom);
}

TEST_CASE("Overlapping entries: anything non-usable wins, in any order", "[memory][frame_allocator]") {
    auto b = boot(
        {
            ram(0, 16 * MiB),
            firmware(4 * MiB, 1 * MiB),
            ram(3 * MiB, 5 * MiB), // overlaps both, listed after the reservation
            firmware(12 * MiB, 100 * MiB, MemoryType::acpi_nvs),
            ram(10 * MiB, 4 * MiB),
        },
        {{1 * MiB, 2 * MiB}, {1 * MiB + 4 * KiB, 3 * MiB}}, 64 * MiB);

    CHECK(b->plan.frame_limit == 12 * MiB / k_page_size);
    CHECK(b->plan.usable_frames == oracle_count(*b, 64 * MiB / k_page_size));
    for (uint64_t f = 4 * MiB / k_page_size; f < 5 * MiB / k_page_size; ++f) {
        REQUIRE(*b->allocator.frame_table().owner_of(f) == k_owner_reserved);
    }
    drain(*b);
}

TEST_CASE("Zero-size and inverted entries change nothing", "[memory][frame_allocator]") {
    const Map base{ram(1 * MiB, 3 * MiB)};
    Map noisy = base;
    noisy.push_back(ram(0x12345, 0));
    noisy.push_back(firmware(2 * MiB + 0x800, 0));
    noisy.push_back(firmware(0, 0, MemoryType::bad));
    noisy.push_back(ram(64 * MiB, 0));
    const Reserved empty_ranges{{2 * MiB + 0x10, 2 * MiB + 0x10}, {3 * MiB, 2 * MiB}};

    auto clean = boot(base, {});
    auto b = boot(noisy, empty_ranges);
    CHECK(b->plan.frame_limit == clean->plan.frame_limit);
    CHECK(b->plan.usable_frames == clean->plan.usable_frames);
    CHECK(b->allocator.total_count() == clean->allocator.total_count());
}

TEST_CASE("Entries near 2^64 are clamped without overflow", "[memory][frame_allocator]") {
    SECTION("default limit: 1 TiB") {
        const Map map{ram(1 * MiB, ~uint64_t{0} - 0x1000), ram(~uint64_t{0} - 0xfff, 0x2000)};
        auto plan = FrameAllocator::plan(map.data(), map.size(), nullptr, 0);
        REQUIRE(plan.is_ok());
        CHECK(plan->clamped);
        CHECK(plan->max_phys == FrameAllocator::k_default_max_phys);
        CHECK(plan->frame_limit == FrameAllocator::k_default_max_phys / k_page_size);
        CHECK(plan->usable_frames == plan->frame_limit - 256);
        CHECK(plan->metadata_bytes == FrameAllocator::metadata_bytes_for(plan->frame_limit));
        CHECK(plan->metadata_phys == 1 * MiB);
    }
    SECTION("small limit: boots and allocates") {
        // Both entries wrap past 2^64; the firmware one is far above the limit.
        auto b = boot({ram(0x100000, ~uint64_t{0}), firmware(~uint64_t{0} - 0xfff, 0x10000)},
                      {{0, 2 * MiB}}, 32 * MiB);
        CHECK(b->plan.clamped);
        CHECK(b->plan.frame_limit == 32 * MiB / k_page_size);
        CHECK(b->plan.usable_frames == 30 * MiB / k_page_size); // 2..32 MiB
        drain(*b);
    }
}

TEST_CASE("Huge firmware entries remove everything above them", "[memory][frame_allocator]") {
    const Map map{ram(0, 64 * MiB), firmware(8 * MiB, ~uint64_t{0})};
    auto b = boot(map, {}, 32 * MiB);
    CHECK(b->plan.clamped); // the RAM entry runs to 64 MiB, past the 32 MiB limit
    CHECK(b->plan.frame_limit == 8 * MiB / k_page_size);
    drain(*b);
}

TEST_CASE("Unaligned entries are rounded inward, reservations outward", "[memory][frame_allocator]") {
    auto b = boot({ram(0x100800, 0x80000), firmware(0x140010, 0x10)}, {{0x150fff, 0x151001}});
    // RAM frames 0x101..0x17f, minus frame 0x140 (firmware) and 0x150-0x151 (reserved).
    CHECK(b->plan.frame_limit == 0x180);
    CHECK(b->plan.usable_frames == (0x180 - 0x101) - 1 - 2);
    const auto& table = b->allocator.frame_table();
    CHECK(*table.owner_of(0x100) == k_owner_reserved);
    CHECK(*table.owner_of(0x140) == k_owner_reserved);
    CHECK(*table.owner_of(0x150) == k_owner_hypervisor);
    CHECK(*table.owner_of(0x151) == k_owner_hypervisor);
    CHECK(table.lookup(0x180) == nullptr);
    drain(*b);
}

TEST_CASE("Maps without usable RAM cannot be planned", "[memory][frame_allocator]") {
    const Reserved all{{0, ~uint64_t{0}}};
    auto plan_of = [](const Map& map, const Reserved& reserved) {
        return FrameAllocator::plan(map.data(), map.size(), reserved.data(), reserved.size());
    };
    CHECK(plan_of({}, {}).error() == k_enomem);
    CHECK(plan_of({firmware(0, 1 * GiB), firmware(2 * GiB, 1 * GiB, MemoryType::acpi_nvs)}, {}).error() ==
          k_enomem);
    CHECK(plan_of({ram(0x1001, 0xfff)}, {}).error() == k_enomem); // less than a frame inward
    CHECK(plan_of({ram(0, 1 * GiB)}, all).error() == k_enomem);
    CHECK(plan_of({ram(0, 1 * GiB), firmware(0, 2 * GiB, MemoryType::bad)}, {}).error() == k_enomem);
    CHECK(plan_of({ram(2 * GiB, 1 * GiB)}, {}).is_ok());
    CHECK(FrameAllocator::plan(nullptr, 1, nullptr, 0).error() == k_einval);
    // RAM above max_phys does not count.
    const Map high{ram(2 * GiB, 1 * GiB)};
    auto plan = FrameAllocator::plan(high.data(), 1, nullptr, 0, 1 * GiB);
    CHECK(plan.error() == k_enomem);
    // One frame of RAM cannot hold its own metadata and leave anything over.
    CHECK(plan_of({ram(0, k_page_size)}, {}).error() == k_enomem);
}

TEST_CASE("Metadata lands only where no usable run is too small", "[memory][frame_allocator]") {
    // The metadata for 64 MiB needs 49 frames. The low runs (32, 25 and 24
    // frames, split by reservations) are too small; the run at 60 MiB fits.
    const Map map{ram(0, 128 * KiB), ram(1 * MiB, 63 * MiB)};
    const Reserved reserved{{1 * MiB + 100 * KiB, 1 * MiB + 101 * KiB}, {1 * MiB + 200 * KiB, 60 * MiB}};
    auto b = boot(map, reserved);
    const uint64_t meta_frames = b->plan.metadata_bytes / k_page_size;
    CHECK(meta_frames == 49);
    CHECK(b->plan.metadata_phys == 60 * MiB);
    for (uint64_t f = b->meta_first(); f < b->meta_end(); ++f) REQUIRE(b->kind(f) == Oracle::usable);
    CHECK(b->allocator.total_count() == b->plan.usable_frames - meta_frames);
    drain(*b);
}

TEST_CASE("Contiguous allocation honours count, alignment and limit", "[memory][frame_allocator]") {
    auto b = boot({ram(1 * MiB, 8 * MiB)}, {{1 * MiB + 4 * KiB, 1 * MiB + 8 * KiB}}, 64 * MiB);
    auto& a = b->allocator;
    const uint64_t free0 = a.free_count();

    CHECK(a.alloc_contiguous(0, 1, k_dom).error() == k_einval);
    CHECK(a.alloc_contiguous(1, 0, k_dom).error() == k_einval);
    CHECK(a.alloc_contiguous(1, 3, k_dom).error() == k_einval);
    CHECK(a.alloc_contiguous(1, 1, k_owner_free).error() == k_einval);
    CHECK(a.alloc_contiguous(1, 1, k_owner_reserved).error() == k_einval);
    CHECK(a.alloc_contiguous(free0 + 1, 1, k_dom).error() == k_enomem);
    CHECK(a.alloc_contiguous(~size_t{0}, 1, k_dom).error() == k_enomem);
    CHECK(a.alloc_contiguous(4, size_t{1} << 63, k_dom).error() == k_enomem);
    CHECK(a.alloc_contiguous(1, 1, k_dom, 0x100).error() == k_enomem); // nothing below 1 MiB
    CHECK(a.free_count() == free0);

    auto run = a.alloc_contiguous(512, 512, k_dom); // a 2 MiB superpage
    REQUIRE(run.is_ok());
    CHECK(*run % 512 == 0);
    for (uint64_t f = *run; f < *run + 512; ++f) {
        REQUIRE(b->kind(f) == Oracle::usable);
        REQUIRE_FALSE(b->is_metadata(f));
        REQUIRE(a.frame_table().lookup(f)->owner == k_dom);
        REQUIRE(a.frame_table().lookup(f)->flags == k_frame_allocated);
    }
    CHECK(a.free_count() == free0 - 512);

    auto low = a.alloc_contiguous(3, 1, 9, 0x110);
    REQUIRE(low.is_ok());
    // Free below 0x110: frame 0x100 alone (0x101 is reserved), then whatever
    // follows the metadata at 0x102.
    CHECK(b->meta_first() == 0x102);
    CHECK(*low == b->meta_end());
    CHECK(*low + 3 <= 0x110);
    CHECK(a.alloc_contiguous(300, 1, 9, 0x200).error() == k_enomem);

    REQUIRE(a.free_contiguous(*run, 512).is_ok());
    REQUIRE(a.free_contiguous(*low, 3).is_ok());
    CHECK(a.free_count() == free0);
}

TEST_CASE("Contiguous allocation fails on fragmented memory", "[memory][frame_allocator]") {
    auto b = boot({ram(1 * MiB, 1 * MiB)}, {});
    auto& a = b->allocator;
    auto frames = drain(*b);
    std::sort(frames.begin(), frames.end());
    for (size_t i = 0; i < frames.size(); i += 2) REQUIRE(a.free(frames[i]).is_ok());
    CHECK(a.free_count() > 1);
    CHECK(a.alloc_contiguous(2, 1, k_dom).error() == k_enomem);
    auto one = a.alloc_contiguous(1, 1, k_dom);
    REQUIRE(one.is_ok());
    CHECK(*one == frames[0]);
}

TEST_CASE("Bad frees are refused and change nothing", "[memory][frame_allocator]") {
    auto b = boot(pc_map(), pc_reserved(), 64 * MiB);
    auto& a = b->allocator;
    auto& table = a.frame_table();
    auto mfn = a.alloc(k_dom);
    REQUIRE(mfn.is_ok());
    auto run = a.alloc_contiguous(4, 4, k_dom);
    REQUIRE(run.is_ok());
    const uint64_t free_before = a.free_count();
    const uint64_t owned_before = table.count_owned_by(k_dom);

    auto unchanged = [&] {
        CHECK(a.free_count() == free_before);
        CHECK(table.count_owned_by(k_dom) == owned_before);
        CHECK(a.frame_table().lookup(*mfn)->owner == k_dom);
    };

    CHECK(a.free(0).error() == k_einval);                  // caller-reserved low RAM
    CHECK(a.free(0x9f).error() == k_einval);               // firmware
    CHECK(a.free(0xb8).error() == k_einval);               // hole
    CHECK(a.free(0x200).error() == k_einval);              // hypervisor image
    CHECK(a.free(b->meta_first()).error() == k_einval);    // the allocator's own metadata
    CHECK(a.free(table.frame_count()).error() == k_einval);
    CHECK(a.free(~uint64_t{0}).error() == k_einval);
    CHECK(a.free_contiguous(*mfn, 0).error() == k_einval);
    CHECK(a.free_contiguous(*run, ~size_t{0}).error() == k_einval);
    unchanged();

    // A free frame next to allocated ones: the whole request is refused.
    REQUIRE(table.lookup(*run + 4)->owner == k_owner_free);
    CHECK(a.free_contiguous(*run, 5).error() == k_einval);
    CHECK(a.frame_table().lookup(*run)->owner == k_dom);
    unchanged();

    // Still referenced (the PV MMU would hold these counts).
    a.frame_table().lookup(*mfn)->ref_count = 1;
    CHECK(a.free(*mfn).error() == k_ebusy);
    unchanged();
    a.frame_table().lookup(*mfn)->ref_count = 0;
    a.frame_table().lookup(*mfn)->type = FrameType::l1;
    a.frame_table().lookup(*mfn)->type_count = 1;
    CHECK(a.free(*mfn).error() == k_ebusy);
    a.frame_table().lookup(*mfn)->type_count = 0;

    // Double free.
    REQUIRE(a.free(*mfn).is_ok());
    CHECK(a.free_count() == free_before + 1);
    CHECK(*table.owner_of(*mfn) == k_owner_free);
    CHECK(table.lookup(*mfn)->type == FrameType::none);
    CHECK(a.free(*mfn).error() == k_einval);
    CHECK(a.free_count() == free_before + 1);
    REQUIRE(a.free_contiguous(*run, 4).is_ok());
    CHECK(a.free_contiguous(*run, 4).error() == k_einval);
    CHECK(a.free_count() == free_before + 5);
}

TEST_CASE("Owners are recorded and checked", "[memory][frame_allocator]") {
    auto b = boot({ram(1 * MiB, 1 * MiB)}, {});
    auto& a = b->allocator;
    CHECK(a.alloc(k_owner_free).error() == k_einval);
    CHECK(a.alloc(k_owner_reserved).error() == k_einval);
    auto hv = a.alloc(k_owner_hypervisor);
    auto d0 = a.alloc(0);
    auto d7 = a.alloc(7);
    REQUIRE((hv.is_ok() && d0.is_ok() && d7.is_ok()));
    CHECK(*a.frame_table().owner_of(*hv) == k_owner_hypervisor);
    CHECK(*a.frame_table().owner_of(*d0) == 0);
    CHECK(*a.frame_table().owner_of(*d7) == 7);
    CHECK(a.frame_table().lookup(*d7)->flags == k_frame_allocated);
    REQUIRE(a.free(*hv).is_ok()); // frames the hypervisor allocated can go back
}

TEST_CASE("init checks its inputs", "[memory][frame_allocator]") {
    const Map map{ram(1 * MiB, 4 * MiB)};
    auto plan = FrameAllocator::plan(map.data(), map.size(), nullptr, 0);
    REQUIRE(plan.is_ok());
    std::vector<uint64_t> buffer(plan->metadata_bytes / 8 + 1);

    FrameAllocator a;
    CHECK(a.alloc(k_dom).error() == k_enomem); // not set up: nothing to give
    CHECK(a.free(0).error() == k_einval);
    CHECK(a.init(*plan, nullptr).error() == k_einval);
    CHECK(a.init(*plan, reinterpret_cast<char*>(buffer.data()) + 4).error() == k_einval);

    FrameAllocatorPlan edited = *plan;
    edited.metadata_bytes -= k_page_size;
    CHECK(a.init(edited, buffer.data()).error() == k_einval);
    edited = *plan;
    edited.metadata_phys = 0; // not RAM
    CHECK(a.init(edited, buffer.data()).error() == k_einval);
    CHECK(a.free_count() == 0);

    REQUIRE(a.init(*plan, buffer.data()).is_ok());
    CHECK(a.init(*plan, buffer.data()).error() == k_ebusy);
    CHECK(a.free_count() == a.total_count());
}

TEST_CASE("Random maps agree with the per-frame oracle", "[memory][frame_allocator]") {
    uint64_t state = 0x9e3779b97f4a7c15;
    auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    const uint64_t space = 16 * MiB;
    auto address = [&] {
        const uint64_t a = next() % space;
        return (next() % 3 == 0) ? a : a & ~(k_page_size - 1); // a third unaligned
    };

    int planned = 0;
    for (int round = 0; round < 150; ++round) {
        Map map;
        Reserved reserved;
        const int entries = 1 + static_cast<int>(next() % 12);
        for (int i = 0; i < entries; ++i) {
            const uint64_t base = address();
            const uint64_t length = (next() % 8 == 0) ? 0 : address() / (1 + next() % 4);
            const auto type = (next() % 3 != 0) ? MemoryType::usable
                                                : static_cast<MemoryType>(2 + next() % 4);
            map.push_back({base, length, type});
        }
        const int reservations = static_cast<int>(next() % 5);
        for (int i = 0; i < reservations; ++i) {
            const uint64_t start = address();
            reserved.push_back({start, start + address() / 8});
        }
        const uint64_t max_phys = (next() % 4 == 0) ? space / 2 + 0x800 : space;

        // What the oracle expects plan() to say.
        Booted expect;
        expect.map = map;
        expect.reserved = reserved;
        expect.max_phys = max_phys;
        uint64_t usable = 0;
        uint64_t limit = 0;
        for (uint64_t f = 0; f < space / k_page_size; ++f) {
            const Oracle k = expect.kind(f);
            usable += k == Oracle::usable;
            if (k != Oracle::absent) limit = f + 1;
        }
        const uint64_t meta_frames = FrameAllocator::metadata_bytes_for(limit) / k_page_size;
        uint64_t meta_at = ~uint64_t{0};
        for (uint64_t f = 0, run = 0; f < limit && meta_at == ~uint64_t{0}; ++f) {
            run = expect.kind(f) == Oracle::usable ? run + 1 : 0;
            if (run == meta_frames) meta_at = f + 1 - run;
        }

        auto plan = FrameAllocator::plan(map.data(), map.size(), reserved.data(), reserved.size(), max_phys);
        if (usable == 0 || meta_at == ~uint64_t{0} || meta_frames >= usable) {
            REQUIRE(plan.error() == k_enomem);
            continue;
        }
        REQUIRE(plan.is_ok());
        ++planned;
        REQUIRE(plan->frame_limit == limit);
        REQUIRE(plan->usable_frames == usable);
        REQUIRE(plan->metadata_phys == meta_at * k_page_size);

        auto b = boot(map, reserved, max_phys);
        REQUIRE(b->allocator.total_count() == usable - meta_frames);
        auto frames = drain(*b, static_cast<uint16_t>(round));
        REQUIRE(frames.size() == usable - meta_frames);
    }
    CHECK(planned > 50);
}

TEST_CASE("Concurrent alloc and free stay consistent", "[memory][frame_allocator]") {
    auto b = boot({ram(1 * MiB, 8 * MiB)}, {});
    auto& a = b->allocator;
    const uint64_t total = a.total_count();
    std::atomic<bool> ok{true};

    // Each thread owns its frames under its own id: if the lock failed, two
    // threads would be handed one frame and one would see the other's owner.
    auto worker = [&](uint16_t owner) {
        std::vector<uint64_t> mine;
        for (int round = 0; round < 50; ++round) {
            for (int i = 0; i < 64; ++i) {
                auto mfn = (i % 8 == 0) ? a.alloc_contiguous(2, 2, owner) : a.alloc(owner);
                if (!mfn) continue;
                mine.push_back(*mfn);
                if (i % 8 == 0) mine.push_back(*mfn + 1);
            }
            for (uint64_t mfn : mine) {
                if (a.frame_table().lookup(mfn)->owner != owner || !a.free(mfn).is_ok()) ok = false;
            }
            mine.clear();
        }
    };
    std::vector<std::thread> threads;
    for (uint16_t t = 1; t <= 4; ++t) threads.emplace_back(worker, t);
    for (auto& t : threads) t.join();

    CHECK(ok);
    CHECK(a.free_count() == total);
    CHECK(a.frame_table().count_owned_by(k_owner_free) == total);
}

TEST_CASE("Metadata keeps working after a rebase", "[memory][frame_allocator]") {
    auto b = boot({ram(1 * MiB, 2 * MiB)}, {});
    auto& a = b->allocator;
    auto kept = a.alloc(k_dom);
    REQUIRE(kept.is_ok());
    const uint64_t free_before = a.free_count();

    // The hypervisor's move from the identity map to the direct map: same
    // bytes, new address. Poison the old copy so stale pointers show.
    std::vector<uint64_t> moved = b->metadata;
    const auto delta = reinterpret_cast<intptr_t>(moved.data()) - reinterpret_cast<intptr_t>(b->metadata.data());
    std::fill(b->metadata.begin(), b->metadata.end(), 0);
    a.rebase_metadata(delta);

    CHECK(a.frame_table().lookup(*kept) == reinterpret_cast<FrameInfo*>(moved.data()) + *kept);
    CHECK(*a.frame_table().owner_of(*kept) == k_dom);
    CHECK(a.free(*kept).is_ok());
    CHECK(a.free_count() == free_before + 1);
    drain(*b);
}
