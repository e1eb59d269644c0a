// The loader's multiboot2 information read back with the hypervisor's own
// parser: the EFI path must produce the BootInfo that GRUB's does.
#include "boot/efi/info_builder.hpp"
#include "boot/multiboot/multiboot.hpp"

#include "tests/unit/boot/fake_phys_memory.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace pv;
using namespace pv::efi;
using pv::test::FakePhysMemory;

namespace {

constexpr uint64_t k_info = 0x3e000000;
constexpr size_t k_size = 0x4000;

uint8_t rsdp_v2[36] = {'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ', 0, 'B', 'O', 'C', 'H', 'S', ' ', 2};

} // namespace

TEST_CASE("efi info: parse_multiboot2 reads back everything the loader writes", "[efi][info]") {
    FakePhysMemory mem(k_info, k_size);
    InfoBuilder info(mem.at(k_info), k_size);
    REQUIRE(info.add_string(mb2::k_tag_cmdline, "console=com1 test-exit"));
    REQUIRE(info.add_string(mb2::k_tag_loader_name, "Paravane EFI loader"));
    REQUIRE(info.add_module(0x3df06000, 0x3df4f838, "dom0"));
    REQUIRE(info.add_module(0x3e527000, 0x3e5270b0, "boot-check module-arg=1"));
    REQUIRE(info.add_module(0x3e600000, 0x3e600000, "")); // an empty file
    REQUIRE(info.add_efi64_system_table(0x3f5eb018));
    REQUIRE(info.add_rsdp(mb2::k_tag_acpi_old, rsdp_v2, mb2::k_rsdp_v1_size));
    REQUIRE(info.add_rsdp(mb2::k_tag_acpi_new, rsdp_v2, mb2::k_rsdp_v2_size));
    REQUIRE(info.add_framebuffer({0x80000000, 5120, 1280, 800, 32, 16, 8, 8, 8, 0, 8}));
    const mb2::MmapEntry map[] = {
        {0x0, 0xa0000, 1, 0},
        {0x100000, 0x3f000000 - 0x100000, 1, 0},
        {0x3f000000, 0x800000, 4, 0},
        {0xffc00000, 0x400000, 2, 0},
    };
    REQUIRE(info.add_memory_map(map, 4));
    REQUIRE(info.finish());
    CHECK(info.size() % 8 == 0);

    static BootInfo out;
    const char* reason = nullptr;
    REQUIRE(parse_boot_info(mem, k_multiboot2_loader_magic, k_info, out, &reason));
    CHECK(out.protocol == BootProtocol::multiboot2);
    CHECK(std::string(out.loader_name) == "Paravane EFI loader");
    CHECK(std::string(out.cmdline) == "console=com1 test-exit");
    REQUIRE(out.module_count == 3);
    CHECK(out.modules[0].start == 0x3df06000);
    CHECK(out.modules[0].end == 0x3df4f838);
    CHECK(std::string(out.modules[0].cmdline) == "dom0");
    CHECK(std::string(out.modules[1].cmdline) == "boot-check module-arg=1");
    CHECK(out.modules[2].start == out.modules[2].end);
    CHECK(out.efi_system_table == 0x3f5eb018);
    CHECK(out.rsdp_length == 36);
    CHECK(out.rsdp[15] == 2);
    REQUIRE(out.memory_count == 4);
    CHECK(out.memory[1].base == 0x100000);
    CHECK(out.memory[1].type == MemoryType::usable);
    CHECK(out.memory[2].type == MemoryType::acpi_nvs);
    CHECK(out.memory[3].type == MemoryType::reserved);
}

TEST_CASE("efi info: a full buffer refuses tags and keeps room for the end tag", "[efi][info]") {
    FakePhysMemory mem(k_info, 64);
    InfoBuilder info(mem.at(k_info), 64);
    CHECK(info.add_string(mb2::k_tag_cmdline, std::string(30, 'x').c_str())); // 8 + 8 + 31 -> 48
    CHECK_FALSE(
        info.add_string(mb2::k_tag_loader_name, "x")); // would leave no room for the end tag
    CHECK(info.memory_map_room() == 0);
    const mb2::MmapEntry one{0, 0x1000, 1, 0};
    CHECK_FALSE(info.add_memory_map(&one, 1));
    CHECK(info.finish());
    CHECK(info.size() == 56);

    static BootInfo out;
    const char* reason = nullptr;
    // A valid structure, but without memory information the hypervisor refuses it.
    CHECK_FALSE(parse_boot_info(mem, k_multiboot2_loader_magic, k_info, out, &reason));
    CHECK(std::string(reason) == "multiboot2 loader gave no memory information");
    CHECK(std::string(out.cmdline) == std::string(30, 'x'));
}

TEST_CASE("efi info: memory map room counts whole entries", "[efi][info]") {
    FakePhysMemory mem(k_info, 0x1000);
    InfoBuilder info(mem.at(k_info), 0x1000);
    // header 8, mmap tag header 16, end tag 8
    CHECK(info.memory_map_room() == (0x1000 - 8 - 16 - 8) / 24);
}
