// format_domain_config: the text pvctl prints, and that it parses back.
#include "dom0-tools/lib/config/cpu_list.hpp"
#include "dom0-tools/lib/config/domain_config.hpp"

// Named before <catch2/catch.hpp>, whose <cerrno> defines EINVAL as a macro.
namespace {
constexpr auto k_einval = pv::Errno::einval;
constexpr auto k_enospc = pv::Errno::enospc;
} // namespace

// Uses <string>, which brings <cerrno>: after the names above.
#include "config_test_support.hpp"

#include <catch2/catch.hpp>

#include <string>

using config_test::parse;
using pv::tools::DomainConfig;

namespace {

std::string formatted(const DomainConfig& config) {
    char buf[4096];
    const auto length = pv::tools::format_domain_config(config, buf, sizeof buf);
    REQUIRE(length.is_ok());
    REQUIRE(*length == std::string(buf).size());
    return buf;
}

// format -> parse gives the same configuration back.
void check_round_trip(const std::string& text) {
    const auto first = parse(text);
    INFO(first.message);
    REQUIRE(first.ok);
    const std::string printed = formatted(first.config);
    INFO(printed);
    const auto second = parse(printed, "printed.cfg");
    INFO(second.message);
    REQUIRE(second.ok);
    CHECK(second.warning_count == 0);
    CHECK(second.config == first.config);
}

} // namespace

TEST_CASE("config format: every effective setting, one per line", "[config]") {
    const auto parsed = parse(config_test::k_required);
    REQUIRE(parsed.ok);
    CHECK(formatted(parsed.config) == "name = \"guest\"\n"
                                      "type = \"auto\"\n"
                                      "kernel = \"/guests/k\"\n"
                                      "memory = 32\n"
                                      "vcpus = 1\n"
                                      "weight = 256\n"
                                      "cap = 0\n"
                                      "on_poweroff = \"destroy\"\n"
                                      "on_reboot = \"restart\"\n"
                                      "on_crash = \"destroy\"\n");
}

TEST_CASE("config format: optional settings appear when they say something", "[config]") {
    const auto parsed = parse("name='full'; type='auto'; kernel='/k'; ramdisk='/r'\n"
                              "root='/dev/xvda'; extra='ro'\n"
                              "memory=64; maxmem=128; vcpus=2; maxvcpus=3\n"
                              "cpus=['0-1,4', 'all', 'all,^0']\n"
                              "cpu_weight=10; cap=250\n"
                              "on_poweroff='preserve'; on_reboot='destroy'; on_crash='restart'\n");
    INFO(parsed.message);
    REQUIRE(parsed.ok);
    CHECK(formatted(parsed.config) == "name = \"full\"\n"
                                      "type = \"auto\"\n"
                                      "kernel = \"/k\"\n"
                                      "ramdisk = \"/r\"\n"
                                      "cmdline = \"root=/dev/xvda ro\"\n"
                                      "memory = 64\n"
                                      "maxmem = 128\n"
                                      "vcpus = 2\n"
                                      "maxvcpus = 3\n"
                                      "cpus = [\"0-1,4\", \"all\", \"1-63\"]\n"
                                      "weight = 10\n"
                                      "cap = 250\n"
                                      "on_poweroff = \"preserve\"\n"
                                      "on_reboot = \"destroy\"\n"
                                      "on_crash = \"restart\"\n");
}

TEST_CASE("config format: strings are escaped so they read back", "[config]") {
    const auto parsed = parse("name = 'esc'\nkernel = '/k \"q\" \\\\'\n"
                              "cmdline = \"tab\\there\\nnl \\x01 'single'\"\n");
    INFO(parsed.message);
    REQUIRE(parsed.ok);
    const std::string text = formatted(parsed.config);
    CHECK(text.find("kernel = \"/k \\\"q\\\" \\\\\"\n") != std::string::npos);
    CHECK(text.find("cmdline = \"tab\\there\\nnl \\x01 'single'\"\n") != std::string::npos);
}

TEST_CASE("config format: round trips", "[config]") {
    const std::string required = config_test::k_required;
    check_round_trip(required);
    check_round_trip(required + "cpus = \"0-3,5,7-9,63\"\nvcpus = 4");
    check_round_trip(required + "cpus = []");
    check_round_trip(required + "cpus = [\"1\"]\nmaxvcpus = 2");
    check_round_trip(required + "cmdline = \"a\\\\b \\\"c\\\" \\x7f\\xff\"");
    check_round_trip(required + "memory = 0x100\nmaxmem = 01000\ntype = 'pvh'\ncap = 100");
    check_round_trip(required + "on_crash = 'preserve'\nweight = 65535");
}

TEST_CASE("config format: a small buffer is ENOSPC, not silently cut", "[config]") {
    const auto parsed = parse(config_test::k_required);
    REQUIRE(parsed.ok);
    const std::string full = formatted(parsed.config);
    char buf[4096];
    auto result = pv::tools::format_domain_config(parsed.config, buf, full.size() + 1);
    REQUIRE(result.is_ok());
    CHECK(*result == full.size());
    result = pv::tools::format_domain_config(parsed.config, buf, full.size());
    REQUIRE_FALSE(result.is_ok());
    CHECK(result.error() == k_enospc);
    CHECK(std::string(buf) == full.substr(0, full.size() - 1));
    result = pv::tools::format_domain_config(parsed.config, buf, 0);
    CHECK(result.error() == k_enospc);
    (void)k_einval;
}

TEST_CASE("config format: names of types and actions", "[config]") {
    using pv::tools::DomainType;
    using pv::tools::ShutdownAction;
    CHECK(pv::tools::domain_type_name(DomainType::automatic) == pv::StringView("auto"));
    CHECK(pv::tools::shutdown_action_name(ShutdownAction::preserve) == pv::StringView("preserve"));
}
