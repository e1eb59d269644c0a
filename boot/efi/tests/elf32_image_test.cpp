// The hypervisor image checks: a synthetic file shaped like
// build/images/paravane (scripts/lib/mkelf32) and each way it can be wrong.
#include "boot/efi/elf32_image.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

using namespace pv::efi;

namespace {

constexpr uint32_t k_phys = 0x200000;
constexpr uint32_t k_entry = 0x20003c;

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    std::memcpy(&b[at], &v, 2);
}
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    std::memcpy(&b[at], &v, 4);
}

// ELF header, one PT_LOAD at file offset 0x1000 (0x3000 bytes, 0x6000 in
// memory) holding a multiboot2 header at its start.
std::vector<uint8_t> paravane_like() {
    std::vector<uint8_t> f(0x4000, 0);
    const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 1, 1, 1};
    std::memcpy(f.data(), ident, sizeof ident);
    put16(f, 16, 2); // ET_EXEC
    put16(f, 18, 3); // EM_386
    put32(f, 20, 1);
    put32(f, 24, k_entry);
    put32(f, 28, 52); // phoff
    put16(f, 40, 52);
    put16(f, 42, 32); // phentsize
    put16(f, 44, 1);  // phnum
    put32(f, 52, 1);  // PT_LOAD
    put32(f, 56, 0x1000);
    put32(f, 60, k_phys);
    put32(f, 64, k_phys);
    put32(f, 68, 0x3000);
    put32(f, 72, 0x6000);
    put32(f, 76, 7);
    put32(f, 80, 0x1000);
    const uint32_t magic = 0xe85250d6, arch = 0, length = 24;
    put32(f, 0x1000, magic);
    put32(f, 0x1004, arch);
    put32(f, 0x1008, length);
    put32(f, 0x100c, static_cast<uint32_t>(-(magic + arch + length)));
    return f;
}

const char* plan_failure(const std::vector<uint8_t>& f, uint64_t file_size = 0) {
    ImagePlan plan;
    const char* reason = nullptr;
    const size_t head = f.size() < k_image_head_size ? f.size() : k_image_head_size;
    if (plan_elf32_image(f.data(), head, file_size ? file_size : f.size(), plan, &reason))
        return nullptr;
    return reason;
}

} // namespace

TEST_CASE("efi image: the multiboot ELF32 file is planned where it is linked", "[efi][image]") {
    const auto f = paravane_like();
    ImagePlan plan;
    const char* reason = nullptr;
    REQUIRE(plan_elf32_image(f.data(), f.size(), f.size(), plan, &reason));
    REQUIRE(plan.segment_count == 1);
    CHECK(plan.segments[0].phys == k_phys);
    CHECK(plan.segments[0].file_offset == 0x1000);
    CHECK(plan.segments[0].file_size == 0x3000);
    CHECK(plan.segments[0].mem_size == 0x6000);
    CHECK(plan.entry == k_entry);
    CHECK(plan.phys_low == k_phys);
    CHECK(plan.phys_high == k_phys + 0x6000);
}

TEST_CASE("efi image: what is refused and why", "[efi][image]") {
    auto f = paravane_like();
    CHECK(std::string(plan_failure(std::vector<uint8_t>(f.begin(), f.begin() + 40))) ==
          "too small to be an ELF file");

    auto g = f;
    g[1] = 'X';
    CHECK(std::string(plan_failure(g)) == "not an ELF file");
    g = f;
    g[4] = 2; // ELFCLASS64: the linked paravane_final.elf64, say
    CHECK(std::string(plan_failure(g)).starts_with("not a 32-bit x86 ELF file"));
    g = f;
    put16(g, 16, 3); // ET_DYN
    CHECK(std::string(plan_failure(g)) == "not an ELF executable");
    g = f;
    put16(g, 44, 0);
    CHECK(std::string(plan_failure(g)) == "no usable ELF program headers");
    g = f;
    put32(g, 28, 0x7ff0);
    CHECK(std::string(plan_failure(g)) == "ELF program headers beyond the first 32 KiB");
    g = f;
    put32(g, 52, 4); // PT_NOTE only
    CHECK(std::string(plan_failure(g)) == "no loadable segment");
    g = f;
    put32(g, 68, 0x7000);
    CHECK(std::string(plan_failure(g)) == "a segment's file size exceeds its memory size");
    g = f;
    put32(g, 68, 0x3001);
    CHECK(std::string(plan_failure(g)) == "a segment lies beyond the end of the file");
    g = f;
    put32(g, 64, 0xffffc000);
    CHECK(std::string(plan_failure(g)) == "a segment lies above 4 GiB");
    g = f;
    put32(g, 24, k_phys + 0x3000); // in .bss, not in the file's bytes
    CHECK(std::string(plan_failure(g)) == "the entry point lies outside the loaded code");
    g = f;
    put32(g, 0x100c, 0);
    CHECK(std::string(plan_failure(g)) == "no multiboot2 header in the first 32 KiB");
    CHECK_FALSE(has_multiboot2_header(g.data(), g.size()));
    CHECK(has_multiboot2_header(f.data(), f.size()));
    CHECK_FALSE(has_multiboot2_header(f.data(), 0x100c)); // header cut off
}
