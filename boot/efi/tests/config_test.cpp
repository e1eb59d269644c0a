// paravane.cfg parsing: the lines scripts/run writes, what people type by
// hand (comments, CR LF, tabs) and each mistake's message.
#include "boot/efi/config.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace pv;
using namespace pv::efi;

namespace {

struct Parsed {
    bool ok;
    LoaderConfig config;
    ConfigError error;
};

Parsed parse(const std::string& text) {
    static Parsed result; // ~20 KiB: not on the stack
    result.ok = parse_config(StringView(text.data(), text.size()), result.config, result.error);
    return result;
}

} // namespace

TEST_CASE("efi config: hypervisor and modules with their command lines", "[efi][config]") {
    const Parsed& p = parse("# written by scripts/run --efi\n"
                            "hypervisor paravane console=com1 test-exit\n"
                            "module minios-dom0 dom0\n"
                            "module boot-check.module boot-check module-arg=1\n");
    REQUIRE(p.ok);
    CHECK(p.config.has_hypervisor);
    CHECK(std::string(p.config.hypervisor.path) == "paravane");
    CHECK(std::string(p.config.hypervisor.cmdline) == "console=com1 test-exit");
    CHECK(p.config.hypervisor.line == 2);
    REQUIRE(p.config.module_count == 2);
    CHECK(std::string(p.config.modules[0].path) == "minios-dom0");
    CHECK(std::string(p.config.modules[0].cmdline) == "dom0");
    CHECK(std::string(p.config.modules[1].path) == "boot-check.module");
    CHECK(std::string(p.config.modules[1].cmdline) == "boot-check module-arg=1");
    CHECK(p.config.modules[1].line == 4);
}

TEST_CASE("efi config: blanks, tabs, CR LF, comments, no final newline", "[efi][config]") {
    const Parsed& p = parse("\r\n  # comment\r\n\tmodule \\boot\\dom0.elf\t  root=x   quiet  \r\n"
                            "hypervisor   /EFI/pv/paravane\r\n\nmodule initrd");
    REQUIRE(p.ok);
    CHECK(std::string(p.config.hypervisor.path) == "/EFI/pv/paravane");
    CHECK(std::string(p.config.hypervisor.cmdline).empty());
    REQUIRE(p.config.module_count == 2);
    CHECK(std::string(p.config.modules[0].path) == "\\boot\\dom0.elf");
    CHECK(std::string(p.config.modules[0].cmdline) == "root=x   quiet"); // inner spacing kept
    CHECK(std::string(p.config.modules[1].path) == "initrd");
    CHECK(std::string(p.config.modules[1].cmdline).empty());
}

TEST_CASE("efi config: mistakes say which line and what", "[efi][config]") {
    struct Case {
        const char* text;
        unsigned line;
        const char* message;
    };
    const Case cases[] = {
        {"hypervisor paravane\nbogus x\n", 2,
         "unknown keyword 'bogus' (expected 'hypervisor' or 'module')"},
        {"hypervisor\n", 1, "'hypervisor' needs a file name"},
        {"hypervisor paravane\nmodule   \n", 2, "'module' needs a file name"},
        {"hypervisor a\n\nhypervisor b\n", 3, "a second 'hypervisor' line (the first is line 1)"},
        {"module dom0\n", 0, "no 'hypervisor' line"},
        {"", 0, "no 'hypervisor' line"},
        {"hypervisor pa\x01ravane\n", 1,
         "file name 'pa\x01ravane' has a character outside printable ASCII"},
    };
    for (const Case& c : cases) {
        INFO(c.text);
        const Parsed& p = parse(c.text);
        CHECK_FALSE(p.ok);
        CHECK(p.error.line == c.line);
        CHECK(std::string(p.error.message) == c.message);
    }
}

TEST_CASE("efi config: limits", "[efi][config]") {
    std::string text = "hypervisor paravane\n";
    for (size_t i = 0; i < LoaderConfig::k_max_modules; ++i)
        text += "module m" + std::to_string(i) + "\n";
    CHECK(parse(text).ok);
    const Parsed& many = parse(text + "module one-too-many\n");
    CHECK_FALSE(many.ok);
    CHECK(many.error.line == 18);
    CHECK(std::string(many.error.message) == "more than 16 modules");

    CHECK(parse("hypervisor p " + std::string(BootInfo::k_max_cmdline - 1, 'x')).ok);
    const Parsed& long_line = parse("hypervisor p " + std::string(BootInfo::k_max_cmdline, 'x'));
    CHECK_FALSE(long_line.ok);
    CHECK(std::string(long_line.error.message) == "command line longer than 1023 characters");

    CHECK(parse("hypervisor p\nmodule m " + std::string(255, 'x')).ok);
    const Parsed& long_module = parse("hypervisor p\nmodule m " + std::string(256, 'x'));
    CHECK_FALSE(long_module.ok);
    CHECK(std::string(long_module.error.message) == "command line longer than 255 characters");

    const Parsed& long_path = parse("hypervisor " + std::string(256, 'p'));
    CHECK_FALSE(long_path.ok);
    CHECK(std::string(long_path.error.message) == "file name longer than 255 characters");

    const Parsed& binary = parse(std::string("hypervisor p\n\x7f"
                                             "ELF\0\0\0",
                                             19));
    CHECK_FALSE(binary.ok);
    CHECK(binary.error.line == 2);

    const Parsed& huge = parse("hypervisor p\n#" + std::string(LoaderConfig::k_max_size, '#'));
    CHECK_FALSE(huge.ok);
    CHECK(std::string(huge.error.message) == "larger than 65536 bytes");
}
