// CPULIST strings (xl.cfg(5) "cpus"), parsed and printed.
#include "dom0-tools/lib/config/cpu_list.hpp"
#include "dom0-tools/lib/config/domain_config.hpp"

#include <catch2/catch.hpp>

#include <string>

using pv::tools::CpuListParse;
using pv::tools::k_config_all_cpus;
using pv::tools::parse_cpu_list;
using Problem = CpuListParse::Problem;

namespace {

class Capture final : public pv::OutputSink {
public:
    void write(pv::StringView text) override { out.append(text.data(), text.size()); }
    std::string out;
};

std::string printed(uint64_t mask) {
    Capture capture;
    pv::tools::print_cpu_list(capture, mask);
    return capture.out;
}

uint64_t mask_of(const char* text) {
    const auto parsed = parse_cpu_list(text);
    REQUIRE(parsed.problem == Problem::none);
    return parsed.mask;
}

} // namespace

TEST_CASE("cpu list: items, ranges, all and exclusions", "[config]") {
    CHECK(mask_of("0") == 1);
    CHECK(mask_of("0-3,5") == 0b101111);
    CHECK(mask_of("0-3,5,^1") == 0b101101);
    CHECK(mask_of("all") == k_config_all_cpus);
    CHECK(mask_of("all,^7") == (k_config_all_cpus & ~uint64_t{0x80}));
    CHECK(mask_of("^2,0-3") == 0b1111); // left to right: the exclusion came first
    CHECK(mask_of("0-63") == k_config_all_cpus);
    CHECK(mask_of("62-63") == (uint64_t{3} << 62));
    CHECK(mask_of(" 1 - 2 , ^ 2 ") == 0b10);
    CHECK(mask_of("0x10") == uint64_t{1} << 16);
}

TEST_CASE("cpu list: problems name the item", "[config]") {
    auto parsed = parse_cpu_list("1,zz");
    CHECK(parsed.problem == Problem::bad_item);
    CHECK(parsed.item == pv::StringView("zz"));
    CHECK(parse_cpu_list("1-2-3").problem == Problem::bad_item);
    CHECK(parse_cpu_list("-3").problem == Problem::bad_item);
    CHECK(parse_cpu_list("^").problem == Problem::bad_item);
    CHECK(parse_cpu_list("  ").problem == Problem::empty);
    CHECK(parse_cpu_list("node:1").problem == Problem::numa);
    parsed = parse_cpu_list("3,70");
    CHECK(parsed.problem == Problem::cpu_too_high);
    CHECK(parsed.number == 70);
    CHECK(parse_cpu_list("4-2").problem == Problem::backwards);
    CHECK(parse_cpu_list("0-3,^0-3").problem == Problem::no_cpu);
}

TEST_CASE("cpu list: printing is the shortest ascending form", "[config]") {
    CHECK(printed(k_config_all_cpus) == "all");
    CHECK(printed(1) == "0");
    CHECK(printed(0b101111) == "0-3,5");
    CHECK(printed(uint64_t{1} << 63) == "63");
    CHECK(printed(k_config_all_cpus & ~uint64_t{1}) == "1-63");
    CHECK(printed(0b1010) == "1,3");
    for (uint64_t mask : {uint64_t{0b1011}, uint64_t{0xf0f0}, ~uint64_t{0} >> 1}) {
        INFO(mask);
        CHECK(mask_of(printed(mask).c_str()) == mask);
    }
}
