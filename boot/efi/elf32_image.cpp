// ELF32 hypervisor image checks (System V ABI, ELF header and program
// header layouts for the 32-bit class).
#include "boot/efi/elf32_image.hpp"

#include "boot/multiboot/multiboot.hpp"

namespace pv::efi {

namespace {

struct Elf32Header {
    uint8_t ident[16];
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint32_t entry;
    uint32_t phoff;
    uint32_t shoff;
    uint32_t flags;
    uint16_t ehsize;
    uint16_t phentsize;
    uint16_t phnum;
    uint16_t shentsize;
    uint16_t shnum;
    uint16_t shstrndx;
};
static_assert(sizeof(Elf32Header) == 52);

struct Elf32ProgramHeader {
    uint32_t type;
    uint32_t offset;
    uint32_t vaddr;
    uint32_t paddr;
    uint32_t filesz;
    uint32_t memsz;
    uint32_t flags;
    uint32_t align;
};
static_assert(sizeof(Elf32ProgramHeader) == 32);

constexpr uint8_t k_class32 = 1;
constexpr uint8_t k_little_endian = 1;
constexpr uint16_t k_type_exec = 2;
constexpr uint16_t k_machine_386 = 3;
constexpr uint32_t k_pt_load = 1;
constexpr uint64_t k_page = 4096;

template <typename T> T load(const uint8_t* p) {
    T value;
    auto* dst = reinterpret_cast<uint8_t*>(&value);
    for (size_t i = 0; i < sizeof(T); ++i)
        dst[i] = p[i];
    return value;
}

bool fail(const char** reason, const char* why) {
    if (reason) *reason = why;
    return false;
}

} // namespace

bool has_multiboot2_header(const uint8_t* head, size_t head_size) {
    // magic, architecture, header_length, checksum: the four sum to 0 mod 2^32.
    for (size_t at = 0; at + 16 <= head_size; at += 8) {
        const uint32_t magic = load<uint32_t>(head + at);
        if (magic != k_multiboot2_header_magic) continue;
        const uint32_t arch = load<uint32_t>(head + at + 4);
        const uint32_t length = load<uint32_t>(head + at + 8);
        const uint32_t checksum = load<uint32_t>(head + at + 12);
        if (arch == 0 && static_cast<uint32_t>(magic + arch + length + checksum) == 0) return true;
    }
    return false;
}

bool plan_elf32_image(const uint8_t* head, size_t head_size, uint64_t file_size, ImagePlan& plan,
                      const char** reason) {
    plan.segment_count = 0;
    if (head_size < sizeof(Elf32Header) || file_size < head_size)
        return fail(reason, "too small to be an ELF file");
    const auto header = load<Elf32Header>(head);
    if (header.ident[0] != 0x7f || header.ident[1] != 'E' || header.ident[2] != 'L' ||
        header.ident[3] != 'F')
        return fail(reason, "not an ELF file");
    if (header.ident[4] != k_class32 || header.ident[5] != k_little_endian ||
        header.machine != k_machine_386)
        return fail(reason,
                    "not a 32-bit x86 ELF file (the multiboot image is build/images/paravane)");
    if (header.type != k_type_exec) return fail(reason, "not an ELF executable");
    if (header.phentsize != sizeof(Elf32ProgramHeader) || header.phnum == 0)
        return fail(reason, "no usable ELF program headers");
    const uint64_t table_end =
        uint64_t{header.phoff} + uint64_t{header.phnum} * sizeof(Elf32ProgramHeader);
    if (table_end > head_size) return fail(reason, "ELF program headers beyond the first 32 KiB");

    uint64_t low = ~uint64_t{0}, high = 0;
    for (uint16_t i = 0; i < header.phnum; ++i) {
        const auto ph =
            load<Elf32ProgramHeader>(head + header.phoff + i * sizeof(Elf32ProgramHeader));
        if (ph.type != k_pt_load || ph.memsz == 0) continue;
        if (plan.segment_count == ImagePlan::k_max_segments)
            return fail(reason, "too many loadable segments");
        if (ph.filesz > ph.memsz)
            return fail(reason, "a segment's file size exceeds its memory size");
        if (uint64_t{ph.offset} + ph.filesz > file_size)
            return fail(reason, "a segment lies beyond the end of the file");
        const uint64_t end = uint64_t{ph.paddr} + ph.memsz;
        if (end > (1ull << 32)) return fail(reason, "a segment lies above 4 GiB");
        plan.segments[plan.segment_count++] = {ph.paddr, ph.offset, ph.filesz, ph.memsz};
        if (ph.paddr < low) low = ph.paddr;
        if (end > high) high = end;
    }
    if (plan.segment_count == 0) return fail(reason, "no loadable segment");
    bool entry_inside = false;
    for (size_t i = 0; i < plan.segment_count; ++i) {
        const LoadSegment& s = plan.segments[i];
        if (header.entry >= s.phys && header.entry - s.phys < s.file_size) entry_inside = true;
    }
    if (!entry_inside) return fail(reason, "the entry point lies outside the loaded code");
    if (!has_multiboot2_header(head, head_size))
        return fail(reason, "no multiboot2 header in the first 32 KiB");
    plan.entry = header.entry;
    plan.phys_low = low & ~(k_page - 1);
    plan.phys_high = (high + k_page - 1) & ~(k_page - 1);
    return true;
}

} // namespace pv::efi
