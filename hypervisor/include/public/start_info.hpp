// start_info: what a PV kernel finds at RSI on entry. Layout of Xen's
// struct start_info for x86-64 (xen.h), SIF_* flags, the multiboot module
// list and the Dom0 VGA console description; our words.
//
// Start-of-day layout a PV kernel expects (all inside one virtually
// contiguous region starting at the kernel's VIRT_BASE, each element page
// aligned, in this order):
//   kernel image; initrd [mod_start, mod_len] unless SIF_MOD_START_PFN;
//   p2m list [mfn_list, nr_pages entries] unless the INIT_P2M note moved it;
//   this start_info page (for Dom0, followed by the console info);
//   for a DomU the xenstore and console ring pages;
//   the bootstrap page tables [pt_base, nr_pt_frames], mapped read-only;
//   the boot stack (RSP). Then at least 512 KiB of mapped padding, the
//   region rounded up to a 4 MiB boundary. Everything but the page tables is
//   mapped writable; the region maps guest pfns 0.. one to one.
#ifndef PARAVANE_PUBLIC_START_INFO_HPP
#define PARAVANE_PUBLIC_START_INFO_HPP

#include "types.hpp"

namespace pv::abi {

// "xen-<major>.<minor>-<arch>"; Xen writes this exact string for a 64-bit
// PV guest and kernels check its "xen-3" prefix.
inline constexpr char k_start_info_magic[] = "xen-3.0-x86_64";
inline constexpr uint32_t k_start_info_magic_size = 32;
static_assert(sizeof(k_start_info_magic) <= k_start_info_magic_size);

inline constexpr uint32_t k_max_guest_cmdline = 1024;

struct StartInfo {
    // Filled on first boot and again on resume.
    char magic[k_start_info_magic_size]; // k_start_info_magic, NUL-padded
    uint64_t nr_pages;                   // pages allocated to the domain
    uint64_t shared_info;                // machine address of the shared-info page
    uint32_t flags;                      // k_sif_*
    uint32_t pad0;
    Pfn store_mfn;         // xenstore ring frame (DomU)
    uint32_t store_evtchn; // xenstore event channel (DomU)
    uint32_t pad1;
    union Console {
        struct DomU {
            Pfn mfn;         // console ring frame
            uint32_t evtchn; // console event channel
            uint32_t pad;
        } domu;
        struct Dom0 {
            uint32_t info_off;  // offset of Dom0VgaConsoleInfo from the start of this page
            uint32_t info_size; // its size
        } dom0;
    } console;
    // Filled on first boot only.
    uint64_t pt_base;      // virtual address of the top-level bootstrap page table
    uint64_t nr_pt_frames; // number of bootstrap page-table frames
    uint64_t mfn_list;     // virtual address of the p2m list (pfn -> mfn)
    uint64_t mod_start;    // virtual address of the initrd, or its first pfn with SIF_MOD_START_PFN
    uint64_t mod_len;      // initrd size in bytes
    char cmd_line[k_max_guest_cmdline];
    // Frames holding the initial page tables and p2m when INIT_P2M placed
    // them outside the initial mapping.
    uint64_t first_p2m_pfn;
    uint64_t nr_p2m_frames;
};
static_assert(sizeof(StartInfo::Console) == 16);
static_assert(offsetof(StartInfo::Console::DomU, mfn) == 0);
static_assert(offsetof(StartInfo::Console::DomU, evtchn) == 8);
static_assert(offsetof(StartInfo::Console::Dom0, info_off) == 0);
static_assert(offsetof(StartInfo::Console::Dom0, info_size) == 4);

static_assert(sizeof(StartInfo) == 1168);
static_assert(sizeof(StartInfo) <= k_page_size);
static_assert(offsetof(StartInfo, magic) == 0);
static_assert(offsetof(StartInfo, nr_pages) == 32);
static_assert(offsetof(StartInfo, shared_info) == 40);
static_assert(offsetof(StartInfo, flags) == 48);
static_assert(offsetof(StartInfo, store_mfn) == 56);
static_assert(offsetof(StartInfo, store_evtchn) == 64);
static_assert(offsetof(StartInfo, console) == 72);
static_assert(offsetof(StartInfo, pt_base) == 88);
static_assert(offsetof(StartInfo, nr_pt_frames) == 96);
static_assert(offsetof(StartInfo, mfn_list) == 104);
static_assert(offsetof(StartInfo, mod_start) == 112);
static_assert(offsetof(StartInfo, mod_len) == 120);
static_assert(offsetof(StartInfo, cmd_line) == 128);
static_assert(offsetof(StartInfo, first_p2m_pfn) == 1152);
static_assert(offsetof(StartInfo, nr_p2m_frames) == 1160);

// StartInfo::flags (also hvm_start_info.flags).
inline constexpr uint32_t k_sif_privileged = 1u << 0;    // may use privileged operations
inline constexpr uint32_t k_sif_initdomain = 1u << 1;    // is the initial control domain
inline constexpr uint32_t k_sif_multiboot_mod = 1u << 2; // the module is a multiboot module package
inline constexpr uint32_t k_sif_mod_start_pfn = 1u
                                                << 3; // mod_start is a pfn, not a virtual address
inline constexpr uint32_t k_sif_virt_p2m_4tools = 1u << 4; // tools understand the linear p2m
inline constexpr uint32_t k_sif_pm_mask = 0xffu << 8;      // reserved for power-management options

// With k_sif_multiboot_mod, the module begins with an array of these,
// terminated by an entry whose mod_start is 0. Addresses are relative to the
// start of the module.
struct MultibootModList {
    uint32_t mod_start; // first byte
    uint32_t mod_end;   // last byte (inclusive)
    uint32_t cmdline;   // NUL-terminated command line
    uint32_t pad;       // zero
};
static_assert(sizeof(MultibootModList) == 16);
static_assert(offsetof(MultibootModList, mod_start) == 0);
static_assert(offsetof(MultibootModList, mod_end) == 4);
static_assert(offsetof(MultibootModList, cmdline) == 8);
static_assert(offsetof(MultibootModList, pad) == 12);

// Dom0's console hardware, placed in the start_info page at
// console.dom0.info_off.
inline constexpr uint8_t k_vga_type_text_mode_3 = 0x03;
inline constexpr uint8_t k_vga_type_vesa_lfb = 0x23;
inline constexpr uint8_t k_vga_type_efi_lfb = 0x70;

struct Dom0VgaConsoleInfo {
    uint8_t video_type; // k_vga_type_*
    uint8_t pad0[3];
    union Mode {
        struct TextMode3 {
            uint16_t font_height; // pixels
            uint16_t cursor_x;    // column
            uint16_t cursor_y;    // row
            uint16_t rows;
            uint16_t columns;
        } text_mode_3;
        struct VesaLfb {
            uint16_t width; // pixels
            uint16_t height;
            uint16_t bytes_per_line;
            uint16_t bits_per_pixel;
            uint32_t lfb_base; // physical address, low 32 bits
            uint32_t lfb_size; // in 64 KiB units
            uint8_t red_pos, red_size;
            uint8_t green_pos, green_size;
            uint8_t blue_pos, blue_size;
            uint8_t rsvd_pos, rsvd_size;
            uint32_t gbl_caps;   // VBE controller capabilities
            uint16_t mode_attrs; // VBE mode attributes
            uint16_t pad;
            uint32_t ext_lfb_base; // physical address, high 32 bits
        } vesa_lfb;
    } u;
};
static_assert(sizeof(Dom0VgaConsoleInfo::Mode::TextMode3) == 10);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::TextMode3, font_height) == 0);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::TextMode3, cursor_x) == 2);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::TextMode3, cursor_y) == 4);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::TextMode3, rows) == 6);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::TextMode3, columns) == 8);
static_assert(sizeof(Dom0VgaConsoleInfo::Mode::VesaLfb) == 36);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, width) == 0);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, height) == 2);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, bytes_per_line) == 4);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, bits_per_pixel) == 6);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, lfb_base) == 8);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, lfb_size) == 12);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, red_pos) == 16);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, red_size) == 17);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, green_pos) == 18);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, green_size) == 19);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, blue_pos) == 20);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, blue_size) == 21);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, rsvd_pos) == 22);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, rsvd_size) == 23);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, gbl_caps) == 24);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, mode_attrs) == 28);
static_assert(offsetof(Dom0VgaConsoleInfo::Mode::VesaLfb, ext_lfb_base) == 32);
static_assert(sizeof(Dom0VgaConsoleInfo) == 40);
static_assert(offsetof(Dom0VgaConsoleInfo, video_type) == 0);
static_assert(offsetof(Dom0VgaConsoleInfo, u) == 4);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_START_INFO_HPP
