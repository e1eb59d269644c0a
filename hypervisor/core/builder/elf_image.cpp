#include "core/builder/elf_image.hpp"

namespace pv::builder {

namespace {

using elf::read16;
using elf::read32;
using elf::read64;

// Elf64_Ehdr field offsets.
constexpr size_t k_ei_class = 4;
constexpr size_t k_ei_data = 5;
constexpr size_t k_ei_version = 6;
constexpr size_t k_e_type = 16;
constexpr size_t k_e_machine = 18;
constexpr size_t k_e_version = 20;
constexpr size_t k_e_entry = 24;
constexpr size_t k_e_phoff = 32;
constexpr size_t k_e_shoff = 40;
constexpr size_t k_e_phentsize = 54;
constexpr size_t k_e_phnum = 56;
constexpr size_t k_e_shentsize = 58;
constexpr size_t k_e_shnum = 60;

// Elf32_Ehdr: the same fields up to e_version, then 32-bit addresses and
// offsets, so everything after them sits 12 bytes earlier.
constexpr size_t k_e32_entry = 24;
constexpr size_t k_e32_phoff = 28;
constexpr size_t k_e32_shoff = 32;
constexpr size_t k_e32_phentsize = 42;
constexpr size_t k_e32_phnum = 44;
constexpr size_t k_e32_shentsize = 46;
constexpr size_t k_e32_shnum = 48;

// Where the class-dependent header fields are, and their sizes.
struct Layout {
    size_t header_size, phdr_size, shdr_size;
    size_t entry, phoff, shoff, phentsize, phnum, shentsize, shnum;
    bool wide; // 64-bit addresses and offsets
    uint64_t address(const uint8_t* p) const { return wide ? read64(p) : read32(p); }
};
constexpr Layout k_layout64 = {elf::k_header_size, elf::k_phdr_size, elf::k_shdr_size,
                               k_e_entry, k_e_phoff, k_e_shoff, k_e_phentsize, k_e_phnum,
                               k_e_shentsize, k_e_shnum, true};
constexpr Layout k_layout32 = {elf::k_header32_size, elf::k_phdr32_size, elf::k_shdr32_size,
                               k_e32_entry, k_e32_phoff, k_e32_shoff, k_e32_phentsize,
                               k_e32_phnum, k_e32_shentsize, k_e32_shnum, false};

const Layout& layout_of(bool elf32) {
    return elf32 ? k_layout32 : k_layout64;
}

bool has_magic(const uint8_t* data, size_t size) {
    return size >= 4 && data[0] == 0x7f && data[1] == 'E' && data[2] == 'L' && data[3] == 'F';
}

// Half-open ranges [a, a + a_len) and [b, b + b_len), ends known not to wrap.
bool overlaps(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len) {
    return a_len != 0 && b_len != 0 && a < b + b_len && b < a + a_len;
}

Status check_header(const uint8_t* data, size_t size, bool accept_elf32, BuildError* error) {
    if (data == nullptr || !has_magic(data, size))
        return fail(error, Errno::einval, "not an ELF file");
    const bool elf32 = accept_elf32 && size > k_ei_class && data[k_ei_class] == elf::k_class_32;
    if (size < layout_of(elf32).header_size)
        return fail(error, Errno::einval, "ELF: file too short for the ELF header");
    if (data[k_ei_class] != elf::k_class_64 && !elf32)
        return fail(error, Errno::einval, accept_elf32 ? "ELF: neither 32- nor 64-bit" : "ELF: not 64-bit");
    if (data[k_ei_data] != elf::k_data_lsb)
        return fail(error, Errno::einval, "ELF: not little-endian");
    if (data[k_ei_version] != elf::k_version_current || read32(data + k_e_version) != 1)
        return fail(error, Errno::einval, "ELF: unknown ELF version");
    if (elf32 && read16(data + k_e_machine) != elf::k_machine_i386)
        return fail(error, Errno::einval, "ELF: 32-bit image not for i386");
    if (!elf32 && read16(data + k_e_machine) != elf::k_machine_x86_64)
        return fail(error, Errno::einval, "ELF: not an x86-64 image");
    const uint16_t type = read16(data + k_e_type);
    if (type != elf::k_type_exec && type != elf::k_type_dyn)
        return fail(error, Errno::einval, "ELF: not an executable (e_type is not EXEC or DYN)");
    return Status::ok();
}

Status check_tables(const uint8_t* data, size_t size, const Layout& l, BuildError* error) {
    const uint16_t phnum = read16(data + l.phnum);
    if (phnum == 0) return fail(error, Errno::einval, "ELF: no program headers");
    if (phnum == elf::k_pn_xnum || phnum > elf::k_max_program_headers)
        return fail(error, Errno::einval, "ELF: too many program headers");
    if (read16(data + l.phentsize) != l.phdr_size)
        return fail(error, Errno::einval,
                    l.wide ? "ELF: program header entry size is not 56"
                           : "ELF: program header entry size is not 32");
    // phnum * entry size cannot wrap: phnum <= 512.
    if (!range_in_file(l.address(data + l.phoff), uint64_t{phnum} * l.phdr_size, size))
        return fail(error, Errno::einval, "ELF: program header table outside the file");

    // Section headers are optional (a stripped kernel may have none); notes
    // are only looked for there when no PT_NOTE carries them.
    const uint16_t shnum = read16(data + l.shnum);
    if (shnum == 0) return Status::ok();
    if (read16(data + l.shentsize) != l.shdr_size)
        return fail(error, Errno::einval,
                    l.wide ? "ELF: section header entry size is not 64"
                           : "ELF: section header entry size is not 40");
    if (!range_in_file(l.address(data + l.shoff), uint64_t{shnum} * l.shdr_size, size))
        return fail(error, Errno::einval, "ELF: section header table outside the file");
    return Status::ok();
}

Status check_segment(const ElfSegment& s, size_t size, BuildError* error) {
    if (s.type != elf::k_pt_load && s.type != elf::k_pt_note) return Status::ok();
    if (!range_in_file(s.offset, s.filesz, size))
        return fail(error, Errno::einval, "ELF: segment file data outside the file");
    if (s.type != elf::k_pt_load) return Status::ok();
    if (s.filesz > s.memsz)
        return fail(error, Errno::einval, "ELF: segment file size larger than its memory size");
    uint64_t end;
    if (__builtin_add_overflow(s.vaddr, s.memsz, &end))
        return fail(error, Errno::einval, "ELF: segment virtual address range overflows");
    if (__builtin_add_overflow(s.paddr, s.memsz, &end))
        return fail(error, Errno::einval, "ELF: segment physical address range overflows");
    return Status::ok();
}

} // namespace

Result<ElfImage> ElfImage::parse(const uint8_t* data, size_t size, BuildError* error,
                                 bool accept_elf32) {
    TRY(check_header(data, size, accept_elf32, error));
    const bool elf32 = accept_elf32 && data[k_ei_class] == elf::k_class_32;
    const Layout& l = layout_of(elf32);
    TRY(check_tables(data, size, l, error));

    ElfImage image;
    image.data_ = data;
    image.size_ = size;
    image.elf32_ = elf32;
    image.type_ = read16(data + k_e_type);
    image.entry_ = l.address(data + l.entry);
    image.phoff_ = l.address(data + l.phoff);
    image.phnum_ = read16(data + l.phnum);
    image.shnum_ = read16(data + l.shnum);
    image.shoff_ = image.shnum_ != 0 ? l.address(data + l.shoff) : 0;

    bool any_loadable = false;
    for (size_t i = 0; i < image.phnum_; ++i) {
        const ElfSegment s = image.segment(i);
        TRY(check_segment(s, size, error));
        if (!s.loadable()) continue;

        // At most 512 headers: the quadratic check stays small.
        for (size_t j = 0; j < i; ++j) {
            const ElfSegment t = image.segment(j);
            if (!t.loadable()) continue;
            if (overlaps(s.vaddr, s.memsz, t.vaddr, t.memsz))
                return fail(error, Errno::einval, "ELF: segments overlap");
            if (overlaps(s.paddr, s.memsz, t.paddr, t.memsz))
                return fail(error, Errno::einval, "ELF: segments overlap in physical addresses");
        }

        if (!any_loadable || s.paddr < image.load_start_) image.load_start_ = s.paddr;
        if (!any_loadable || s.paddr + s.memsz > image.load_end_)
            image.load_end_ = s.paddr + s.memsz;
        if (!any_loadable || s.vaddr < image.virt_start_) image.virt_start_ = s.vaddr;
        if (!any_loadable || s.vaddr + s.memsz > image.virt_end_)
            image.virt_end_ = s.vaddr + s.memsz;
        any_loadable = true;
    }
    if (!any_loadable) return fail(error, Errno::einval, "ELF: no loadable segments");
    return image;
}

ElfSegment ElfImage::segment(size_t index) const {
    ElfSegment s;
    if (elf32_) {
        // Elf32_Phdr: p_flags moves after p_memsz.
        const uint8_t* p = data_ + phoff_ + index * elf::k_phdr32_size;
        s.type = read32(p + 0);
        s.offset = read32(p + 4);
        s.vaddr = read32(p + 8);
        s.paddr = read32(p + 12);
        s.filesz = read32(p + 16);
        s.memsz = read32(p + 20);
        s.flags = read32(p + 24);
        s.align = read32(p + 28);
        return s;
    }
    const uint8_t* p = data_ + phoff_ + index * elf::k_phdr_size;
    s.type = read32(p + 0);
    s.flags = read32(p + 4);
    s.offset = read64(p + 8);
    s.vaddr = read64(p + 16);
    s.paddr = read64(p + 24);
    s.filesz = read64(p + 32);
    s.memsz = read64(p + 40);
    s.align = read64(p + 48);
    return s;
}

ElfSection ElfImage::section(size_t index) const {
    ElfSection s;
    if (elf32_) {
        const uint8_t* p = data_ + shoff_ + index * elf::k_shdr32_size;
        s.type = read32(p + 4);
        s.flags = read32(p + 8);
        s.addr = read32(p + 12);
        s.offset = read32(p + 16);
        s.size = read32(p + 20);
        return s;
    }
    const uint8_t* p = data_ + shoff_ + index * elf::k_shdr_size;
    s.type = read32(p + 4);
    s.flags = read64(p + 8);
    s.addr = read64(p + 16);
    s.offset = read64(p + 24);
    s.size = read64(p + 32);
    return s;
}

Status ElfImage::load(ElfLoadSink& sink) const {
    for (size_t i = 0; i < phnum_; ++i) {
        const ElfSegment s = segment(i);
        if (!s.loadable()) continue;
        const uint64_t offset = s.paddr - load_start_;
        if (s.filesz != 0) TRY(sink.copy(offset, data_ + s.offset, s.filesz));
        if (s.memsz > s.filesz) TRY(sink.zero(offset + s.filesz, s.memsz - s.filesz));
    }
    return Status::ok();
}

} // namespace pv::builder
