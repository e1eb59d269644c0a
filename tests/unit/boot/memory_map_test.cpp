// sanitize_memory_map: turning firmware maps into sorted, disjoint ones.
#include "core/boot/memory_map.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

using namespace pv;

namespace {

constexpr uint64_t k_top = 0xFFFF'FFFF'FFFF'F000ull;
constexpr MemoryType U = MemoryType::usable;
constexpr MemoryType R = MemoryType::reserved;
constexpr MemoryType A = MemoryType::acpi_reclaimable;
constexpr MemoryType N = MemoryType::acpi_nvs;
constexpr MemoryType B = MemoryType::bad;

struct Range {
    uint64_t base;
    uint64_t length;
    MemoryType type;
    bool operator==(const Range&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Range& r) {
    return os << "{0x" << std::hex << r.base << ", 0x" << r.length << std::dec << ", "
              << static_cast<int>(r.type) << "}";
}

BootInfo make(const std::vector<Range>& ranges) {
    BootInfo info;
    for (const Range& r : ranges) add_memory_range(info, r.base, r.length, r.type);
    return info;
}

std::vector<Range> ranges_of(const BootInfo& info) {
    std::vector<Range> v;
    for (size_t i = 0; i < info.memory_count; ++i)
        v.push_back({info.memory[i].base, info.memory[i].length, info.memory[i].type});
    return v;
}

std::vector<Range> sanitized(const std::vector<Range>& input) {
    BootInfo info = make(input);
    sanitize_memory_map(info);
    return ranges_of(info);
}

int rank(MemoryType t) {
    switch (t) {
    case MemoryType::usable: return 0;
    case MemoryType::acpi_reclaimable: return 1;
    case MemoryType::reserved: return 2;
    case MemoryType::acpi_nvs: return 3;
    case MemoryType::bad: return 4;
    }
    return 2;
}

} // namespace

TEST_CASE("memory map: add_memory_range sets the truncation flag when full", "[boot][memory_map]") {
    BootInfo info;
    for (size_t i = 0; i < BootInfo::k_max_memory_ranges; ++i) CHECK(add_memory_range(info, i * 0x1000, 0x1000, U));
    CHECK_FALSE(info.memory_truncated);
    CHECK_FALSE(add_memory_range(info, 0x10000000, 0x1000, U));
    CHECK(info.memory_truncated);
    CHECK(info.memory_count == BootInfo::k_max_memory_ranges);
}

TEST_CASE("memory map: e820 type numbers", "[boot][memory_map]") {
    CHECK(memory_type_from_e820(1) == U);
    CHECK(memory_type_from_e820(2) == R);
    CHECK(memory_type_from_e820(3) == A);
    CHECK(memory_type_from_e820(4) == N);
    CHECK(memory_type_from_e820(5) == B);
    CHECK(memory_type_from_e820(0) == R);
    CHECK(memory_type_from_e820(7) == R); // persistent memory: not ours to allocate
    CHECK(memory_type_from_e820(0xffffffff) == R);
}

TEST_CASE("memory map: empty and trivial maps", "[boot][memory_map]") {
    CHECK(sanitized({}).empty());
    CHECK(sanitized({{0x1000, 0, U}}).empty());
    CHECK(sanitized({{0x1000, 0x1000, U}}) == std::vector<Range>{{0x1000, 0x1000, U}});
}

TEST_CASE("memory map: unsorted input is sorted", "[boot][memory_map]") {
    CHECK(sanitized({{0x100000, 0x100000, U}, {0xf0000, 0x10000, R}, {0x0, 0x9f000, U}, {0x9f000, 0x1000, R}}) ==
          std::vector<Range>{{0x0, 0x9f000, U}, {0x9f000, 0x1000, R}, {0xf0000, 0x10000, R}, {0x100000, 0x100000, U}});
}

TEST_CASE("memory map: zero-length entries disappear", "[boot][memory_map]") {
    CHECK(sanitized({{0x0, 0x1000, U}, {0x800, 0, R}, {0x5000, 0, U}, {0x1000, 0x1000, U}}) ==
          std::vector<Range>{{0x0, 0x2000, U}});
}

TEST_CASE("memory map: holes stay holes", "[boot][memory_map]") {
    CHECK(sanitized({{0x0, 0x1000, U}, {0x3000, 0x1000, U}, {0x2000, 0x800, R}}) ==
          std::vector<Range>{{0x0, 0x1000, U}, {0x2000, 0x800, R}, {0x3000, 0x1000, U}});
}

TEST_CASE("memory map: adjacent ranges of one type merge, of different types do not", "[boot][memory_map]") {
    CHECK(sanitized({{0x2000, 0x1000, U}, {0x0, 0x1000, U}, {0x1000, 0x1000, U}, {0x3000, 0x1000, A}}) ==
          std::vector<Range>{{0x0, 0x3000, U}, {0x3000, 0x1000, A}});
}

TEST_CASE("memory map: overlaps resolve to the more restrictive type", "[boot][memory_map]") {
    SECTION("reserved inside usable splits it in three") {
        CHECK(sanitized({{0x0, 0x10000, U}, {0x4000, 0x1000, R}}) ==
              std::vector<Range>{{0x0, 0x4000, U}, {0x4000, 0x1000, R}, {0x5000, 0xb000, U}});
    }
    SECTION("partial overlap, either order") {
        const std::vector<Range> expected{{0x0, 0x8000, U}, {0x8000, 0x8000, A}};
        CHECK(sanitized({{0x0, 0xc000, U}, {0x8000, 0x8000, A}}) == expected);
        CHECK(sanitized({{0x8000, 0x8000, A}, {0x0, 0xc000, U}}) == expected);
    }
    SECTION("usable inside reserved vanishes") {
        CHECK(sanitized({{0x0, 0x10000, R}, {0x1000, 0x1000, U}}) == std::vector<Range>{{0x0, 0x10000, R}});
    }
    SECTION("the ranking: bad > acpi_nvs > reserved > acpi_reclaimable > usable") {
        CHECK(sanitized({{0x0, 0x1000, N}, {0x0, 0x1000, R}}) == std::vector<Range>{{0x0, 0x1000, N}});
        CHECK(sanitized({{0x0, 0x1000, A}, {0x0, 0x1000, R}}) == std::vector<Range>{{0x0, 0x1000, R}});
        CHECK(sanitized({{0x0, 0x1000, B}, {0x0, 0x1000, N}}) == std::vector<Range>{{0x0, 0x1000, B}});
        CHECK(sanitized({{0x0, 0x1000, U}, {0x0, 0x1000, A}}) == std::vector<Range>{{0x0, 0x1000, A}});
    }
    SECTION("duplicates collapse") {
        CHECK(sanitized({{0x0, 0x1000, U}, {0x0, 0x1000, U}, {0x0, 0x1000, U}}) ==
              std::vector<Range>{{0x0, 0x1000, U}});
    }
    SECTION("a stack of nested ranges") {
        CHECK(sanitized({{0x0, 0x10000, U}, {0x1000, 0xe000, A}, {0x2000, 0xc000, R}, {0x3000, 0xa000, N},
                         {0x4000, 0x8000, B}}) ==
              std::vector<Range>{{0x0, 0x1000, U},
                                 {0x1000, 0x1000, A},
                                 {0x2000, 0x1000, R},
                                 {0x3000, 0x1000, N},
                                 {0x4000, 0x8000, B},
                                 {0xc000, 0x1000, N},
                                 {0xd000, 0x1000, R},
                                 {0xe000, 0x1000, A},
                                 {0xf000, 0x1000, U}});
    }
}

TEST_CASE("memory map: unknown type values count as reserved", "[boot][memory_map]") {
    CHECK(sanitized({{0x0, 0x2000, U}, {0x1000, 0x1000, static_cast<MemoryType>(77)}}) ==
          std::vector<Range>{{0x0, 0x1000, U}, {0x1000, 0x1000, R}});
}

TEST_CASE("memory map: huge entries are clipped below 2^64", "[boot][memory_map]") {
    SECTION("length wraps past 2^64") {
        CHECK(sanitized({{0x100000, UINT64_MAX, U}}) == std::vector<Range>{{0x100000, k_top - 0x100000, U}});
    }
    SECTION("ends exactly at 2^64") {
        CHECK(sanitized({{1ull << 63, 1ull << 63, R}}) == std::vector<Range>{{1ull << 63, k_top - (1ull << 63), R}});
    }
    SECTION("starts in the last page") {
        CHECK(sanitized({{k_top + 0x10, 0x10, U}, {0x0, 0x1000, U}}) == std::vector<Range>{{0x0, 0x1000, U}});
    }
    SECTION("everything") {
        CHECK(sanitized({{0x0, UINT64_MAX, U}, {0xfee00000, 0x1000, R}}) ==
              std::vector<Range>{{0x0, 0xfee00000, U}, {0xfee00000, 0x1000, R}, {0xfee01000, k_top - 0xfee01000, U}});
    }
}

TEST_CASE("memory map: too many pieces after splitting truncates the top", "[boot][memory_map]") {
    std::vector<Range> input{{0x0, 1ull << 40, U}};
    for (uint64_t i = 0; i < BootInfo::k_max_memory_ranges - 1; ++i) input.push_back({0x1000 + i * 0x2000, 0x1000, R});
    BootInfo info = make(input);
    REQUIRE_FALSE(info.memory_truncated);
    sanitize_memory_map(info);
    CHECK(info.memory_truncated);
    REQUIRE(info.memory_count == BootInfo::k_max_memory_ranges);
    for (size_t i = 0; i < info.memory_count; ++i) {
        CHECK(info.memory[i].base == i * 0x1000);
        CHECK(info.memory[i].length == 0x1000);
        CHECK(info.memory[i].type == (i % 2 ? R : U));
    }
}

TEST_CASE("memory map: random maps against a brute-force reference", "[boot][memory_map]") {
    std::mt19937_64 rng(12345);
    for (int round = 0; round < 300; ++round) {
        const size_t n = rng() % 40;
        std::vector<Range> input;
        const MemoryType types[] = {U, U, U, R, A, N, B};
        for (size_t i = 0; i < n; ++i) {
            // Page-granular boundaries in a small window, so overlaps are common.
            const uint64_t base = (rng() % 64) * 0x1000;
            const uint64_t length = (rng() % 20) * 0x1000;
            input.push_back({base, length, types[rng() % 7]});
        }
        BootInfo info = make(input);
        sanitize_memory_map(info);
        const std::vector<Range> out = ranges_of(info);
        INFO("round " << round);
        CHECK_FALSE(info.memory_truncated);

        for (size_t i = 0; i < out.size(); ++i) {
            CHECK(out[i].length != 0);
            if (i > 0) {
                CHECK(out[i - 1].base + out[i - 1].length <= out[i].base); // sorted, disjoint
                if (out[i - 1].base + out[i - 1].length == out[i].base)
                    CHECK(out[i - 1].type != out[i].type); // merged
            }
        }
        // Every page: covered in the output iff covered in the input, with
        // the highest-ranked input type.
        for (uint64_t page = 0; page < 96; ++page) {
            const uint64_t addr = page * 0x1000;
            int best = -1;
            for (const Range& r : input)
                if (r.base <= addr && addr < r.base + r.length && rank(r.type) > best) best = rank(r.type);
            int got = -1;
            for (const Range& r : out)
                if (r.base <= addr && addr < r.base + r.length) got = rank(r.type);
            CHECK(got == best);
        }
        // Idempotent.
        sanitize_memory_map(info);
        CHECK(ranges_of(info) == out);
    }
}
