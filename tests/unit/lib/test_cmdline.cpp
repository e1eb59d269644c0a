#include "lib/cmdline.hpp"

// Named before <catch2/catch.hpp>, whose <cerrno> defines EINVAL as a macro.
namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
}

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using pv::ApicTimerChoice;
using pv::ConsoleDevice;
using pv::ConsoleSet;
using pv::HypervisorOptions;
using pv::LogLevel;
using pv::TestFault;

namespace {

class Collect final : public pv::CmdlineDiagnostics {
public:
    void report(pv::StringView message) override {
        messages.emplace_back(message.data(), message.size());
    }
    std::vector<std::string> messages;
};

struct Parsed {
    HypervisorOptions options;
    std::vector<std::string> messages;
    bool ok;
};

Parsed parse(const char* cmdline) {
    Parsed p{};
    Collect diag;
    const pv::Status status = pv::parse_cmdline(cmdline, p.options, diag);
    p.messages = diag.messages;
    p.ok = status.is_ok();
    // The status and the reports must agree.
    CHECK(p.ok == p.messages.empty());
    if (!p.ok) CHECK(status.error() == k_einval);
    return p;
}

// Parses one bad word and checks the message and that nothing changed.
void check_rejected(const char* cmdline, const std::string& message) {
    INFO(cmdline);
    const Parsed p = parse(cmdline);
    CHECK_FALSE(p.ok);
    REQUIRE(p.messages.size() == 1);
    CHECK(p.messages[0] == message);
    const HypervisorOptions defaults;
    CHECK(p.options.console == defaults.console);
    CHECK(p.options.loglvl == defaults.loglvl);
    CHECK(p.options.maxcpus == defaults.maxcpus);
    CHECK(p.options.dom0_mem_bytes == defaults.dom0_mem_bytes);
    CHECK(p.options.test_exit == defaults.test_exit);
    CHECK(p.options.test_fault == defaults.test_fault);
    CHECK(p.options.test_timer == defaults.test_timer);
    CHECK(p.options.test_hvm == defaults.test_hvm);
    CHECK(p.options.apic_timer == defaults.apic_timer);
}

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
constexpr uint64_t GiB = 1024 * MiB;
constexpr uint64_t TiB = 1024 * GiB;

} // namespace

TEST_CASE("cmdline: defaults", "[cmdline]") {
    const HypervisorOptions o;
    CHECK(o.console == ConsoleSet::of(ConsoleDevice::com1));
    CHECK(o.loglvl == LogLevel::info);
    CHECK(o.maxcpus == 0);
    CHECK(o.dom0_mem_bytes == 0);
    CHECK_FALSE(o.test_exit);
    CHECK(o.test_fault == TestFault::none);
    CHECK_FALSE(o.test_timer);
    CHECK_FALSE(o.test_hvm);
    CHECK(o.apic_timer == ApicTimerChoice::automatic);

    for (const char* empty : {"", "   ", "\t\n"}) {
        const Parsed p = parse(empty);
        CHECK(p.ok);
        CHECK(p.options.console == o.console);
    }
}

TEST_CASE("cmdline: ConsoleSet", "[cmdline]") {
    const ConsoleSet set = ConsoleSet::of(ConsoleDevice::com2).with(ConsoleDevice::e9);
    CHECK(set.has(ConsoleDevice::com2));
    CHECK(set.has(ConsoleDevice::e9));
    CHECK_FALSE(set.has(ConsoleDevice::com1));
    CHECK(ConsoleSet::none().empty());
    CHECK_FALSE(set.empty());
}

TEST_CASE("cmdline: console", "[cmdline]") {
    CHECK(parse("console=com2").options.console == ConsoleSet::of(ConsoleDevice::com2));
    CHECK(parse("console=e9").options.console == ConsoleSet::of(ConsoleDevice::e9));
    CHECK(parse("console=com1,e9").options.console ==
          ConsoleSet::of(ConsoleDevice::com1).with(ConsoleDevice::e9));
    CHECK(parse("console=com1,com2,e9").options.console.bits() == 0b111);
    CHECK(parse("console=e9,e9").options.console == ConsoleSet::of(ConsoleDevice::e9));
    const Parsed none = parse("console=none");
    CHECK(none.ok);
    CHECK(none.options.console.empty());

    check_rejected("console=vga", "bad value 'vga' for 'console'");
    check_rejected("console=com1,vga", "bad value 'com1,vga' for 'console'");
    check_rejected("console=com1,", "bad value 'com1,' for 'console'");
    check_rejected("console=,com1", "bad value ',com1' for 'console'");
    check_rejected("console=none,com1", "bad value 'none,com1' for 'console'");
    check_rejected("console=COM1", "bad value 'COM1' for 'console'");
    check_rejected("console=", "missing value for 'console'");
    check_rejected("console", "missing value for 'console'");
}

TEST_CASE("cmdline: loglvl", "[cmdline]") {
    CHECK(parse("loglvl=error").options.loglvl == LogLevel::error);
    CHECK(parse("loglvl=warning").options.loglvl == LogLevel::warning);
    CHECK(parse("loglvl=info").options.loglvl == LogLevel::info);
    CHECK(parse("loglvl=debug").options.loglvl == LogLevel::debug);
    CHECK(parse("loglvl=all").options.loglvl == LogLevel::debug);
    check_rejected("loglvl=verbose", "bad value 'verbose' for 'loglvl'");
    check_rejected("loglvl=3", "bad value '3' for 'loglvl'");
    check_rejected("loglvl=", "missing value for 'loglvl'");
}

TEST_CASE("cmdline: maxcpus", "[cmdline]") {
    CHECK(parse("maxcpus=1").options.maxcpus == 1);
    CHECK(parse("maxcpus=64").options.maxcpus == 64);
    CHECK(parse("maxcpus=0x10").options.maxcpus == 16);
    CHECK(parse("maxcpus=4294967295").options.maxcpus == 4294967295u);
    check_rejected("maxcpus=0", "bad value '0' for 'maxcpus'");
    check_rejected("maxcpus=4294967296", "bad value '4294967296' for 'maxcpus'");
    check_rejected("maxcpus=99999999999999999999999",
                   "bad value '99999999999999999999999' for 'maxcpus'");
    check_rejected("maxcpus=abc", "bad value 'abc' for 'maxcpus'");
    check_rejected("maxcpus=4x", "bad value '4x' for 'maxcpus'");
    check_rejected("maxcpus=-1", "bad value '-1' for 'maxcpus'");
    check_rejected("maxcpus=+2", "bad value '+2' for 'maxcpus'");
    check_rejected("maxcpus=0x", "bad value '0x' for 'maxcpus'");
    check_rejected("maxcpus=", "missing value for 'maxcpus'");
    check_rejected("maxcpus", "missing value for 'maxcpus'");
}

TEST_CASE("cmdline: dom0_mem", "[cmdline]") {
    CHECK(parse("dom0_mem=512M").options.dom0_mem_bytes == 512 * MiB);
    CHECK(parse("dom0_mem=512m").options.dom0_mem_bytes == 512 * MiB);
    CHECK(parse("dom0_mem=2G").options.dom0_mem_bytes == 2 * GiB);
    CHECK(parse("dom0_mem=2g").options.dom0_mem_bytes == 2 * GiB);
    CHECK(parse("dom0_mem=1T").options.dom0_mem_bytes == TiB);
    CHECK(parse("dom0_mem=4096K").options.dom0_mem_bytes == 4 * MiB);
    CHECK(parse("dom0_mem=4096k").options.dom0_mem_bytes == 4 * MiB);
    CHECK(parse("dom0_mem=65536").options.dom0_mem_bytes == 64 * MiB); // bare number: KiB
    CHECK(parse("dom0_mem=0x100M").options.dom0_mem_bytes == 256 * MiB);
    CHECK(parse("dom0-mem=1G").options.dom0_mem_bytes == GiB); // '-' for '_'
    // The largest size that still fits: 2^24 - 1 TiB.
    CHECK(parse("dom0_mem=16777215T").options.dom0_mem_bytes == 16777215 * TiB);

    check_rejected("dom0_mem=0", "bad value '0' for 'dom0_mem'");
    check_rejected("dom0_mem=0M", "bad value '0M' for 'dom0_mem'");
    check_rejected("dom0_mem=16777216T", "bad value '16777216T' for 'dom0_mem'");
    check_rejected("dom0_mem=18014398509481984", "bad value '18014398509481984' for 'dom0_mem'");
    check_rejected("dom0_mem=99999999999999999999G",
                   "bad value '99999999999999999999G' for 'dom0_mem'");
    check_rejected("dom0_mem=M", "bad value 'M' for 'dom0_mem'");
    check_rejected("dom0_mem=512MB", "bad value '512MB' for 'dom0_mem'");
    check_rejected("dom0_mem=512P", "bad value '512P' for 'dom0_mem'");
    check_rejected("dom0_mem=1.5G", "bad value '1.5G' for 'dom0_mem'");
    check_rejected("dom0_mem=max:512M", "bad value 'max:512M' for 'dom0_mem'");
    check_rejected("dom0_mem=", "missing value for 'dom0_mem'");
}

TEST_CASE("cmdline: boolean flags", "[cmdline]") {
    CHECK(parse("test-exit").options.test_exit);
    CHECK(parse("test_exit").options.test_exit);
    CHECK(parse("test-timer").options.test_timer);
    CHECK_FALSE(parse("test-exit").options.test_timer);
    CHECK(parse("test-hvm").options.test_hvm);
    CHECK(parse("test_hvm").options.test_hvm);
    CHECK_FALSE(parse("test-hvm no-test-hvm").options.test_hvm);
    CHECK(parse("test-svm").options.test_hvm); // the old name
    CHECK(parse("test_svm").options.test_hvm);
    CHECK_FALSE(parse("test-svm no-test-hvm").options.test_hvm);
    CHECK_FALSE(parse("test-exit no-test-exit").options.test_exit);
    CHECK(parse("no-test-exit test-exit").options.test_exit);
    for (const char* on : {"1", "yes", "true", "on", "enable"}) {
        INFO(on);
        CHECK(parse((std::string("test-timer=") + on).c_str()).options.test_timer);
    }
    for (const char* off : {"0", "no", "false", "off", "disable"}) {
        INFO(off);
        CHECK_FALSE(
            parse((std::string("test-timer test-timer=") + off).c_str()).options.test_timer);
    }
    check_rejected("test-exit=maybe", "bad value 'maybe' for 'test-exit'");
    check_rejected("test-hvm=vmx", "bad value 'vmx' for 'test-hvm'");
    check_rejected("test-svm=2", "bad value '2' for 'test-svm'");
    check_rejected("test-exit=", "bad value '' for 'test-exit'");
    check_rejected("no-test-exit=1", "option 'no-test-exit' takes no value");
    check_rejected("no-maxcpus", "option 'maxcpus' is not a boolean");
}

TEST_CASE("cmdline: test-fault", "[cmdline]") {
    CHECK(parse("test-fault=pf").options.test_fault == TestFault::page_fault);
    CHECK(parse("test-fault=gp").options.test_fault == TestFault::general_protection);
    CHECK(parse("test-fault=ud").options.test_fault == TestFault::invalid_opcode);
    CHECK(parse("test-fault=de").options.test_fault == TestFault::divide_error);
    CHECK(parse("test-fault=df").options.test_fault == TestFault::double_fault);
    CHECK(parse("test-fault=pf test-fault=none").options.test_fault == TestFault::none);
    check_rejected("test-fault=nmi", "bad value 'nmi' for 'test-fault'");
    check_rejected("test-fault=PF", "bad value 'PF' for 'test-fault'");
    check_rejected("test-fault", "missing value for 'test-fault'");
}

TEST_CASE("cmdline: apic-timer", "[cmdline]") {
    CHECK(parse("apic-timer=oneshot").options.apic_timer == ApicTimerChoice::one_shot);
    CHECK(parse("apic-timer=one-shot").options.apic_timer == ApicTimerChoice::one_shot);
    CHECK(parse("apic_timer=tsc-deadline").options.apic_timer == ApicTimerChoice::tsc_deadline);
    CHECK(parse("apic-timer=oneshot apic-timer=auto").options.apic_timer ==
          ApicTimerChoice::automatic);
    check_rejected("apic-timer=periodic", "bad value 'periodic' for 'apic-timer'");
    check_rejected("apic-timer=tsc_deadline", "bad value 'tsc_deadline' for 'apic-timer'");
    check_rejected("apic-timer", "missing value for 'apic-timer'");
    check_rejected("no-apic-timer", "option 'apic-timer' is not a boolean");
}

TEST_CASE("cmdline: unknown options", "[cmdline]") {
    check_rejected("xyz", "unknown option 'xyz'");
    check_rejected("xyz=1", "unknown option 'xyz'");
    check_rejected("no-xyz", "unknown option 'no-xyz'");
    check_rejected("=5", "unknown option ''");
    check_rejected("Console=com2", "unknown option 'Console'"); // names are case-sensitive
    check_rejected("test-exitx", "unknown option 'test-exitx'");
}

TEST_CASE("cmdline: a realistic line", "[cmdline]") {
    const Parsed p = parse("/boot/paravane console=com1,e9 loglvl=all maxcpus=2 dom0_mem=512M "
                           "test-exit test-fault=gp test-timer");
    CHECK(p.ok);
    CHECK(p.options.console == ConsoleSet::of(ConsoleDevice::com1).with(ConsoleDevice::e9));
    CHECK(p.options.loglvl == LogLevel::debug);
    CHECK(p.options.maxcpus == 2);
    CHECK(p.options.dom0_mem_bytes == 512 * MiB);
    CHECK(p.options.test_exit);
    CHECK(p.options.test_fault == TestFault::general_protection);
    CHECK(p.options.test_timer);
}

TEST_CASE("cmdline: leading image path", "[cmdline]") {
    SECTION("the first word, if it starts with '/', is skipped") {
        const Parsed p = parse("/boot/paravane console=com2");
        CHECK(p.ok);
        CHECK(p.options.console == ConsoleSet::of(ConsoleDevice::com2));
    }
    SECTION("also after leading whitespace, and alone") {
        CHECK(parse("   /boot/paravane").ok);
        CHECK(parse("/paravane.gz\tmaxcpus=3").options.maxcpus == 3);
    }
    SECTION("only the first word") {
        const Parsed p = parse("maxcpus=1 /boot/paravane");
        REQUIRE(p.messages.size() == 1);
        CHECK(p.messages[0] == "unknown option '/boot/paravane'");
        CHECK(p.options.maxcpus == 1);
    }
    SECTION("a first word without '/' is an option") {
        const Parsed p = parse("paravane maxcpus=2");
        REQUIRE(p.messages.size() == 1);
        CHECK(p.messages[0] == "unknown option 'paravane'");
        CHECK(p.options.maxcpus == 2);
    }
}

TEST_CASE("cmdline: repeated options, last one wins", "[cmdline]") {
    const Parsed p = parse("maxcpus=1 loglvl=debug maxcpus=4 console=com2 loglvl=error "
                           "console=e9 dom0_mem=1G dom0_mem=256M");
    CHECK(p.ok);
    CHECK(p.options.maxcpus == 4);
    CHECK(p.options.loglvl == LogLevel::error);
    CHECK(p.options.console == ConsoleSet::of(ConsoleDevice::e9)); // not merged
    CHECK(p.options.dom0_mem_bytes == 256 * MiB);
}

TEST_CASE("cmdline: parsing continues past errors", "[cmdline]") {
    const Parsed p = parse("bogus maxcpus=zz loglvl=debug maxcpus=3 dom0_mem=0 "
                           "console=e9 test-fault=xx test-exit");
    CHECK_FALSE(p.ok);
    REQUIRE(p.messages.size() == 4);
    CHECK(p.messages[0] == "unknown option 'bogus'");
    CHECK(p.messages[1] == "bad value 'zz' for 'maxcpus'");
    CHECK(p.messages[2] == "bad value '0' for 'dom0_mem'");
    CHECK(p.messages[3] == "bad value 'xx' for 'test-fault'");
    CHECK(p.options.loglvl == LogLevel::debug);
    CHECK(p.options.maxcpus == 3);
    CHECK(p.options.dom0_mem_bytes == 0);
    CHECK(p.options.console == ConsoleSet::of(ConsoleDevice::e9));
    CHECK(p.options.test_fault == TestFault::none);
    CHECK(p.options.test_exit);
}

TEST_CASE("cmdline: a bad value keeps the earlier good one", "[cmdline]") {
    const Parsed p = parse("maxcpus=8 maxcpus=0 console=com2 console=vga");
    CHECK_FALSE(p.ok);
    CHECK(p.options.maxcpus == 8);
    CHECK(p.options.console == ConsoleSet::of(ConsoleDevice::com2));
}

TEST_CASE("cmdline: whitespace of any kind separates words", "[cmdline]") {
    const Parsed p = parse("  maxcpus=2\t\ttest-exit\r\nloglvl=warning  ");
    CHECK(p.ok);
    CHECK(p.options.maxcpus == 2);
    CHECK(p.options.test_exit);
    CHECK(p.options.loglvl == LogLevel::warning);
}

TEST_CASE("cmdline: a very long bad word is reported, truncated", "[cmdline]") {
    const std::string word(1000, 'q');
    const Parsed p = parse(word.c_str());
    REQUIRE(p.messages.size() == 1);
    CHECK(p.messages[0].rfind("unknown option 'qqq", 0) == 0);
    CHECK(p.messages[0].size() < 200);
}

TEST_CASE("cmdline: reads only the given view", "[cmdline]") {
    const char text[] = "maxcpus=2 maxcpus=5";
    HypervisorOptions o;
    Collect diag;
    CHECK(pv::parse_cmdline(pv::StringView(text, 9), o, diag).is_ok());
    CHECK(o.maxcpus == 2);
}

TEST_CASE("cmdline: counters-at-exit", "[cmdline]") {
    CHECK_FALSE(HypervisorOptions().counters_at_exit);
    CHECK(parse("counters-at-exit").options.counters_at_exit);
    CHECK(parse("counters_at_exit").options.counters_at_exit);
    CHECK(parse("counters-at-exit=on").options.counters_at_exit);
    CHECK_FALSE(parse("counters-at-exit no-counters-at-exit").options.counters_at_exit);
    CHECK_FALSE(parse("counters-at-exit=0").options.counters_at_exit);
    CHECK_FALSE(parse("test-exit").options.counters_at_exit);
    check_rejected("counters-at-exit=2", "bad value '2' for 'counters-at-exit'");
    check_rejected("counters-at-exit=", "bad value '' for 'counters-at-exit'");
    check_rejected("no-counters-at-exit=1", "option 'no-counters-at-exit' takes no value");
    check_rejected("counters-at-exit=d0", "bad value 'd0' for 'counters-at-exit'");
}
