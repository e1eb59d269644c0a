// The PVH domain builder: fills a PVH domain's guest-physical memory with
// what Xen's PVH boot contract promises a kernel (docs/misc/pvh.pandoc in
// Xen): the kernel at its physical load addresses, an optional ramdisk,
// hvm_start_info (include/public/hvm_start_info.hpp) with the command line,
// module list and an E820-style memory map, ACPI tables, and two zeroed
// special pages for the console and xenstore rings. The vCPU then starts
// in 32-bit protected mode with paging off at EIP = entry, EBX =
// start_info_gpa. Arch-neutral: the toolstack calls it over foreign
// mappings of the new domain's frames, the hypervisor may call it over its
// direct map, the unit tests over a byte buffer.
//
// Guest-physical layout, for R = memory_pages * 4 KiB (R <= k_pvh_max_ram):
//
//   [0, R - 5 pages)            RAM (E820 type 1)
//       kernel                  [kernel_start_gpa, kernel_end_gpa): each
//                               PT_LOAD at its p_paddr (see "Load address")
//       ramdisk                 at the first page boundary after the kernel,
//                               module 0 of the module list
//   [R - 5 pages, R - 3 pages)  boot information (E820 reserved), zeroed:
//       +0x000                  hvm_start_info (version 1, 56 bytes)  <- EBX
//       +0x040                  module list (one 32-byte entry)
//       +0x080                  memory map (up to k_pvh_max_memmap entries)
//       +0x200                  the ramdisk's command line (< 3584 bytes)
//       +0x1000                 the kernel command line (< 4096 bytes)
//   [R - 3 pages, R - 2 pages)  ACPI tables (E820 type 3, ACPI reclaimable):
//                               RSDP first (core/acpi/build_tables.hpp)
//   R - 2 pages                 console ring page (E820 reserved), zeroed
//   R - 1 page                  xenstore ring page (E820 reserved), zeroed
//
// Everything sits at the top of RAM so that it collides neither with Linux
// (vmlinux loads at 16 MiB) nor with kernels linked at 1 MiB or at 0; the
// builder still checks the kernel and ramdisk against it and refuses an
// overlap. Page 0 is never used by the builder (0 means "absent" in
// hvm_start_info). Nothing is placed at or above 4 GiB: R is capped well
// below it, leaving the local APIC page (0xFEE00000) outside RAM.
//
// Load address. Xen (since 4.16) ignores VIRT_BASE and PADDR_OFFSET for PVH
// and loads each segment at p_paddr; older Xen toolstacks loaded it at
// p_paddr - PADDR_OFFSET. Both agree for every kernel whose p_paddr range
// lies below 4 GiB (Linux, FreeBSD, ...), and there we use p_paddr. A kernel
// whose p_paddr range lies at or above 4 GiB (p_paddr == p_vaddr, linked in
// the top 2 GiB) can only mean the older rule: it loads at
// p_paddr - PADDR_OFFSET.
//
// Refused (EINVAL, with the reason in `why`): a malformed ELF image or Xen
// note (elf_image.hpp, xen_notes.hpp), no PHYS32_ENTRY note, an entry point
// outside the loaded kernel, a kernel or ramdisk that does not fit in RAM
// below the boot information, vcpu_count 0 or above k_pvh_max_vcpus,
// memory below k_pvh_min_memory_pages or above k_pvh_max_ram, a command line
// that does not fit its slot, a ramdisk pointer without a size (or the
// reverse), a ramdisk command line without a ramdisk. Errors from the
// memory interface are passed on (EFAULT etc.) with a reason.
//
// Memory the builder does not write (gaps between segments, RAM after the
// ramdisk) is left as the caller handed it over: fresh domain frames are
// zeroed. FEATURES requirements are a PV paging matter and are not checked
// (a PVH guest uses its own page tables).
#pragma once

#include "core/builder/build_error.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::builder {

// Writes into the guest's RAM by guest-physical address. The builder only
// writes inside [0, memory_pages * 4 KiB), never across 4 GiB; one call may
// span many pages (a whole kernel segment or ramdisk), so an implementation
// over per-frame mappings splits it at page boundaries.
class GuestPhysicalMemory {
public:
    virtual Status write(uint64_t gpa, const void* src, size_t len) = 0;
    virtual Status fill(uint64_t gpa, uint8_t byte, size_t len) = 0;

protected:
    ~GuestPhysicalMemory() = default;
};

inline constexpr uint32_t k_pvh_max_vcpus = 8;
inline constexpr uint64_t k_pvh_page_size = 4096;
// 1 MiB: room for a small kernel below the builder's pages.
inline constexpr uint64_t k_pvh_min_memory_pages = 256;
// RAM ends at or below 3.75 GiB: the top of the 32-bit space stays free for
// the local APIC and whatever MMIO may come.
inline constexpr uint64_t k_pvh_max_ram = 0xf000'0000;
inline constexpr uint64_t k_pvh_max_memory_pages = k_pvh_max_ram / k_pvh_page_size;

// Pages at the top of RAM, counted down from R (see the layout above).
inline constexpr uint64_t k_pvh_store_pages_from_top = 1;
inline constexpr uint64_t k_pvh_console_pages_from_top = 2;
inline constexpr uint64_t k_pvh_acpi_pages_from_top = 3;
inline constexpr uint64_t k_pvh_boot_info_pages_from_top = 5;
inline constexpr uint64_t k_pvh_boot_info_pages = 2;
inline constexpr uint64_t k_pvh_reserved_pages = 5; // all of the above

// Offsets inside the boot information.
inline constexpr uint64_t k_pvh_start_info_offset = 0x000;
inline constexpr uint64_t k_pvh_modlist_offset = 0x040;
inline constexpr uint64_t k_pvh_memmap_offset = 0x080;
inline constexpr uint32_t k_pvh_max_memmap = 8;
inline constexpr uint64_t k_pvh_module_cmdline_offset = 0x200;
inline constexpr size_t k_pvh_max_module_cmdline = 0x1000 - 0x200; // NUL included
inline constexpr uint64_t k_pvh_cmdline_offset = 0x1000;
inline constexpr size_t k_pvh_max_cmdline = 0x1000; // NUL included

struct PvhBuildRequest {
    const uint8_t* kernel = nullptr; // ELF64 x86-64 or ELF32 i386, with a PHYS32_ENTRY note
    size_t kernel_size = 0;
    const char* cmdline = nullptr;    // null: none (cmdline_paddr 0)
    const uint8_t* ramdisk = nullptr; // null (and size 0): no module
    size_t ramdisk_size = 0;
    const char* ramdisk_cmdline = nullptr; // null: module cmdline_paddr 0
    uint64_t memory_pages = 0;             // RAM: gfns [0, memory_pages)
    uint32_t vcpu_count = 0;               // 1..k_pvh_max_vcpus (MADT entries)
};

struct PvhBuildResult {
    uint32_t entry = 0;          // PHYS32_ENTRY (EIP, protected mode, paging off)
    uint32_t start_info_gpa = 0; // EBX
    uint64_t console_gfn = 0;    // special pages (E820 reserved), zeroed
    uint64_t store_gfn = 0;
    uint64_t kernel_start_gpa = 0; // [start, end): the loaded kernel, BSS included
    uint64_t kernel_end_gpa = 0;
    // Beyond the agreed interface, for callers that want to log or check:
    uint64_t ramdisk_gpa = 0; // 0 when there is no ramdisk
    uint64_t ramdisk_size = 0;
    uint64_t boot_info_gpa = 0; // == start_info_gpa
    uint64_t acpi_gpa = 0;      // the ACPI page; the RSDP is at rsdp_gpa
    uint64_t rsdp_gpa = 0;
    uint64_t ram_end = 0; // memory_pages * 4 KiB
    uint32_t memmap_entries = 0;
};

// Builds the start of day described above into `memory`. On failure `why`
// says what was refused; guest memory may be partly written.
Result<PvhBuildResult> build_pvh(const PvhBuildRequest& request, GuestPhysicalMemory& memory,
                                 BuildError& why);

} // namespace pv::builder
