// Multiboot2 parser and the magic dispatch, over synthetic loader structures.
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

constexpr uint64_t k_mem_base = 0x100000;
constexpr size_t k_mem_size = 0x20000;
constexpr uint64_t k_info = 0x100000;

using Bytes = std::vector<uint8_t>;

void append32(Bytes& b, uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void append64(Bytes& b, uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void append_string(Bytes& b, const std::string& s) {
    b.insert(b.end(), s.begin(), s.end());
    b.push_back(0);
}

struct Mb2Range {
    uint64_t base;
    uint64_t length;
    uint32_t type;
};

// Lays out a multiboot2 information structure in fake memory: tags are
// appended at 8-byte-aligned offsets (padding filled with 0xAA so that an
// over-read shows), finish() adds the end tag and writes total_size.
class Mb2Builder {
public:
    explicit Mb2Builder(FakePhysMemory& mem, uint64_t at = k_info) : mem_(mem), start_(at) {}

    // A tag with an explicit size field (which may lie, for the error tests).
    Mb2Builder& tag_with_size(uint32_t type, uint32_t size, const Bytes& payload) {
        mem_.put32(start_ + offset_, type);
        mem_.put32(start_ + offset_ + 4, size);
        if (!payload.empty()) mem_.put_bytes(start_ + offset_ + 8, payload.data(), payload.size());
        uint32_t advance = static_cast<uint32_t>(8 + payload.size());
        while (advance % 8) mem_.put8(start_ + offset_ + advance++, 0xAA);
        offset_ += advance;
        return *this;
    }
    Mb2Builder& tag(uint32_t type, const Bytes& payload) {
        return tag_with_size(type, static_cast<uint32_t>(8 + payload.size()), payload);
    }
    Mb2Builder& cmdline(const std::string& s) {
        Bytes b;
        append_string(b, s);
        return tag(1, b);
    }
    Mb2Builder& loader_name(const std::string& s) {
        Bytes b;
        append_string(b, s);
        return tag(2, b);
    }
    Mb2Builder& module(uint32_t start, uint32_t end, const std::string& s) {
        Bytes b;
        append32(b, start);
        append32(b, end);
        append_string(b, s);
        return tag(3, b);
    }
    Mb2Builder& basic_meminfo(uint32_t lower_kib, uint32_t upper_kib) {
        Bytes b;
        append32(b, lower_kib);
        append32(b, upper_kib);
        return tag(4, b);
    }
    Mb2Builder& mmap(const std::vector<Mb2Range>& ranges, uint32_t entry_size = 24, uint32_t version = 0) {
        Bytes b;
        append32(b, entry_size);
        append32(b, version);
        for (const Mb2Range& r : ranges) {
            const size_t first = b.size();
            append64(b, r.base);
            append64(b, r.length);
            append32(b, r.type);
            while (b.size() - first < entry_size) b.push_back(0xEE); // reserved + extensions
        }
        return tag(6, b);
    }
    Mb2Builder& efi64(uint64_t pointer) {
        Bytes b;
        append64(b, pointer);
        return tag(12, b);
    }
    Mb2Builder& efi32(uint32_t pointer) {
        Bytes b;
        append32(b, pointer);
        return tag(11, b);
    }
    Mb2Builder& rsdp(uint32_t type, size_t length, uint8_t fill) {
        return tag(type, Bytes(length, fill));
    }
    // Writes the end tag (unless told not to) and total_size.
    uint64_t finish(bool end_tag = true) {
        if (end_tag) tag(0, {});
        set_total_size(offset_);
        return start_;
    }
    void set_total_size(uint32_t total) {
        mem_.put32(start_, total);
        mem_.put32(start_ + 4, 0);
    }
    uint32_t offset() const { return offset_; }

private:
    FakePhysMemory& mem_;
    uint64_t start_;
    uint32_t offset_ = 8;
};

std::string reason_of(const char* reason) {
    return reason ? reason : "(none)";
}

} // namespace

TEST_CASE("multiboot2: a complete information structure", "[boot][multiboot2]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    const uint64_t info = Mb2Builder(mem)
                              .cmdline("console=com1 loglvl=all")
                              .loader_name("GRUB 2.12")
                              .tag(5, Bytes(12, 0x11)) // BIOS boot device: skipped
                              .module(0x1000000, 0x1800000, "/boot/dom0.elf console=hvc0")
                              .module(0x1800000, 0x1a00000, "initrd")
                              .basic_meminfo(639, 2096000)
                              .mmap({{0x0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0x100000, 0x7fee0000, 1},
                                     {0x7ffe0000, 0x20000, 4}, {0xfee00000, 0x1000, 2}})
                              .tag(99, Bytes(5, 0x33)) // unknown, odd size: realigned
                              .efi32(0x1234)
                              .efi64(0x7fe4a018)
                              .rsdp(15, 36, 0x5A)
                              .finish();
    BootInfo out;
    const char* reason = "stale";
    REQUIRE(parse_multiboot2(mem, info, out, &reason));
    CHECK(reason == nullptr);
    CHECK(out.protocol == BootProtocol::multiboot2);
    CHECK(std::string(out.cmdline) == "console=com1 loglvl=all");
    CHECK(std::string(out.loader_name) == "GRUB 2.12");
    REQUIRE(out.module_count == 2);
    CHECK(out.modules[0].start == 0x1000000);
    CHECK(out.modules[0].end == 0x1800000);
    CHECK(std::string(out.modules[0].cmdline) == "/boot/dom0.elf console=hvc0");
    CHECK(std::string(out.modules[1].cmdline) == "initrd");
    REQUIRE(out.memory_count == 5); // the map wins over basic meminfo
    CHECK(out.memory[2].base == 0x100000);
    CHECK(out.memory[2].length == 0x7fee0000);
    CHECK(out.memory[2].type == MemoryType::usable);
    CHECK(out.memory[3].type == MemoryType::acpi_nvs);
    CHECK(out.memory[4].type == MemoryType::reserved);
    CHECK(out.efi_system_table == 0x7fe4a018);
    REQUIRE(out.rsdp_length == 36);
    CHECK(out.rsdp[0] == 0x5A);
    CHECK(out.rsdp[35] == 0x5A);
    CHECK_FALSE(out.memory_truncated);
    CHECK_FALSE(out.modules_truncated);
}

TEST_CASE("multiboot2: without a memory map, basic meminfo is used", "[boot][multiboot2]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb2Builder builder(mem);
    builder.basic_meminfo(640, 31744);
    SECTION("no map tag") {}
    SECTION("an empty map tag") { builder.mmap({}); }
    BootInfo out;
    REQUIRE(parse_multiboot2(mem, builder.finish(), out));
    REQUIRE(out.memory_count == 2);
    CHECK(out.memory[0].base == 0);
    CHECK(out.memory[0].length == 640 * 1024);
    CHECK(out.memory[1].base == 0x100000);
    CHECK(out.memory[1].length == 31744ull * 1024);
}

TEST_CASE("multiboot2: no memory information at all is an error", "[boot][multiboot2]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    const uint64_t info = Mb2Builder(mem).cmdline("x").finish();
    BootInfo out;
    const char* reason = nullptr;
    CHECK(parse_multiboot2(mem, info, out, &reason).error() == k_einval);
    CHECK(reason_of(reason).find("no memory") != std::string::npos);
}

TEST_CASE("multiboot2: memory map entries honour entry_size", "[boot][multiboot2]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    const uint32_t entry_size = GENERATE(24u, 32u, 40u);
    const uint32_t version = GENERATE(0u, 1u);
    const uint64_t info = Mb2Builder(mem)
                              .mmap({{0x0, 0x9f000, 1}, {0x100000, 0x3ff00000, 1}, {0xe0000000, 0x10000000, 5}},
                                    entry_size, version)
                              .finish();
    BootInfo out;
    REQUIRE(parse_multiboot2(mem, info, out));
    REQUIRE(out.memory_count == 3);
    CHECK(out.memory[1].base == 0x100000);
    CHECK(out.memory[1].length == 0x3ff00000);
    CHECK(out.memory[2].base == 0xe0000000);
    CHECK(out.memory[2].type == MemoryType::bad);
}

TEST_CASE("multiboot2: malformed memory map tags", "[boot][multiboot2]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb2Builder builder(mem);
    builder.basic_meminfo(640, 1024);
    std::string expected;
    SECTION("entry_size below 24") {
        builder.mmap({{0, 0x1000, 1}}, 16);
        expected = "entry_size below 24";
    }
    SECTION("entry_size 0") {
        builder.mmap({}, 0);
        expected = "entry_size below 24";
    }
    SECTION("tag size not a multiple of entry_size") {
        Bytes b;
        append32(b, 24);
        append32(b, 0);
        b.resize(b.size() + 24 + 8, 0);
        builder.tag(6, b);
        expected = "multiple of entry_size";
    }
    SECTION("tag too small for its header") {
        builder.tag(6, Bytes(4, 0));
        expected = "tag too small";
    }
    BootInfo out;
    const char* reason = nullptr;
    CHECK(parse_multiboot2(mem, builder.finish(), out, &reason).error() == k_einval);
    CHECK(reason_of(reason).find(expected) != std::string::npos);
}

TEST_CASE("multiboot2: broken framing is rejected", "[boot][multiboot2]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb2Builder builder(mem);
    builder.basic_meminfo(640, 1024).cmdline("hello");
    uint64_t info = k_info;
    Errno expected_error = k_einval;
    std::string expected;

    SECTION("total_size beyond readable memory") {
        builder.finish();
        builder.set_total_size(static_cast<uint32_t>(k_mem_size + 8));
        expected_error = k_efault;
        expected = "beyond readable memory";
    }
    SECTION("a hole inside the structure") {
        builder.finish();
        mem.make_unreadable(k_info + 16, 8);
        expected_error = k_efault;
        expected = "unreadable";
    }
    SECTION("tag size below 8") {
        builder.tag_with_size(77, 4, {});
        builder.finish();
        expected = "smaller than 8";
    }
    SECTION("tag size 0 (would loop forever if trusted)") {
        builder.tag_with_size(77, 0, {});
        builder.finish();
        expected = "smaller than 8";
    }
    SECTION("tag running past total_size") {
        builder.tag_with_size(77, 0x1000, Bytes(8, 0));
        builder.finish();
        expected = "runs past total_size";
    }
    SECTION("end tag running past total_size") {
        builder.finish();
        builder.set_total_size(builder.offset() - 4);
        expected = "end tag";
    }
    SECTION("missing end tag") {
        builder.finish(false);
        expected = "without an end tag";
    }
    SECTION("missing end tag, last tag padding past total_size") {
        builder.tag(77, Bytes(3, 0));
        builder.finish(false);
        builder.set_total_size(builder.offset() - 5); // ends inside the last tag's padding
        expected = "without an end tag";
    }
    SECTION("huge total_size") {
        builder.finish();
        builder.set_total_size(0x7fffffff);
        expected = "implausibly large";
    }
    SECTION("total_size too small for header and end tag") {
        builder.finish();
        builder.set_total_size(8);
        expected = "too small";
    }
    SECTION("misaligned structure") {
        builder.finish();
        info = k_info + 4;
        expected = "aligned";
    }
    SECTION("structure outside memory") {
        info = 0x8000;
        expected_error = k_efault;
        expected = "unreadable";
    }
    BootInfo out;
    const char* reason = nullptr;
    const Status status = parse_multiboot2(mem, info, out, &reason);
    CHECK(status.error() == expected_error);
    CHECK(reason_of(reason).find(expected) != std::string::npos);
}

TEST_CASE("multiboot2: bytes after the end tag are ignored", "[boot][multiboot2]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb2Builder builder(mem);
    builder.basic_meminfo(640, 1024).finish();
    builder.tag_with_size(3, 4, {}); // garbage after the end tag
    builder.set_total_size(builder.offset());
    BootInfo out;
    REQUIRE(parse_multiboot2(mem, k_info, out));
    CHECK(out.module_count == 0);
}

TEST_CASE("multiboot2: the structure may end exactly at the end of readable memory", "[boot][multiboot2]") {
    FakePhysMemory mem(k_mem_base, 8 + 16 + 8);
    const uint64_t info = Mb2Builder(mem).basic_meminfo(640, 1024).finish();
    BootInfo out;
    REQUIRE(parse_multiboot2(mem, info, out));
    CHECK(out.memory_count == 2);
}

TEST_CASE("multiboot2: module strings", "[boot][multiboot2]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb2Builder builder(mem);
    builder.basic_meminfo(640, 1024);
    BootInfo out;
    const char* reason = nullptr;

    SECTION("unterminated string ends with its tag") {
        Bytes b;
        append32(b, 0x200000);
        append32(b, 0x300000);
        b.push_back('a');
        b.push_back('b');
        b.push_back('c'); // then 0xAA padding, which must not be read
        builder.tag(3, b);
        REQUIRE(parse_multiboot2(mem, builder.finish(), out, &reason));
        CHECK(std::string(out.modules[0].cmdline) == "abc");
    }
    SECTION("module tag without a string") {
        Bytes b;
        append32(b, 0x200000);
        append32(b, 0x300000);
        builder.tag(3, b);
        REQUIRE(parse_multiboot2(mem, builder.finish(), out, &reason));
        CHECK(out.module_count == 1);
        CHECK(out.modules[0].cmdline[0] == '\0');
    }
    SECTION("string unreadable") {
        builder.module(0x200000, 0x300000, "a rather long module command line");
        const uint64_t info = builder.finish();
        mem.make_unreadable(k_info + 8 + 16 + 16 + 10, 1); // inside the string
        CHECK(parse_multiboot2(mem, info, out, &reason).error() == k_efault);
        CHECK(reason_of(reason) == "multiboot2 module string unreadable");
    }
    SECTION("end before start") {
        builder.module(0x300000, 0x200000, "m");
        CHECK(parse_multiboot2(mem, builder.finish(), out, &reason).error() == k_einval);
    }
    SECTION("module tag too small") {
        builder.tag(3, Bytes(4, 0));
        CHECK(parse_multiboot2(mem, builder.finish(), out, &reason).error() == k_einval);
    }
    SECTION("long strings are truncated") {
        builder.module(0x200000, 0x300000, std::string(1000, 'm')).cmdline(std::string(2000, 'c'));
        REQUIRE(parse_multiboot2(mem, builder.finish(), out, &reason));
        CHECK(std::string(out.modules[0].cmdline) == std::string(255, 'm'));
        CHECK(std::string(out.cmdline) == std::string(BootInfo::k_max_cmdline - 1, 'c'));
    }
}

TEST_CASE("multiboot2: too many modules or ranges are truncated, not rejected", "[boot][multiboot2]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb2Builder builder(mem);
    for (uint32_t i = 0; i < BootInfo::k_max_modules + 5; ++i)
        builder.module(0x1000000 + i * 0x1000, 0x1001000 + i * 0x1000, "mod" + std::to_string(i));
    std::vector<Mb2Range> map;
    for (uint64_t i = 0; i < 200; ++i) map.push_back({i * 0x10000, 0x8000, i % 2 ? 1u : 2u});
    builder.mmap(map);
    BootInfo out;
    REQUIRE(parse_multiboot2(mem, builder.finish(), out));
    CHECK(out.module_count == BootInfo::k_max_modules);
    CHECK(out.modules_truncated);
    CHECK(std::string(out.modules[0].cmdline) == "mod0");
    CHECK(std::string(out.modules[BootInfo::k_max_modules - 1].cmdline) == "mod15");
    CHECK(out.memory_count == BootInfo::k_max_memory_ranges);
    CHECK(out.memory_truncated);
    CHECK(out.memory[127].base == 127 * 0x10000);
}

TEST_CASE("multiboot2: ACPI RSDP copies", "[boot][multiboot2]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb2Builder builder(mem);
    builder.basic_meminfo(640, 1024);
    BootInfo out;

    SECTION("old RSDP only") {
        builder.rsdp(14, 20, 0x01);
        REQUIRE(parse_multiboot2(mem, builder.finish(), out));
        CHECK(out.rsdp_length == 20);
        CHECK(out.rsdp[19] == 0x01);
        CHECK(out.rsdp[20] == 0);
    }
    SECTION("new RSDP wins after old") {
        builder.rsdp(14, 20, 0x01).rsdp(15, 36, 0x02);
        REQUIRE(parse_multiboot2(mem, builder.finish(), out));
        CHECK(out.rsdp_length == 36);
        CHECK(out.rsdp[0] == 0x02);
        CHECK(out.rsdp[35] == 0x02);
    }
    SECTION("new RSDP wins before old") {
        builder.rsdp(15, 36, 0x02).rsdp(14, 20, 0x01);
        REQUIRE(parse_multiboot2(mem, builder.finish(), out));
        CHECK(out.rsdp_length == 36);
        CHECK(out.rsdp[0] == 0x02);
    }
    SECTION("longer tags copy only the RSDP") {
        builder.rsdp(15, 40, 0x03);
        REQUIRE(parse_multiboot2(mem, builder.finish(), out));
        CHECK(out.rsdp_length == 36);
    }
    SECTION("old RSDP tag too small") {
        builder.rsdp(14, 19, 0x01);
        CHECK(parse_multiboot2(mem, builder.finish(), out).error() == k_einval);
    }
    SECTION("new RSDP tag too small") {
        builder.rsdp(15, 20, 0x01);
        CHECK(parse_multiboot2(mem, builder.finish(), out).error() == k_einval);
    }
}

TEST_CASE("multiboot2: EFI tags", "[boot][multiboot2]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    Mb2Builder builder(mem);
    builder.basic_meminfo(640, 1024);
    BootInfo out;
    SECTION("EFI32 alone is ignored") {
        builder.efi32(0xdead0000);
        REQUIRE(parse_multiboot2(mem, builder.finish(), out));
        CHECK(out.efi_system_table == 0);
    }
    SECTION("EFI64 tag too small") {
        builder.tag(12, Bytes(4, 0));
        CHECK(parse_multiboot2(mem, builder.finish(), out).error() == k_einval);
    }
}

TEST_CASE("parse_boot_info dispatches on the loader magic", "[boot][multiboot]") {
    FakePhysMemory mem(k_mem_base, k_mem_size);
    BootInfo out;
    const char* reason = nullptr;

    SECTION("unknown magic") {
        const Status s = parse_boot_info(mem, 0xdeadbeef, k_info, out, &reason);
        CHECK(s.error() == k_einval);
        CHECK(reason_of(reason) == "not loaded by a multiboot loader");
        CHECK(parse_boot_info(mem, 0, k_info, out, nullptr).error() == k_einval);
    }
    SECTION("multiboot2, with the map sanitized") {
        Mb2Builder(mem)
            .cmdline("mb2")
            .mmap({{0x100000, 0x1000000, 1}, {0x0, 0x9f000, 1}, {0x200000, 0x1000, 2}})
            .finish();
        REQUIRE(parse_boot_info(mem, k_multiboot2_loader_magic, k_info, out, &reason));
        CHECK(reason == nullptr);
        CHECK(out.protocol == BootProtocol::multiboot2);
        CHECK(std::string(out.cmdline) == "mb2");
        REQUIRE(out.memory_count == 4);
        CHECK(out.memory[0].base == 0);
        CHECK(out.memory[1].base == 0x100000);
        CHECK(out.memory[1].length == 0x100000);
        CHECK(out.memory[2].type == MemoryType::reserved);
        CHECK(out.memory[3].base == 0x201000);
    }
    SECTION("multiboot1") {
        mem.put32(k_info, 1); // flags: mem_lower/mem_upper only
        mem.put32(k_info + 4, 640);
        mem.put32(k_info + 8, 1024);
        REQUIRE(parse_boot_info(mem, k_multiboot1_loader_magic, k_info, out, &reason));
        CHECK(out.protocol == BootProtocol::multiboot1);
        CHECK(out.memory_count == 2);
    }
    SECTION("errors of the parsers come through with their reason") {
        Mb2Builder(mem).cmdline("x").finish(false);
        CHECK(parse_boot_info(mem, k_multiboot2_loader_magic, k_info, out, &reason).error() == k_einval);
        CHECK(reason_of(reason).find("end tag") != std::string::npos);
    }
    SECTION("multiboot1 info address above 4 GiB") {
        CHECK(parse_boot_info(mem, k_multiboot1_loader_magic, 1ull << 32, out, &reason).error() == k_einval);
    }
}
