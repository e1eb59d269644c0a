// Valid xl.cfg files: every setting, defaults, comments, quoting, lists.
#include "dom0-tools/lib/config/domain_config.hpp"

// Named before <catch2/catch.hpp>, whose <cerrno> defines EINVAL as a macro.
namespace {
constexpr auto k_einval = pv::Errno::einval;
}

// Uses <string>, which brings <cerrno>: after the names above.
#include "config_test_support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

using config_test::k_required;
using config_test::parse;
using pv::tools::CpuPinning;
using pv::tools::DomainConfig;
using pv::tools::DomainType;
using pv::tools::k_config_all_cpus;
using pv::tools::ShutdownAction;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TEST_CASE("config: the minimal file gets xl's defaults", "[config]") {
    const auto parsed = parse(k_required);
    REQUIRE(parsed.ok);
    REQUIRE(parsed.message.empty());
    REQUIRE(parsed.warning_count == 0);
    const DomainConfig& c = parsed.config;
    CHECK(std::string(c.name) == "guest");
    CHECK(std::string(c.kernel) == "/guests/k");
    CHECK(c.type == DomainType::automatic);
    CHECK(c.ramdisk[0] == '\0');
    CHECK(c.cmdline[0] == '\0');
    CHECK(c.memory_mib == 32);
    CHECK(c.maxmem_mib == 32);
    CHECK(c.vcpus == 1);
    CHECK(c.max_vcpus == 1);
    CHECK(c.pinning == CpuPinning::none);
    CHECK(c.cpu_affinity[0] == k_config_all_cpus);
    CHECK(c.weight == 256);
    CHECK(c.cap == 0);
    CHECK(c.on_poweroff == ShutdownAction::destroy);
    CHECK(c.on_reboot == ShutdownAction::restart);
    CHECK(c.on_crash == ShutdownAction::destroy);
}

TEST_CASE("config: every setting", "[config]") {
    const auto parsed = parse(R"(# A guest with everything set.
name = "web-1.example"
type = "pvh"
kernel = "/guests/vmlinuz"
ramdisk = "/guests/initrd.img"
cmdline = "console=hvc0 quiet"
memory = 256
maxmem = 512
vcpus = 2
maxvcpus = 4
cpus = "0-3,^1"
weight = 512
cap = 150
on_poweroff = "preserve"
on_reboot = "destroy"
on_crash = "restart"
)");
    INFO(parsed.message);
    REQUIRE(parsed.ok);
    const DomainConfig& c = parsed.config;
    CHECK(std::string(c.name) == "web-1.example");
    CHECK(c.type == DomainType::pvh);
    CHECK(std::string(c.kernel) == "/guests/vmlinuz");
    CHECK(std::string(c.ramdisk) == "/guests/initrd.img");
    CHECK(std::string(c.cmdline) == "console=hvc0 quiet");
    CHECK(c.memory_mib == 256);
    CHECK(c.maxmem_mib == 512);
    CHECK(c.vcpus == 2);
    CHECK(c.max_vcpus == 4);
    CHECK(c.pinning == CpuPinning::all);
    for (uint32_t i = 0; i < pv::tools::k_config_max_vcpus; ++i)
        CHECK(c.cpu_affinity[i] == 0b1101);
    CHECK(c.weight == 512);
    CHECK(c.cap == 150);
    CHECK(c.on_poweroff == ShutdownAction::preserve);
    CHECK(c.on_reboot == ShutdownAction::destroy);
    CHECK(c.on_crash == ShutdownAction::restart);
}

TEST_CASE("config: type pv, pvh and auto", "[config]") {
    CHECK(parse(k_required + "type = \"pv\"").config.type == DomainType::pv);
    CHECK(parse(k_required + "type = \"pvh\"").config.type == DomainType::pvh);
    CHECK(parse(k_required + "type = 'auto'").config.type == DomainType::automatic);
}

TEST_CASE("config: comments, blank lines, whitespace, semicolons, CRLF", "[config]") {
    const auto parsed = parse("\n"
                              "   # leading comment\n"
                              "\t\n"
                              "name=\"a\";kernel   =\t'/k' ; # two on one line\n"
                              "memory = 64;\n"
                              ";;\n"
                              "  vcpus\t=\t2   # trailing comment\r\n"
                              "cmdline = \"a # not a comment\"\r\n"
                              "weight = 300"); // no newline at the end
    INFO(parsed.message);
    REQUIRE(parsed.ok);
    CHECK(std::string(parsed.config.name) == "a");
    CHECK(std::string(parsed.config.kernel) == "/k");
    CHECK(parsed.config.memory_mib == 64);
    CHECK(parsed.config.vcpus == 2);
    CHECK(std::string(parsed.config.cmdline) == "a # not a comment");
    CHECK(parsed.config.weight == 300);
}

TEST_CASE("config: single and double quotes and escapes", "[config]") {
    const auto parsed = parse("name = 'q'\n"
                              "kernel = \"/it's/here\"\n"
                              "cmdline = 'say \"hi\" \\'there\\' a\\\\b\\tc\\x41'\n");
    INFO(parsed.message);
    REQUIRE(parsed.ok);
    CHECK(std::string(parsed.config.kernel) == "/it's/here");
    CHECK(std::string(parsed.config.cmdline) == "say \"hi\" 'there' a\\b\tcA");
}

TEST_CASE("config: numbers in decimal, hex, octal and in quotes", "[config]") {
    CHECK(parse(k_required + "memory = 0x40").config.memory_mib == 64);
    CHECK(parse(k_required + "memory = 0X40").config.memory_mib == 64);
    CHECK(parse(k_required + "memory = 0100").config.memory_mib == 64); // xl.cfg(5): octal
    CHECK(parse(k_required + "memory = \"96\"").config.memory_mib == 96);
    CHECK(parse(k_required + "cap = 0").config.cap == 0);
    CHECK(parse(k_required + "weight = 65535").config.weight == 65535);
    CHECK(parse(k_required + "weight = 1").config.weight == 1);
    CHECK(parse(k_required + "memory = 1048576").config.memory_mib == 1048576);
}

TEST_CASE("config: a NUMBER is text where text is wanted", "[config]") {
    const auto parsed = parse("name = \"n\"\nkernel = 42\ncmdline = 7\n");
    REQUIRE(parsed.ok);
    CHECK(std::string(parsed.config.kernel) == "42");
    CHECK(std::string(parsed.config.cmdline) == "7");
}

TEST_CASE("config: memory and maxmem default to each other", "[config]") {
    auto c = parse(k_required + "memory = 128").config;
    CHECK(c.memory_mib == 128);
    CHECK(c.maxmem_mib == 128);
    c = parse(k_required + "maxmem = 256").config;
    CHECK(c.memory_mib == 256);
    CHECK(c.maxmem_mib == 256);
    c = parse(k_required + "maxmem = 256\nmemory = 256").config;
    CHECK(c.memory_mib == 256);
}

TEST_CASE("config: maxvcpus defaults to vcpus and bounds cap", "[config]") {
    auto c = parse(k_required + "vcpus = 3").config;
    CHECK(c.vcpus == 3);
    CHECK(c.max_vcpus == 3);
    c = parse(k_required + "maxvcpus = 4").config;
    CHECK(c.vcpus == 1);
    CHECK(c.max_vcpus == 4);
    CHECK(parse(k_required + "vcpus = 2\ncap = 200").ok);
    CHECK(parse(k_required + "maxvcpus = 4\ncap = 400").ok);
    CHECK(parse(k_required + "vcpus = 32\ncap = 3200").ok);
}

TEST_CASE("config: cpus as one CPULIST pins every vCPU", "[config]") {
    auto c = parse(k_required + "vcpus = 2\ncpus = \"all\"").config;
    CHECK(c.pinning == CpuPinning::all);
    CHECK(c.cpu_affinity[0] == k_config_all_cpus);
    c = parse(k_required + "cpus = \"all,^7\"").config;
    CHECK(c.cpu_affinity[0] == (k_config_all_cpus & ~(uint64_t{1} << 7)));
    c = parse(k_required + "cpus = \" 2 , 5-6 \"").config;
    CHECK(c.cpu_affinity[3] == 0b1100100);
    c = parse(k_required + "cpus = 3").config; // a NUMBER is a one-CPU list
    CHECK(c.cpu_affinity[0] == 0b1000);
    c = parse(k_required + "cpus = \"63\"").config;
    CHECK(c.cpu_affinity[0] == uint64_t{1} << 63);
}

TEST_CASE("config: a cpus list pins vCPU i to entry i", "[config]") {
    const auto parsed = parse(k_required + "vcpus = 3\n"
                                           "cpus = [\"2\", \"3-8,^5\"]\n");
    INFO(parsed.message);
    REQUIRE(parsed.ok);
    const DomainConfig& c = parsed.config;
    CHECK(c.pinning == CpuPinning::per_vcpu);
    CHECK(c.pinned_vcpus == 2);
    CHECK(c.cpu_affinity[0] == 0b100);
    CHECK(c.cpu_affinity[1] == 0b111011000);
    CHECK(c.cpu_affinity[2] == k_config_all_cpus); // beyond the list: unpinned
}

TEST_CASE("config: lists span lines, hold comments, end with a comma", "[config]") {
    const auto parsed = parse(k_required + "vcpus = 3\n"
                                           "cpus = [\n"
                                           "    '0',      # vCPU 0\n"
                                           "    1,\n"
                                           "\n"
                                           "    \"2-3\",\n"
                                           "]\n"
                                           "memory = 64\n");
    INFO(parsed.message);
    REQUIRE(parsed.ok);
    CHECK(parsed.config.pinned_vcpus == 3);
    CHECK(parsed.config.cpu_affinity[0] == 0b1);
    CHECK(parsed.config.cpu_affinity[1] == 0b10);
    CHECK(parsed.config.cpu_affinity[2] == 0b1100);
    CHECK(parsed.config.memory_mib == 64);
}

TEST_CASE("config: an empty cpus list pins nothing", "[config]") {
    const auto parsed = parse(k_required + "cpus = [ ]");
    REQUIRE(parsed.ok);
    CHECK(parsed.config.pinning == CpuPinning::per_vcpu);
    CHECK(parsed.config.pinned_vcpus == 0);
    CHECK(parsed.config.cpu_affinity[0] == k_config_all_cpus);
}

TEST_CASE("config: cpu_weight is xl's name for weight", "[config]") {
    CHECK(parse(k_required + "cpu_weight = 128").config.weight == 128);
}

TEST_CASE("config: a later assignment wins, with a warning", "[config]") {
    const auto parsed = parse(k_required + "memory = 64\n"
                                           "vcpus = 1\n"
                                           "memory = 128\n"
                                           "cpu_weight = 100\n"
                                           "weight = 200\n");
    INFO(parsed.message);
    REQUIRE(parsed.ok);
    CHECK(parsed.config.memory_mib == 128);
    CHECK(parsed.config.weight == 200);
    CHECK(parsed.warning == "hello.cfg:5: warning: 'memory' overrides hello.cfg:3");
    CHECK(parsed.warning_count == 2);
}

TEST_CASE("config: a second cpus replaces the first entirely", "[config]") {
    const auto parsed = parse(k_required + "vcpus = 2\ncpus = [\"1\", \"2\"]\ncpus = \"3\"\n");
    REQUIRE(parsed.ok);
    CHECK(parsed.config.pinning == CpuPinning::all);
    CHECK(parsed.config.pinned_vcpus == 0);
    CHECK(parsed.config.cpu_affinity[0] == 0b1000);
    CHECK(parsed.config.cpu_affinity[1] == 0b1000);
}

TEST_CASE("config: a shorter value leaves no trace of a longer one", "[config]") {
    const auto once = parse(k_required + "cmdline = \"x\"");
    const auto twice = parse(k_required + "cmdline = \"a much longer line\"\ncmdline = \"x\"");
    REQUIRE(twice.ok);
    CHECK(twice.config == once.config);
}

TEST_CASE("config: += appends to text settings", "[config]") {
    const auto parsed = parse(k_required + "cmdline = \"console=hvc0\"\n"
                                           "cmdline += \" quiet\"\n"
                                           "extra += \"e\"\n"
                                           "name += \"-2\"\n");
    INFO(parsed.message);
    REQUIRE(parsed.ok);
    CHECK(std::string(parsed.config.cmdline) == "console=hvc0 quiet");
    CHECK(std::string(parsed.config.name) == "guest-2");
    CHECK(parsed.warning_count == 1); // only: extra ignored because of cmdline
}

TEST_CASE("config: root and extra make the command line without cmdline", "[config]") {
    CHECK(std::string(
              parse(k_required + "root = \"/dev/xvda1\"\nextra = \"ro quiet\"").config.cmdline) ==
          "root=/dev/xvda1 ro quiet");
    CHECK(std::string(
              parse(k_required + "extra = \"ro quiet\"\nroot = \"/dev/xvda1\"").config.cmdline) ==
          "root=/dev/xvda1 ro quiet");
    CHECK(std::string(parse(k_required + "root = \"/dev/xvda1\"").config.cmdline) ==
          "root=/dev/xvda1");
    CHECK(std::string(parse(k_required + "extra = \"single\"").config.cmdline) == "single");
}

TEST_CASE("config: cmdline wins over root and extra, with a warning", "[config]") {
    auto parsed = parse(k_required + "root = \"/dev/xvda\"\n"
                                     "cmdline = \"init=/bin/sh\"\n"
                                     "extra = \"quiet\"\n");
    REQUIRE(parsed.ok);
    CHECK(std::string(parsed.config.cmdline) == "init=/bin/sh");
    CHECK(parsed.warning ==
          "hello.cfg:4: warning: 'root' and 'extra' are ignored because 'cmdline' is set");

    parsed = parse(k_required + "cmdline = \"\"\nextra = \"quiet\"\n");
    REQUIRE(parsed.ok);
    CHECK(parsed.config.cmdline[0] == '\0');
    CHECK(parsed.warning == "hello.cfg:3: warning: 'extra' is ignored because 'cmdline' is set");
}

TEST_CASE("config: values exactly as long as their fields", "[config]") {
    const std::string name31(31, 'n');
    const std::string path255 = "/" + std::string(254, 'p');
    const std::string cmdline1023(1023, 'c');
    const auto parsed =
        parse("name = \"" + name31 + "\"\nkernel = \"" + path255 + "\"\nramdisk = \"" + path255 +
              "\"\ncmdline = \"" + cmdline1023 + "\"\n");
    INFO(parsed.message);
    REQUIRE(parsed.ok);
    CHECK(std::string(parsed.config.name) == name31);
    CHECK(std::string(parsed.config.kernel) == path255);
    CHECK(std::string(parsed.config.cmdline) == cmdline1023);
}

TEST_CASE("config: overrides apply after the file, as xl create's KEY=VALUE", "[config]") {
    pv::tools::ConfigError error;
    const std::string text = k_required + "weight = 256\n";
    const auto result =
        pv::tools::parse_domain_config("spin.cfg", pv::StringView(text.data(), text.size()),
                                       "command line", "name=\"spin2\"\nweight=512", error);
    INFO(error.message);
    REQUIRE(result.is_ok());
    CHECK(std::string(result->name) == "spin2");
    CHECK(result->weight == 512);
    CHECK(std::string(error.warning) == "command line:1: warning: 'name' overrides spin.cfg:1");

    const auto bad =
        pv::tools::parse_domain_config("spin.cfg", pv::StringView(text.data(), text.size()),
                                       "command line", "weight=512\nweight=0", error);
    REQUIRE(!bad.is_ok());
    CHECK(bad.error() == k_einval);
    CHECK(std::string(error.message) == "command line:2: weight: 0 is out of range (1 to 65535)");
}

TEST_CASE("config: the sample configs parse", "[config]") {
    const auto hello = parse(read_file(config_test::sample_path("hello.cfg")), "hello.cfg");
    INFO(hello.message);
    REQUIRE(hello.ok);
    CHECK(hello.warning_count == 0);
    CHECK(std::string(hello.config.name) == "hello");
    CHECK(hello.config.type == DomainType::automatic); // PVH where the host can, else PV
    CHECK(std::string(hello.config.kernel) == "/guests/minios-hello");
    CHECK(std::string(hello.config.cmdline) == "quiet");

    const auto pvh = parse(read_file(config_test::sample_path("hello-pvh.cfg")), "hello-pvh.cfg");
    INFO(pvh.message);
    REQUIRE(pvh.ok);
    CHECK(pvh.warning_count == 0);
    CHECK(std::string(pvh.config.name) == "hello-pvh");
    CHECK(pvh.config.type == DomainType::pvh);
    CHECK(std::string(pvh.config.kernel) == "/guests/minios-hello");

    const auto spin = parse(read_file(config_test::sample_path("spin.cfg")), "spin.cfg");
    INFO(spin.message);
    REQUIRE(spin.ok);
    CHECK(spin.warning_count == 0);
    CHECK(std::string(spin.config.name) == "spin");
    CHECK(spin.config.weight == 256);
    CHECK(spin.config.cpu_affinity[0] == 1);
    CHECK(spin.config.on_crash == ShutdownAction::preserve);

    const auto crash = parse(read_file(config_test::sample_path("crash.cfg")), "crash.cfg");
    INFO(crash.message);
    REQUIRE(crash.ok);
    CHECK(crash.warning_count == 0);
    CHECK(std::string(crash.config.name) == "crash");
    CHECK(std::string(crash.config.kernel) == "/guests/minios-hello");
    CHECK(std::string(crash.config.cmdline) == "quiet crash-after=3");
    CHECK(crash.config.on_crash == ShutdownAction::destroy);

    const auto probe = parse(read_file(config_test::sample_path("probe.cfg")), "probe.cfg");
    INFO(probe.message);
    REQUIRE(probe.ok);
    CHECK(probe.warning_count == 0);
    CHECK(std::string(probe.config.name) == "probe");
    CHECK(std::string(probe.config.cmdline) == "quiet probe-control exit-after=5");
}
