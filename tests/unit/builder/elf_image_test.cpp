// ElfImage: validation of synthetic ELF64 files, one broken field at a time.
#include "core/builder/elf_image.hpp"

// Catch2 pulls in <cerrno>, whose EINVAL macro would rewrite Errno::einval:
// name the value first.
namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
constexpr pv::Errno k_eio = pv::Errno::eio;
} // namespace

#include "test_elf.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pv;
using namespace pv::builder;
using namespace pv::test;

namespace {

// A minimal kernel: text at 0x1000 (0x100 bytes in the file, 0x2000 in
// memory), data + BSS at 0x3000.
ElfBuilder minimal() {
    return ElfBuilder()
        .entry(0x1000)
        .load(0x1000, 0x1000, 0x100, 0x2000)
        .load(0x3000, 0x3000, 0x40, 0x1000, ElfBuilder::k_rw);
}

// Parses and returns the refusal message ("" when accepted).
std::string refusal(const Bytes& file) {
    BuildError error;
    auto image = ElfImage::parse(file.data(), file.size(), &error);
    if (image) return "";
    CHECK(image.error() == k_einval);
    return error.message;
}

} // namespace

TEST_CASE("ElfImage accepts a minimal kernel", "[builder][elf]") {
    const Bytes file = minimal().build();
    auto image = ElfImage::parse(file.data(), file.size());
    REQUIRE(image);
    CHECK(image->entry() == 0x1000);
    CHECK(image->type() == elf::k_type_exec);
    CHECK(image->segment_count() == 2);
    CHECK(image->load_start() == 0x1000);
    CHECK(image->load_end() == 0x4000);
    CHECK(image->virt_start() == 0x1000);
    CHECK(image->virt_end() == 0x4000);
    const ElfSegment s = image->segment(1);
    CHECK(s.loadable());
    CHECK(s.vaddr == 0x3000);
    CHECK(s.filesz == 0x40);
    CHECK(s.memsz == 0x1000);
}

TEST_CASE("ElfImage accepts ET_DYN and ignores permissionless PT_LOADs", "[builder][elf]") {
    Bytes file = minimal().load(0x8000, 0x8000, 0, 0x1000, 0).build();
    put16(file, ehdr::type, elf::k_type_dyn);
    auto image = ElfImage::parse(file.data(), file.size());
    REQUIRE(image);
    CHECK_FALSE(image->segment(2).loadable());
    CHECK(image->load_end() == 0x4000); // the flagless segment does not count
}

TEST_CASE("ElfImage extents follow p_paddr and p_vaddr separately", "[builder][elf]") {
    // Like Linux: text at a high vaddr with a low paddr, and a per-CPU
    // segment linked at vaddr 0 but loaded after the text.
    const Bytes file = ElfBuilder()
                           .load(0xffffffff81000000, 0x1000000, 0x10, 0x200000)
                           .load(0x0, 0x1200000, 0x10, 0x30000, ElfBuilder::k_rw)
                           .build();
    auto image = ElfImage::parse(file.data(), file.size());
    REQUIRE(image);
    CHECK(image->load_start() == 0x1000000);
    CHECK(image->load_end() == 0x1230000);
    CHECK(image->virt_start() == 0);
    CHECK(image->virt_end() == 0xffffffff81200000);
}

TEST_CASE("ElfImage refuses what is not a 64-bit x86 executable", "[builder][elf]") {
    const Bytes good = minimal().build();

    SECTION("empty and garbage") {
        CHECK(refusal(Bytes{}) == "not an ELF file");
        CHECK(refusal(Bytes(200, 0x41)) == "not an ELF file");
        BuildError error;
        CHECK_FALSE(ElfImage::parse(nullptr, 100, &error));
        CHECK(std::string(error.message) == "not an ELF file");
    }
    SECTION("truncated header") {
        CHECK(refusal(Bytes(good.begin(), good.begin() + 40)) ==
              "ELF: file too short for the ELF header");
    }
    SECTION("bad magic") {
        Bytes f = good;
        f[1] = 'e';
        CHECK(refusal(f) == "not an ELF file");
    }
    SECTION("32-bit") {
        Bytes f = good;
        f[ehdr::ident_class] = 1;
        CHECK(refusal(f) == "ELF: not 64-bit");
    }
    SECTION("big-endian") {
        Bytes f = good;
        f[ehdr::ident_data] = 2;
        CHECK(refusal(f) == "ELF: not little-endian");
    }
    SECTION("version") {
        Bytes f = good;
        f[ehdr::ident_version] = 2;
        CHECK(refusal(f) == "ELF: unknown ELF version");
        f = good;
        put32(f, ehdr::version, 0);
        CHECK(refusal(f) == "ELF: unknown ELF version");
    }
    SECTION("wrong machine") {
        Bytes f = good;
        put16(f, ehdr::machine, 3); // EM_386
        CHECK(refusal(f) == "ELF: not an x86-64 image");
    }
    SECTION("relocatable object") {
        Bytes f = good;
        put16(f, ehdr::type, 1); // ET_REL
        CHECK(refusal(f) == "ELF: not an executable (e_type is not EXEC or DYN)");
    }
}

TEST_CASE("ElfImage refuses broken header tables", "[builder][elf]") {
    const Bytes good = minimal().build();
    Bytes f = good;

    SECTION("no program headers") {
        put16(f, ehdr::phnum, 0);
        CHECK(refusal(f) == "ELF: no program headers");
    }
    SECTION("absurd program header count") {
        put16(f, ehdr::phnum, 0xffff);
        CHECK(refusal(f) == "ELF: too many program headers");
        put16(f, ehdr::phnum, 513);
        CHECK(refusal(f) == "ELF: too many program headers");
    }
    SECTION("program header entry size") {
        put16(f, ehdr::phentsize, 32);
        CHECK(refusal(f) == "ELF: program header entry size is not 56");
    }
    SECTION("program headers outside the file") {
        put64(f, ehdr::phoff, f.size() - 100);
        CHECK(refusal(f) == "ELF: program header table outside the file");
        put64(f, ehdr::phoff, ~uint64_t{0} - 8); // offset + size wraps
        CHECK(refusal(f) == "ELF: program header table outside the file");
    }
    SECTION("file cut inside the program headers") {
        CHECK(refusal(Bytes(good.begin(), good.begin() + 100)) ==
              "ELF: program header table outside the file");
    }
    SECTION("section headers") {
        put16(f, ehdr::shnum, 3);
        put16(f, ehdr::shentsize, 40);
        CHECK(refusal(f) == "ELF: section header entry size is not 64");
        put16(f, ehdr::shentsize, 64);
        put64(f, ehdr::shoff, f.size() - 64);
        CHECK(refusal(f) == "ELF: section header table outside the file");
    }
}

TEST_CASE("ElfImage refuses broken segments", "[builder][elf]") {
    const Bytes good = minimal().build();
    Bytes f = good;

    SECTION("file data outside the file") {
        put64(f, phdr::at(1, phdr::offset), f.size() - 0x20);
        CHECK(refusal(f) == "ELF: segment file data outside the file");
        f = good;
        put64(f, phdr::at(1, phdr::filesz), ~uint64_t{0}); // offset + filesz wraps
        put64(f, phdr::at(1, phdr::memsz), ~uint64_t{0});
        CHECK(refusal(f) == "ELF: segment file data outside the file");
    }
    SECTION("truncated file") {
        CHECK(refusal(Bytes(good.begin(), good.end() - 1)) ==
              "ELF: segment file data outside the file");
    }
    SECTION("filesz > memsz") {
        put64(f, phdr::at(0, phdr::memsz), 0x80);
        CHECK(refusal(f) == "ELF: segment file size larger than its memory size");
    }
    SECTION("virtual address overflow") {
        put64(f, phdr::at(1, phdr::vaddr), 0xfffffffffffff800);
        CHECK(refusal(f) == "ELF: segment virtual address range overflows");
    }
    SECTION("physical address overflow") {
        put64(f, phdr::at(1, phdr::paddr), 0xfffffffffffff800);
        CHECK(refusal(f) == "ELF: segment physical address range overflows");
    }
    SECTION("a segment ending exactly at 2^64 wraps too") {
        put64(f, phdr::at(1, phdr::vaddr), 0xfffffffffffff000);
        CHECK(refusal(f) == "ELF: segment virtual address range overflows");
    }
    SECTION("virtual overlap") {
        put64(f, phdr::at(1, phdr::vaddr), 0x2fff); // text ends at 0x3000
        CHECK(refusal(f) == "ELF: segments overlap");
    }
    SECTION("physical overlap") {
        put64(f, phdr::at(1, phdr::paddr), 0x1800);
        CHECK(refusal(f) == "ELF: segments overlap in physical addresses");
    }
    SECTION("containment is overlap") {
        put64(f, phdr::at(1, phdr::vaddr), 0x1800);
        put64(f, phdr::at(1, phdr::memsz), 0x100);
        CHECK(refusal(f) == "ELF: segments overlap");
    }
    SECTION("adjacent segments are fine") {
        // minimal(): text [0x1000, 0x3000), data from 0x3000 in both spaces.
        CHECK(refusal(f) == "");
    }
    SECTION("no loadable segment") {
        put32(f, phdr::at(0, phdr::flags), 0);
        put32(f, phdr::at(1, phdr::type), 4); // PT_NOTE
        CHECK(refusal(f) == "ELF: no loadable segments");
    }
}

namespace {

// Records what load() writes into a flat buffer.
class BufferSink final : public ElfLoadSink {
public:
    explicit BufferSink(size_t size, bool fail_on_zero = false)
        : memory(size, 0xee), fail_on_zero_(fail_on_zero) {}
    Status copy(uint64_t offset, const uint8_t* bytes, uint64_t length) override {
        if (offset + length > memory.size()) return k_einval;
        for (uint64_t i = 0; i < length; ++i)
            memory[offset + i] = bytes[i];
        return Status::ok();
    }
    Status zero(uint64_t offset, uint64_t length) override {
        if (fail_on_zero_) return k_eio;
        if (offset + length > memory.size()) return k_einval;
        for (uint64_t i = 0; i < length; ++i)
            memory[offset + i] = 0;
        return Status::ok();
    }
    Bytes memory;

private:
    bool fail_on_zero_;
};

} // namespace

TEST_CASE("ElfImage::load copies file bytes and clears BSS, placed by paddr", "[builder][elf]") {
    // Two segments whose vaddrs are in reverse order of their paddrs.
    const Bytes file = ElfBuilder()
                           .load(0x9000, 0x2000, 0x10, 0x20)
                           .load(0x1000, 0x1000, 0x8, 0x10, ElfBuilder::k_rw)
                           .build();
    auto image = ElfImage::parse(file.data(), file.size());
    REQUIRE(image);
    REQUIRE(image->load_start() == 0x1000);
    BufferSink sink(image->load_end() - image->load_start());
    REQUIRE(image->load(sink));
    // Segment 1 at offset 0: 8 file bytes (0xa0..0xa7), then 8 zeroes.
    for (size_t i = 0; i < 8; ++i)
        CHECK(sink.memory[i] == 0xa0 + i);
    for (size_t i = 8; i < 0x10; ++i)
        CHECK(sink.memory[i] == 0);
    CHECK(sink.memory[0x10] == 0xee); // gap left alone
    // Segment 0 at offset 0x1000: 16 file bytes, 16 zeroes.
    for (size_t i = 0; i < 0x10; ++i)
        CHECK(sink.memory[0x1000 + i] == 0xa0 + i);
    for (size_t i = 0x10; i < 0x20; ++i)
        CHECK(sink.memory[0x1000 + i] == 0);

    BufferSink failing(0x2000, true);
    CHECK(image->load(failing).error() == k_eio);
}
