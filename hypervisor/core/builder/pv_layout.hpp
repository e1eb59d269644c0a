// The start-of-day virtual layout of an x86-64 PV domain: where the kernel,
// initrd, p2m list, start_info, bootstrap page tables and boot stack go, and
// which guest pfn backs each. Pure arithmetic; the builder then allocates,
// maps and fills. One computation for the boot domain (as Xen's
// dom0_construct_pv lays it out) and for DomUs (as the toolstack's
// libxenguest does; the same rules plus the xenstore and console pages).
//
// The initial mapping [virt_start, virt_end) starts at VIRT_BASE and maps
// guest pfns 0, 1, 2, ... one to one, so pfn(va) = (va - virt_start) / 4 KiB.
// Inside it, each area starting on a page boundary after the previous one:
//
//   kernel      [virt_kstart, virt_kend)         from the ELF image
//   initrd      mod_len bytes                    unless MOD_START_PFN (see below)
//   p2m list    nr_pages * 8 bytes               unless INIT_P2M (see below)
//   start_info  one page (Dom0: start_info then the VGA console info)
//   xenstore    one page                         DomU only
//   console     one page                         DomU only
//   page tables nr_pt_frames pages, L4 first     mapped read-only by the builder
//   boot stack  one page; RSP = its end
//   padding     >= 512 KiB; virt_end is 4 MiB aligned
//
// The page-table count depends on virt_end, which depends on the count: like
// Xen we take the smallest count n >= 2 with
//   n >= 1 (L4) + #L3 + #L2 + #L1 tables needed to map [virt_start, virt_end(n)).
//
// MOD_START_PFN: the initrd is not mapped; its frames follow the mapping
// (module_pfn = mapped_pages), start_info.mod_start holds that pfn and
// SIF_MOD_START_PFN is set. (Xen's Dom0 builder puts them after its
// power-of-two allocation instead; libxenguest, like us, right after the
// mapping. The guest only reads the pfn.)
//
// INIT_P2M: the p2m list lives at that (page-aligned) address outside the
// mapping, on its own frames after everything else (first_p2m_pfn), mapped
// with 4 KiB pages: nr_p2m_frames = its data pages followed by the L3/L2/L1
// tables that the initial mapping does not already provide. A misaligned
// INIT_P2M is ignored and the list goes inside the mapping, as libxenguest
// does.
#pragma once

#include "core/builder/build_error.hpp"
#include "core/builder/xen_notes.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv::builder {

inline constexpr uint64_t k_layout_page_size = 4096;
inline constexpr uint64_t k_mapping_alignment = 4ull << 20; // virt_end rounding (4 MiB)
inline constexpr uint64_t k_min_padding = 512ull << 10;     // mapped beyond the stack
// The range every x86-64 PV guest leaves to the hypervisor (Xen's
// HYPERVISOR_VIRT_START..HYPERVISOR_VIRT_END; PML4 slots 256-271).
inline constexpr uint64_t k_hypervisor_hole_start = 0xffff'8000'0000'0000ull;
inline constexpr uint64_t k_hypervisor_hole_end = 0xffff'8800'0000'0000ull;
// 48-bit canonical halves.
inline constexpr uint64_t k_lower_half_end = 0x0000'8000'0000'0000ull;
inline constexpr uint64_t k_upper_half_start = 0xffff'8000'0000'0000ull;

enum class DomainKind : uint8_t {
    boot,  // Dom0: start_info followed by Dom0VgaConsoleInfo
    guest, // DomU: start_info, xenstore page, console page
};

struct LayoutRequest {
    uint64_t nr_pages = 0;   // the domain's memory, in 4 KiB pages
    uint64_t module_len = 0; // initrd size in bytes; 0 = none
    DomainKind kind = DomainKind::boot;
};

struct PageTableCounts {
    uint64_t l4 = 0;
    uint64_t l3 = 0;
    uint64_t l2 = 0;
    uint64_t l1 = 0;
    uint64_t total() const { return l4 + l3 + l2 + l1; }
};

struct PvLayout {
    uint64_t nr_pages = 0;
    // The initial mapping.
    uint64_t virt_start = 0; // VIRT_BASE
    uint64_t virt_end = 0;   // exclusive, 4 MiB aligned
    uint64_t mapped_pages = 0;

    uint64_t kernel_start = 0; // virt_kstart
    uint64_t kernel_end = 0;   // virt_kend
    uint64_t entry = 0;        // initial RIP
    bool has_hypercall_page = false;
    uint64_t hypercall_page = 0;

    // Initrd. Mapped: [module_start, module_start + module_len) in the
    // mapping. By pfn: module_start = 0, frames [module_pfn, + module_pages).
    uint64_t module_len = 0;
    uint64_t module_pages = 0;
    bool module_by_pfn = false;
    uint64_t module_start = 0;
    uint64_t module_pfn = 0;

    // p2m list: [p2m_start, p2m_end) = nr_pages 8-byte entries (start_info.mfn_list).
    bool p2m_in_mapping = true;
    uint64_t p2m_start = 0;
    uint64_t p2m_end = 0;
    uint64_t p2m_pages = 0;       // data pages
    uint64_t p2m_table_pages = 0; // outside the mapping only
    uint64_t first_p2m_pfn = 0;   // start_info.first_p2m_pfn (outside only; else 0)
    uint64_t nr_p2m_frames = 0;   // start_info.nr_p2m_frames (outside only; else 0)

    uint64_t start_info = 0; // RSI
    uint64_t start_info_pfn = 0;
    uint64_t xenstore = 0; // DomU only (else 0)
    uint64_t xenstore_pfn = 0;
    uint64_t console = 0; // DomU only (else 0)
    uint64_t console_pfn = 0;

    uint64_t pt_base = 0; // start_info.pt_base: the L4
    uint64_t pt_pfn = 0;
    uint64_t nr_pt_frames = 0; // start_info.nr_pt_frames
    PageTableCounts tables;    // how nr_pt_frames splits by level

    uint64_t stack_start = 0;
    uint64_t stack_end = 0; // initial RSP
    uint64_t stack_pfn = 0;

    uint64_t pages_needed = 0; // mapping + unmapped initrd + p2m frames outside

    // What start_info.mod_start holds: the initrd's address, or its pfn.
    uint64_t start_info_mod_start() const { return module_by_pfn ? module_pfn : module_start; }
    // start_info.flags bits the layout decides (SIF_MOD_START_PFN); the
    // caller adds SIF_PRIVILEGED | SIF_INITDOMAIN for the boot domain.
    uint32_t start_info_flags() const;
    // The pfn backing an address of the initial mapping.
    uint64_t pfn_of(uint64_t va) const { return (va - virt_start) / k_layout_page_size; }
};

// Computes and validates the layout for a kernel whose `info` went through
// check_xen_guest(). Fails with EINVAL (and a message) when VIRT_BASE is not
// page aligned, when the mapping or the p2m list would wrap, leave the
// canonical halves or touch the hypervisor's range, when INIT_P2M overlaps
// the mapping, or when HYPERCALL_PAGE is not a page inside the mapping; with
// ENOMEM and "not enough memory: N pages needed" when nr_pages is too small.
Result<PvLayout> compute_pv_layout(const XenGuestInfo& info, const LayoutRequest& request,
                                   BuildError* error = nullptr);

} // namespace pv::builder
