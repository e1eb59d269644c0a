// Multiboot 1 parser over synthetic loader structures.
#include "boot/multiboot/multiboot.hpp"

// The standard headers and Catch2 pull in <cerrno>, whose EINVAL/EFAULT
// macros would rewrite Errno::einval: name the values before including them.
namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
constexpr pv::Errno k_efault = pv::Errno::efault;
} // namespace

#include "fake_phys_memory.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pv;
using pv::test::FakePhysMemory;

namespace {

constexpr uint64_t k_mem_base = 0x10000;
constexpr size_t k_mem_size = 0x10000;
constexpr uint32_t k_info = 0x10000;
constexpr uint32_t k_strings = 0x11000;
constexpr uint32_t k_mods = 0x12000;
constexpr uint32_t k_mmap = 0x13000;

struct E820 {
    uint64_t base;
    uint64_t length;
    uint32_t type;
    uint32_t size = 20; // the entry's own size field
};

// Lays out a multiboot1 information structure in fake memory, field by
// field at the specification's offsets.
class Mb1Builder {
public:
    explicit Mb1Builder(FakePhysMemory& mem) : mem_(mem) {}

    Mb1Builder& memory(uint32_t lower_kib, uint32_t upper_kib) {
        flags_ |= mb1::k_info_memory;
        mem_.put32(k_info + 4, lower_kib);
        mem_.put32(k_info + 8, upper_kib);
        return *this;
    }
    Mb1Builder& cmdline(const std::string& s) {
        flags_ |= mb1::k_info_cmdline;
        mem_.put32(k_info + 16, string(s));
        return *this;
    }
    Mb1Builder& loader_name(const std::string& s) {
        flags_ |= mb1::k_info_loader_name;
        mem_.put32(k_info + 64, string(s));
        return *this;
    }
    Mb1Builder& module(uint32_t start, uint32_t end, const std::string& s) {
        return module_raw(start, end, string(s));
    }
    Mb1Builder& module_raw(uint32_t start, uint32_t end, uint32_t string_phys) {
        flags_ |= mb1::k_info_modules;
        const uint32_t at = k_mods + module_count_ * 16;
        mem_.put32(at, start);
        mem_.put32(at + 4, end);
        mem_.put32(at + 8, string_phys);
        mem_.put32(at + 12, 0);
        ++module_count_;
        mem_.put32(k_info + 20, module_count_);
        mem_.put32(k_info + 24, k_mods);
        return *this;
    }
    Mb1Builder& mmap(const std::vector<E820>& entries) {
        flags_ |= mb1::k_info_memory_map;
        uint32_t at = k_mmap;
        for (const E820& e : entries) {
            mem_.put32(at, e.size);
            mem_.put64(at + 4, e.base);
            mem_.put64(at + 12, e.length);
            mem_.put32(at + 20, e.type);
            at += 4 + e.size;
        }
        return mmap_raw(at - k_mmap);
    }
    Mb1Builder& mmap_raw(uint32_t length) {
        flags_ |= mb1::k_info_memory_map;
        mem_.put32(k_info + 44, length);
        mem_.put32(k_info + 48, k_mmap);
        return *this;
    }
    uint32_t build() {
        mem_.put32(k_info, flags_);
        return k_info;
    }
    uint32_t string(const std::string& s) {
        const uint32_t at = next_string_;
        mem_.put_string(at, s);
        next_string_ += static_cast<uint32_t>(s.size()) + 1;
        return at;
    }

private:
    FakePhysMemory& mem_;
    uint32_t flags_ = 0;
    uint32_t module_count_ = 0;
    uint32_t next_string_ = k_strings;
};

} // namespace

TEST_CASE("multiboot1: a complete information structure", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    const uint32_t info = Mb1Builder(mem)
                              .memory(639, 130048)
                              .cmdline("/boot/paravane console=com1 dom0_mem=512M")
                              .loader_name("GRUB 2.12")
                              .module(0x200000, 0x400000, "/boot/dom0.elf root=/dev/xvda")
                              .module(0x400000, 0x401000, "")
                              .mmap({{0x0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0x100000, 0x7ee0000, 1},
                                     {0x7fe0000, 0x20000, 3}, {0xfffc0000, 0x40000, 2}})
                              .build();
    BootInfo out;
    const char* reason = "stale";
    REQUIRE(parse_multiboot1(mem, info, out, &reason));
    CHECK(reason == nullptr);
    CHECK(out.protocol == BootProtocol::multiboot1);
    CHECK(std::string(out.cmdline) == "/boot/paravane console=com1 dom0_mem=512M");
    CHECK(std::string(out.loader_name) == "GRUB 2.12");
    REQUIRE(out.module_count == 2);
    CHECK(out.modules[0].start == 0x200000);
    CHECK(out.modules[0].end == 0x400000);
    CHECK(std::string(out.modules[0].cmdline) == "/boot/dom0.elf root=/dev/xvda");
    CHECK(std::string(out.modules[1].cmdline).empty());
    CHECK_FALSE(out.modules_truncated);
    REQUIRE(out.memory_count == 5); // the map wins over mem_lower/mem_upper
    CHECK(out.memory[2].base == 0x100000);
    CHECK(out.memory[2].length == 0x7ee0000);
    CHECK(out.memory[2].type == MemoryType::usable);
    CHECK(out.memory[1].type == MemoryType::reserved);
    CHECK(out.memory[3].type == MemoryType::acpi_reclaimable);
    CHECK_FALSE(out.memory_truncated);
    CHECK(out.rsdp_length == 0);
    CHECK(out.efi_system_table == 0);
}

TEST_CASE("multiboot1: parsing resets a previously used BootInfo", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    const uint32_t info = Mb1Builder(mem).memory(640, 1024).build();
    BootInfo out;
    out.cmdline[0] = 'x';
    out.module_count = 3;
    out.memory_count = 7;
    out.rsdp_length = 20;
    out.modules_truncated = true;
    REQUIRE(parse_multiboot1(mem, info, out));
    CHECK(out.cmdline[0] == '\0');
    CHECK(out.module_count == 0);
    CHECK(out.memory_count == 2);
    CHECK(out.rsdp_length == 0);
    CHECK_FALSE(out.modules_truncated);
}

TEST_CASE("multiboot1: without a memory map, mem_lower/mem_upper are used", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb1Builder builder(mem);
    builder.memory(639, 65536);
    SECTION("no map flag") {}
    SECTION("map flag with an empty map") { builder.mmap_raw(0); }
    BootInfo out;
    REQUIRE(parse_multiboot1(mem, builder.build(), out));
    REQUIRE(out.memory_count == 2);
    CHECK(out.memory[0].base == 0);
    CHECK(out.memory[0].length == 639 * 1024);
    CHECK(out.memory[0].type == MemoryType::usable);
    CHECK(out.memory[1].base == 0x100000);
    CHECK(out.memory[1].length == 65536ull * 1024);
    CHECK(out.memory[1].type == MemoryType::usable);
}

TEST_CASE("multiboot1: no memory information at all is an error", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    const uint32_t info = Mb1Builder(mem).cmdline("x").build();
    BootInfo out;
    const char* reason = nullptr;
    Status s = parse_multiboot1(mem, info, out, &reason);
    CHECK(s.error() == k_einval);
    REQUIRE(reason != nullptr);
    CHECK(std::string(reason).find("no memory") != std::string::npos);
}

TEST_CASE("multiboot1: a short structure is read only as far as its flags reach", "[boot][multiboot1]") {
    // Only 12 bytes readable: flags + mem_lower + mem_upper.
    FakePhysMemory mem(k_info, 12);
    mem.put32(k_info, mb1::k_info_memory);
    mem.put32(k_info + 4, 640);
    mem.put32(k_info + 8, 1024);
    BootInfo out;
    REQUIRE(parse_multiboot1(mem, k_info, out));
    CHECK(out.memory_count == 2);

    // The same memory, but a flag claims fields beyond it.
    mem.put32(k_info, mb1::k_info_memory | mb1::k_info_cmdline);
    const char* reason = nullptr;
    CHECK(parse_multiboot1(mem, k_info, out, &reason).error() == k_efault);
    CHECK(reason != nullptr);
}

TEST_CASE("multiboot1: unreadable information structure", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    BootInfo out;
    const char* reason = nullptr;
    CHECK(parse_multiboot1(mem, 0x1000, out, &reason).error() == k_efault);
    CHECK(std::string(reason) == "multiboot1 info unreadable");
}

TEST_CASE("multiboot1: memory map entries honour their size field", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    const uint32_t info = Mb1Builder(mem)
                              .mmap({{0x0, 0x9f000, 1, 20},
                                     {0x100000, 0x1000000, 1, 28}, // 8 bytes of vendor extension
                                     {0xe0000, 0x20000, 2, 21},    // odd size
                                     {0x2000000, 0x1000, 4, 20}})
                              .build();
    BootInfo out;
    REQUIRE(parse_multiboot1(mem, info, out));
    REQUIRE(out.memory_count == 4);
    CHECK(out.memory[1].base == 0x100000);
    CHECK(out.memory[1].length == 0x1000000);
    CHECK(out.memory[2].base == 0xe0000);
    CHECK(out.memory[2].type == MemoryType::reserved);
    CHECK(out.memory[3].base == 0x2000000);
    CHECK(out.memory[3].type == MemoryType::acpi_nvs);
}

TEST_CASE("multiboot1: unknown memory types become reserved", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    const uint32_t info = Mb1Builder(mem).mmap({{0x0, 0x1000, 5}, {0x1000, 0x1000, 12}, {0x2000, 0x1000, 0}}).build();
    BootInfo out;
    REQUIRE(parse_multiboot1(mem, info, out));
    REQUIRE(out.memory_count == 3);
    CHECK(out.memory[0].type == MemoryType::bad);
    CHECK(out.memory[1].type == MemoryType::reserved);
    CHECK(out.memory[2].type == MemoryType::reserved);
}

TEST_CASE("multiboot1: malformed memory maps are rejected", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb1Builder builder(mem);
    builder.memory(640, 1024);
    std::string expected;
    SECTION("entry size below 20") {
        builder.mmap({{0x0, 0x1000, 1}, {0x1000, 0x1000, 1, 16}});
        expected = "smaller than 20";
    }
    SECTION("entry size 0 (would loop forever if trusted)") {
        builder.mmap({{0x0, 0x1000, 1, 0}});
        expected = "smaller than 20";
    }
    SECTION("last entry runs past mmap_length") {
        builder.mmap({{0x0, 0x1000, 1}, {0x1000, 0x1000, 1}});
        builder.mmap_raw(24 + 20);
        expected = "past mmap_length";
    }
    SECTION("mmap_length leaves a fragment too short for a size field") {
        builder.mmap({{0x0, 0x1000, 1}});
        builder.mmap_raw(24 + 2);
        expected = "cuts";
    }
    SECTION("huge size field") {
        builder.mmap({{0x0, 0x1000, 1, 0xffffffff}});
        builder.mmap_raw(24);
        expected = "past mmap_length";
    }
    SECTION("mmap_length absurdly large") {
        builder.mmap_raw(0x80000000u);
        expected = "too large";
    }
    BootInfo out;
    const char* reason = nullptr;
    CHECK(parse_multiboot1(mem, builder.build(), out, &reason).error() == k_einval);
    REQUIRE(reason != nullptr);
    CHECK(std::string(reason).find(expected) != std::string::npos);
}

TEST_CASE("multiboot1: memory map beyond readable memory", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb1Builder builder(mem);
    builder.mmap({{0x0, 0x1000, 1}});
    mem.put32(k_info + 48, 0x30000); // mmap_addr outside the window
    BootInfo out;
    CHECK(parse_multiboot1(mem, builder.build(), out).error() == k_efault);
}

TEST_CASE("multiboot1: module problems", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb1Builder builder(mem);
    builder.memory(640, 1024);
    BootInfo out;
    const char* reason = nullptr;

    SECTION("string unreadable") {
        builder.module_raw(0x200000, 0x300000, 0x50000);
        CHECK(parse_multiboot1(mem, builder.build(), out, &reason).error() == k_efault);
        CHECK(std::string(reason) == "multiboot1 module string unreadable");
    }
    SECTION("string runs into unreadable memory before its terminator") {
        mem.put_bytes(k_mem_base + k_mem_size - 4, "abcd", 4); // no NUL before the end
        builder.module_raw(0x200000, 0x300000, static_cast<uint32_t>(k_mem_base + k_mem_size - 4));
        CHECK(parse_multiboot1(mem, builder.build(), out, &reason).error() == k_efault);
    }
    SECTION("string pointer 0 means no string") {
        builder.module_raw(0x200000, 0x300000, 0);
        REQUIRE(parse_multiboot1(mem, builder.build(), out, &reason));
        CHECK(out.module_count == 1);
        CHECK(out.modules[0].cmdline[0] == '\0');
    }
    SECTION("end before start") {
        builder.module(0x300000, 0x200000, "m");
        CHECK(parse_multiboot1(mem, builder.build(), out, &reason).error() == k_einval);
        CHECK(std::string(reason).find("ends before") != std::string::npos);
    }
    SECTION("module list unreadable") {
        builder.module(0x200000, 0x300000, "m");
        mem.put32(k_info + 24, 0xfffffff0u);
        CHECK(parse_multiboot1(mem, builder.build(), out, &reason).error() == k_efault);
    }
}

TEST_CASE("multiboot1: too many modules or ranges are truncated, not rejected", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb1Builder builder(mem);
    for (uint32_t i = 0; i < BootInfo::k_max_modules + 4; ++i)
        builder.module(0x200000 + i * 0x1000, 0x201000 + i * 0x1000, "mod" + std::to_string(i));
    std::vector<E820> map;
    for (uint64_t i = 0; i < BootInfo::k_max_memory_ranges + 10; ++i) map.push_back({i * 0x2000, 0x1000, 1});
    builder.mmap(map);
    BootInfo out;
    REQUIRE(parse_multiboot1(mem, builder.build(), out));
    CHECK(out.module_count == BootInfo::k_max_modules);
    CHECK(out.modules_truncated);
    CHECK(std::string(out.modules[BootInfo::k_max_modules - 1].cmdline) == "mod15");
    CHECK(out.memory_count == BootInfo::k_max_memory_ranges);
    CHECK(out.memory_truncated);
    CHECK(out.memory[BootInfo::k_max_memory_ranges - 1].base == (BootInfo::k_max_memory_ranges - 1) * 0x2000);
}

TEST_CASE("multiboot1: a huge mods_count reads only what fits", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb1Builder builder(mem);
    builder.memory(640, 1024);
    for (uint32_t i = 0; i < BootInfo::k_max_modules; ++i) builder.module(0x200000, 0x201000, "m");
    mem.put32(k_info + 20, 0xffffffffu);
    BootInfo out;
    REQUIRE(parse_multiboot1(mem, builder.build(), out));
    CHECK(out.module_count == BootInfo::k_max_modules);
    CHECK(out.modules_truncated);
    CHECK(mem.reads < 1000);
}

TEST_CASE("multiboot1: long strings are truncated and terminated", "[boot][multiboot1]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    const std::string long_cmdline(3000, 'c');
    const std::string long_name(200, 'n');
    const std::string long_module(400, 'm');
    const uint32_t info = Mb1Builder(mem)
                              .memory(640, 1024)
                              .cmdline(long_cmdline)
                              .loader_name(long_name)
                              .module(0x200000, 0x300000, long_module)
                              .build();
    BootInfo out;
    REQUIRE(parse_multiboot1(mem, info, out));
    CHECK(std::string(out.cmdline) == long_cmdline.substr(0, BootInfo::k_max_cmdline - 1));
    CHECK(std::string(out.loader_name) == long_name.substr(0, sizeof(out.loader_name) - 1));
    CHECK(std::string(out.modules[0].cmdline) == long_module.substr(0, sizeof(out.modules[0].cmdline) - 1));
}

TEST_CASE("read_string: bounds, truncation and faults", "[boot]") {
    FakePhysMemory mem(0x1000, 0x100);
    mem.put_string(0x1000, "hello");
    char buf[8];
    REQUIRE(read_string(mem, 0x1000, 100, buf, sizeof(buf)));
    CHECK(std::string(buf) == "hello");
    REQUIRE(read_string(mem, 0x1000, 3, buf, sizeof(buf)));
    CHECK(std::string(buf) == "hel");
    REQUIRE(read_string(mem, 0x1000, 100, buf, 4));
    CHECK(std::string(buf) == "hel");
    REQUIRE(read_string(mem, 0x1000, 0, buf, sizeof(buf)));
    CHECK(std::string(buf).empty());
    mem.put_bytes(0x10fe, "ab", 2); // unterminated at the end of memory
    CHECK(read_string(mem, 0x10fe, 100, buf, sizeof(buf)).error() == k_efault);
    CHECK(buf[0] == '\0');
    CHECK(read_string(mem, 0x10fe, 2, buf, sizeof(buf))); // bounded: never reads the missing byte
    CHECK(std::string(buf) == "ab");
    CHECK(read_string(mem, 0x1000, 100, buf, 0).error() == k_einval);
}
