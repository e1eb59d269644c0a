// What minios learns at start of day from start_info and the entry
// registers, and the layout facts it relies on (Xen's xen.h "start of day
// memory layout", which Paravane's builder follows):
//   * the bootstrap region starts at VIRT_BASE and maps guest pfns 0.. one
//     to one: va = VIRT_BASE + pfn * 4 KiB;
//   * in order, page aligned: kernel image, initrd (unless SIF_MOD_START_PFN),
//     p2m list (mfn_list, nr_pages 8-byte entries), start_info, the bootstrap
//     page tables (pt_base, nr_pt_frames, mapped read-only), the boot stack
//     (entry rsp is its top);
//   * at least 512 KiB of mapped padding follow, and the region ends on a
//     4 MiB boundary.
// So everything below round_up(entry_rsp + 512 KiB, 4 MiB) is mapped (and
// below nr_pages), and pages from entry_rsp on are free for minios.
#pragma once

#include "arch/asm_constants.h"
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
    const abi::StartInfo* start_info = nullptr;
    uint64_t entry_rsp = 0;        // the hypervisor's boot stack top
    uint64_t image_end = 0;        // end of our loaded image (page aligned)
    uint64_t mapped_end = 0;       // end of the bootstrap mapping we may rely on
    uint64_t first_free = 0;       // first page no bootstrap element uses
    const uint64_t* p2m = nullptr; // mfn_list: pfn -> mfn

    bool is_initial_domain() const { return start_info->flags & abi::k_sif_initdomain; }
    bool is_privileged() const { return start_info->flags & abi::k_sif_privileged; }
    uint64_t nr_pages() const { return start_info->nr_pages; }
    pv::StringView command_line() const;
    pv::StringView magic() const;

    // The initrd / first module, mapped in the bootstrap region, or empty.
    struct Module {
        const uint8_t* data = nullptr;
        uint64_t size = 0;
        uint64_t first_pfn = 0; // with SIF_MOD_START_PFN: given as a pfn, not mapped
        bool mapped = false;
    };
    Module module() const;

    bool is_mapped(uint64_t va, uint64_t size) const {
        return va >= k_virt_base && size <= mapped_end - k_virt_base &&
               va - k_virt_base <= mapped_end - k_virt_base - size;
    }
    uint64_t pfn_of(uint64_t va) const { return (va - k_virt_base) / k_page_size; }
    uint64_t va_of(uint64_t pfn) const { return k_virt_base + pfn * k_page_size; }
    uint64_t mfn_of(uint64_t pfn) const { return p2m[pfn]; }
};

// Reads start_info and the entry state. Returns a description of the first
// layout rule the hypervisor broke, or nullptr.
const char* parse_boot_info(const abi::StartInfo* si, uint64_t entry_rsp, BootInfo& out);

// Prints what start_info says, one fact a line.
void print_boot_info(const BootInfo& boot);

} // namespace minios
