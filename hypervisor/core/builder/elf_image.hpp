// A read-only view of an ELF64 x86-64 kernel image held in memory: the first
// boot module, or a file the toolstack read in Dom0; on request (PVH
// kernels, which Xen also accepts as ELF32 i386 files) an ELF32 image, whose
// fields are widened to the same 64-bit view. parse() checks
// everything the builder later relies on, so that loading and note parsing
// only ever touch bytes inside the file (ELF-64 Object File Format 1.5,
// System V ABI AMD64 supplement for the x86-64 values).
//
// Like Xen's libelf, a "loadable" segment is a PT_LOAD with at least one of
// R/W/X set, and segments are placed by their p_paddr: the builder maps the
// image at VIRT_BASE + (p_paddr - PADDR_OFFSET). load_start()/load_end() are
// the p_paddr extents Xen calls pstart/pend.
#pragma once

#include "core/builder/build_error.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::builder {

namespace elf {
inline constexpr size_t k_header_size = 64; // Elf64_Ehdr
inline constexpr size_t k_phdr_size = 56;   // Elf64_Phdr
inline constexpr size_t k_shdr_size = 64;   // Elf64_Shdr
inline constexpr uint8_t k_class_64 = 2;    // EI_CLASS: ELFCLASS64
inline constexpr uint8_t k_data_lsb = 1;    // EI_DATA: ELFDATA2LSB
inline constexpr uint8_t k_version_current = 1;
inline constexpr uint16_t k_type_exec = 2; // ET_EXEC
inline constexpr uint16_t k_type_dyn = 3;  // ET_DYN
inline constexpr uint16_t k_machine_x86_64 = 62;
inline constexpr uint32_t k_pt_load = 1;
inline constexpr uint32_t k_pt_note = 4;
inline constexpr uint32_t k_pf_x = 1;
inline constexpr uint32_t k_pf_w = 2;
inline constexpr uint32_t k_pf_r = 4;
inline constexpr uint32_t k_sht_note = 7;
inline constexpr uint16_t k_pn_xnum = 0xffff; // e_phnum escape for > 65534 headers
// ELF32 (PVH only): Elf32_Ehdr, Elf32_Phdr, Elf32_Shdr sizes, i386 machine.
inline constexpr uint8_t k_class_32 = 1; // EI_CLASS: ELFCLASS32
inline constexpr size_t k_header32_size = 52;
inline constexpr size_t k_phdr32_size = 32;
inline constexpr size_t k_shdr32_size = 40;
inline constexpr uint16_t k_machine_i386 = 3;

// More program headers than any kernel has; bounds the overlap check.
inline constexpr size_t k_max_program_headers = 512;

// Little-endian field readers; the image need not be aligned.
constexpr uint16_t read16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] | p[1] << 8);
}
constexpr uint32_t read32(const uint8_t* p) {
    return read16(p) | uint32_t{read16(p + 2)} << 16;
}
constexpr uint64_t read64(const uint8_t* p) {
    return read32(p) | uint64_t{read32(p + 4)} << 32;
}
} // namespace elf

struct ElfSegment {
    uint32_t type = 0;
    uint32_t flags = 0;
    uint64_t offset = 0;
    uint64_t vaddr = 0;
    uint64_t paddr = 0;
    uint64_t filesz = 0;
    uint64_t memsz = 0;
    uint64_t align = 0;

    bool loadable() const {
        return type == elf::k_pt_load && (flags & (elf::k_pf_r | elf::k_pf_w | elf::k_pf_x)) != 0;
    }
};

struct ElfSection {
    uint32_t type = 0;
    uint64_t flags = 0;
    uint64_t addr = 0;
    uint64_t offset = 0;
    uint64_t size = 0;
};

// Where load() puts the image: offsets are relative to load_start(), i.e. to
// the kernel's first byte in the guest (Xen's virt_kstart).
class ElfLoadSink {
public:
    virtual Status copy(uint64_t offset, const uint8_t* bytes, uint64_t length) = 0;
    virtual Status zero(uint64_t offset, uint64_t length) = 0;

protected:
    ~ElfLoadSink() = default;
};

class ElfImage {
public:
    ElfImage() = default;

    // Validates `size` bytes at `data` (which must outlive the view):
    //  * ident: magic, 64-bit class (or, with accept_elf32, 32-bit class
    //    with e_machine i386), little-endian, version 1; e_version 1;
    //  * e_machine x86-64, e_type EXEC or DYN (Xen itself does not look at
    //    e_type; REL and CORE files have no loadable layout, so we refuse);
    //  * program headers: 1..k_max_program_headers entries of 56 bytes (32
    //    for ELF32), the table inside the file; section headers (if any) 64
    //    bytes each (40 for ELF32), the table inside the file;
    //  * every PT_LOAD and PT_NOTE: file data inside the file; every PT_LOAD:
    //    filesz <= memsz, paddr + memsz and vaddr + memsz do not wrap;
    //  * at least one loadable segment; no two loadable segments overlap,
    //    neither in virtual nor in load (physical) addresses.
    // EINVAL on any failure, with its own message in *error.
    static Result<ElfImage> parse(const uint8_t* data, size_t size, BuildError* error = nullptr,
                                  bool accept_elf32 = false);

    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    uint16_t type() const { return type_; }
    uint64_t entry() const { return entry_; }
    bool is_elf32() const { return elf32_; }

    size_t segment_count() const { return phnum_; }
    ElfSegment segment(size_t index) const; // index < segment_count()
    size_t section_count() const { return shnum_; }
    ElfSection section(size_t index) const; // index < section_count(); not validated

    // Extents of the loadable segments: [load_start, load_end) over p_paddr
    // (Xen's pstart/pend), [virt_start, virt_end) over p_vaddr.
    uint64_t load_start() const { return load_start_; }
    uint64_t load_end() const { return load_end_; }
    uint64_t virt_start() const { return virt_start_; }
    uint64_t virt_end() const { return virt_end_; }

    // Copies every loadable segment's file bytes to (paddr - load_start) and
    // zeroes the rest of its memsz (BSS). Gaps between segments are not
    // written: the builder hands the guest cleared pages. Stops at the first
    // error the sink reports.
    Status load(ElfLoadSink& sink) const;

private:
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    uint16_t type_ = 0;
    bool elf32_ = false;
    uint64_t entry_ = 0;
    uint64_t phoff_ = 0;
    size_t phnum_ = 0;
    uint64_t shoff_ = 0;
    size_t shnum_ = 0;
    uint64_t load_start_ = 0;
    uint64_t load_end_ = 0;
    uint64_t virt_start_ = 0;
    uint64_t virt_end_ = 0;
};

// True when [offset, offset + length) lies inside a file of `size` bytes.
constexpr bool range_in_file(uint64_t offset, uint64_t length, uint64_t size) {
    return offset <= size && length <= size - offset;
}

} // namespace pv::builder
