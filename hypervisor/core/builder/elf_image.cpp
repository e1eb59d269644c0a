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

bool has_magic(const uint8_t* data, size_t size) {
    return size >= 4 && data[0] == 0x7f && data[1] == 'E' && data[2] == 'L' && data[3] == 'F';
}

// Half-open ranges [a, a + a_len) and [b, b + b_len), ends known not to wrap.
bool overlaps(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len) {
    return a_len != 0 && b_len != 0 && a < b + b_len && b < a + a_len;
}

Status check_header(const uint8_t* data, size_t size, BuildError* error) {
    if (data == nullptr || !has_magic(data, size))
        return fail(error, Errno::einval, "not an ELF file");
    if (size < elf::k_header_size)
        return fail(error, Errno::einval, "ELF: file too short for the ELF header");
    if (data[k_ei_class] != elf::k_class_64) return fail(error, Errno::einval, "ELF: not 64-bit");
    if (data[k_ei_data] != elf::k_data_lsb)
        return fail(error, Errno::einval, "ELF: not little-endian");
    if (data[k_ei_version] != elf::k_version_current || read32(data + k_e_version) != 1)
        return fail(error, Errno::einval, "ELF: unknown ELF version");
    if (read16(data + k_e_machine) != elf::k_machine_x86_64)
        return fail(error, Errno::einval, "ELF: not an x86-64 image");
    const uint16_t type = read16(data + k_e_type);
    if (type != elf::k_type_exec && type != elf::k_type_dyn)
        return fail(error, Errno::einval, "ELF: not an executable (e_type is not EXEC or DYN)");
    return Status::ok();
}

Status check_tables(const uint8_t* data, size_t size, BuildError* error) {
    const uint16_t phnum = read16(data + k_e_phnum);
    if (phnum == 0) return fail(error, Errno::einval, "ELF: no program headers");
    if (phnum == elf::k_pn_xnum || phnum > elf::k_max_program_headers)
        return fail(error, Errno::einval, "ELF: too many program headers");
    if (read16(data + k_e_phentsize) != elf::k_phdr_size)
        return fail(error, Errno::einval, "ELF: program header entry size is not 56");
    // phnum * 56 cannot wrap: phnum <= 512.
    if (!range_in_file(read64(data + k_e_phoff), uint64_t{phnum} * elf::k_phdr_size, size))
        return fail(error, Errno::einval, "ELF: program header table outside the file");

    // Section headers are optional (a stripped kernel may have none); notes
    // are only looked for there when no PT_NOTE carries them.
    const uint16_t shnum = read16(data + k_e_shnum);
    if (shnum == 0) return Status::ok();
    if (read16(data + k_e_shentsize) != elf::k_shdr_size)
        return fail(error, Errno::einval, "ELF: section header entry size is not 64");
    if (!range_in_file(read64(data + k_e_shoff), uint64_t{shnum} * elf::k_shdr_size, size))
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

Result<ElfImage> ElfImage::parse(const uint8_t* data, size_t size, BuildError* error) {
    TRY(check_header(data, size, error));
    TRY(check_tables(data, size, error));

    ElfImage image;
    image.data_ = data;
    image.size_ = size;
    image.type_ = read16(data + k_e_type);
    image.entry_ = read64(data + k_e_entry);
    image.phoff_ = read64(data + k_e_phoff);
    image.phnum_ = read16(data + k_e_phnum);
    image.shnum_ = read16(data + k_e_shnum);
    image.shoff_ = image.shnum_ != 0 ? read64(data + k_e_shoff) : 0;

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
    const uint8_t* p = data_ + phoff_ + index * elf::k_phdr_size;
    ElfSegment s;
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
    const uint8_t* p = data_ + shoff_ + index * elf::k_shdr_size;
    ElfSection s;
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
