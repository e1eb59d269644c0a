#include "boot/multiboot/cmdline_cook.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

namespace {
pv::BootInfo boot_from(pv::BootProtocol protocol, const char* loader) {
    pv::BootInfo boot;
    boot.protocol = protocol;
    std::strncpy(boot.loader_name, loader, sizeof boot.loader_name - 1);
    return boot;
}
std::string cooked(const pv::BootInfo& boot, const char* text) {
    pv::StringView v = pv::cook_cmdline(boot, text);
    return std::string(v.data(), v.size());
}
} // namespace

TEST_CASE("QEMU's multiboot1 command lines lose the image name", "[boot]") {
    auto boot = boot_from(pv::BootProtocol::multiboot1, "qemu");
    CHECK(cooked(boot, "build/images/paravane loglvl=debug test-exit") == "loglvl=debug test-exit");
    CHECK(cooked(boot, "  /boot/minios-dom0   dom0-arg x=1") == "dom0-arg x=1");
    CHECK(cooked(boot, "/boot/only-a-name") == "");
    CHECK(cooked(boot, "") == "");
}

TEST_CASE("GRUB 2 and multiboot2 command lines are kept", "[boot]") {
    CHECK(cooked(boot_from(pv::BootProtocol::multiboot1, "GRUB 2.06-13+deb12u2"), "console=com1 x") == "console=com1 x");
    CHECK(cooked(boot_from(pv::BootProtocol::multiboot2, "GRUB 2.06"), " console=com1") == "console=com1");
    CHECK(cooked(boot_from(pv::BootProtocol::efi, ""), "a b") == "a b");
}
