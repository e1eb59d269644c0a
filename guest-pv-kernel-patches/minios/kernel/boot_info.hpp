// What minios learns at start of day, in a form that does not depend on
// how it was booted. PV fills it from start_info and the entry registers
// (parse_boot_info below); PVH and bare metal from hvm_start_info or the
// multiboot information (kernel/platform_pvh.cpp, platform_native.cpp).
//
// In every mode the region from VIRT_BASE maps guest pfns 0.. one to one
// (va = VIRT_BASE + pfn * 4 KiB) up to mapped_end, the kernel sits at
// MINIOS_KERNEL_VIRT, and pages from first_free to mapped_end are free for
// the page allocator.
//
// PV layout facts (Xen's xen.h "start of day memory layout", which
// Paravane's builder follows):
//   * in order, page aligned from the kernel on: kernel image, initrd
//     (unless SIF_MOD_START_PFN), p2m list (mfn_list, nr_pages 8-byte
//     entries), start_info, the bootstrap page tables (pt_base,
//     nr_pt_frames, mapped read-only), the boot stack (entry rsp is its
//     top); the pages between VIRT_BASE and the kernel are mapped and unused;
//   * at least 512 KiB of mapped padding follow, and the region ends on a
//     4 MiB boundary.
// So everything below round_up(entry_rsp + 512 KiB, 4 MiB) is mapped (and
// below nr_pages), and pages from entry_rsp on are free for minios.
#pragma once

#include "arch/asm_constants.h"
#include "include/public/hvm_start_info.hpp"
#include "include/public/start_info.hpp"
#include "lib/string_view.hpp"

#include <cstdint>

namespace minios {

namespace abi = pv::abi;

inline constexpr uint64_t k_virt_base = MINIOS_VIRT_BASE;
inline constexpr uint64_t k_page_size = abi::k_page_size;

constexpr uint64_t round_up(uint64_t value, uint64_t align) {
    return (value + align - 1) & ~(align - 1);
}

struct BootInfo {
    // PV only (nullptr otherwise): start_info and the p2m.
    const abi::StartInfo* start_info = nullptr;
    const uint64_t* p2m = nullptr; // mfn_list: pfn -> mfn
    uint64_t entry_rsp = 0;        // PV: the hypervisor's boot stack top
    // PVH only: hvm_start_info, through the identity map (arch/start32.S).
    const abi::HvmStartInfo* hvm_start_info = nullptr;

    uint64_t image_end = 0;  // end of our loaded image (page aligned)
    uint64_t mapped_end = 0; // end of the mapping from VIRT_BASE we may rely on
    uint64_t first_free = 0; // first page no boot element uses
    uint64_t pages = 0;      // the domain's (or machine's) memory in pages
    uint32_t flags = 0;      // k_sif_* (PV start_info.flags, hvm_start_info.flags)
    pv::StringView cmdline;

    // The initrd / first module, mapped, or empty.
    struct Module {
        const uint8_t* data = nullptr;
        uint64_t size = 0;
        uint64_t first_pfn = 0; // with SIF_MOD_START_PFN: given as a pfn, not mapped
        bool mapped = false;
    };
    Module first_module;

    bool is_initial_domain() const { return flags & abi::k_sif_initdomain; }
    bool is_privileged() const { return flags & abi::k_sif_privileged; }
    uint64_t nr_pages() const { return pages; }
    pv::StringView command_line() const { return cmdline; }
    // PV: start_info's magic; empty in the other modes.
    pv::StringView magic() const;
    Module module() const { return first_module; }

    bool is_mapped(uint64_t va, uint64_t size) const {
        return va >= k_virt_base && size <= mapped_end - k_virt_base &&
               va - k_virt_base <= mapped_end - k_virt_base - size;
    }
    uint64_t pfn_of(uint64_t va) const { return (va - k_virt_base) / k_page_size; }
    uint64_t va_of(uint64_t pfn) const { return k_virt_base + pfn * k_page_size; }
    // The frame number the hypervisor knows a page by: PV the machine frame
    // (p2m), otherwise the guest frame itself (translated guests name
    // guest frames in hypercalls).
    uint64_t mfn_of(uint64_t pfn) const { return p2m != nullptr ? p2m[pfn] : pfn; }
};

// PV: reads start_info and the entry state. Returns a description of the first
// layout rule the hypervisor broke, or nullptr.
const char* parse_boot_info(const abi::StartInfo* si, uint64_t entry_rsp, BootInfo& out);

// PV: prints what start_info says, one fact a line.
void print_boot_info(const BootInfo& boot);

} // namespace minios
