// The hypervisor file as the EFI loader sees it: an ELF32 executable whose
// PT_LOAD segments go to their physical addresses (p_paddr) below 4 GiB, with
// a multiboot2 header in its first 32 KiB (Multiboot2 Specification §3.1.1).
// That is build/images/paravane (scripts/lib/mkelf32): one segment at 0x200000.
//
// Pure code: it checks the headers it is given and says where things go;
// efi_main.cpp does the allocating and reading.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pv::efi {

// How much of the file's start the checks need: ELF and program headers and
// the multiboot2 header all lie inside it.
constexpr size_t k_image_head_size = 32 * 1024;

struct LoadSegment {
    uint32_t phys;        // where it goes
    uint32_t file_offset; // where its bytes are in the file
    uint32_t file_size;   // bytes copied from the file
    uint32_t mem_size;    // bytes occupied; the rest after file_size is zeroed
};

struct ImagePlan {
    static constexpr size_t k_max_segments = 8;
    LoadSegment segments[k_max_segments];
    size_t segment_count;
    uint32_t entry;    // physical address of the 32-bit multiboot entry
    uint64_t phys_low; // the range all segments span, page-aligned outwards
    uint64_t phys_high;
};

// Checks `head` (the first min(file_size, k_image_head_size) bytes of a file of
// `file_size` bytes) and fills `plan`. False with a short static `*reason`
// when it is no ELF32 x86 executable, has no or too many loadable segments,
// a segment outside its file or above 4 GiB, an entry point outside every
// segment, or no multiboot2 header.
bool plan_elf32_image(const uint8_t* head, size_t head_size, uint64_t file_size, ImagePlan& plan,
                      const char** reason);

// A valid multiboot2 header (magic, i386 architecture, checksum) at an
// 8-byte boundary of `head`.
bool has_multiboot2_header(const uint8_t* head, size_t head_size);

} // namespace pv::efi
