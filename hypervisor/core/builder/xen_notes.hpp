// The Xen ELF notes of a PV kernel (include/public/elfnote.hpp) and what the
// builder concludes from them, with the semantics of Xen's libelf
// (libelf-dominfo.c), which both Xen's Dom0 builder and the toolstack use.
//
// Two steps, so that tests and tools can look at raw notes:
//   parse_xen_notes()  reads every note owned by "Xen" from the PT_NOTE
//                      segments, or, if they hold none, from SHT_NOTE sections;
//   check_xen_guest()  applies the defaults and refusals Xen applies.
// read_xen_guest_info() does both.
//
// Facts taken from Xen:
//  * Notes are walked with 4-byte padding after the name and the descriptor.
//    A note type the table does not know is ignored; a later note of the
//    same type overrides an earlier one; FEATURES notes accumulate.
//  * Numeric notes are little-endian, 4 or 8 bytes (we refuse other sizes).
//    String notes end at the first NUL or at the end of the descriptor (Linux
//    emits FEATURES with .ascii, without a NUL).
//  * FEATURES: names separated by '|', "!name" = required (required implies
//    supported). An unknown required name is an error, an unknown optional
//    one is ignored. SUPPORTED_FEATURES (a u32 bitmap) is OR-ed into the
//    supported set.
//  * MOD_START_PFN != 0: the initrd is not mapped and is passed by pfn.
//  * Acceptance: LOADER starts with "generic" or GUEST_OS starts with
//    "linux"; XEN_VERSION starts with "xen-3.0". PADDR_OFFSET without
//    VIRT_BASE is an error. VIRT_BASE defaults to 0, PADDR_OFFSET to 0 (the
//    modern-notes default), ENTRY to the ELF header's e_entry.
//  * The kernel occupies [virt_kstart, virt_kend) = [pstart, pend) +
//    VIRT_BASE - PADDR_OFFSET; it must start at or above VIRT_BASE, the
//    entry must lie in [virt_kstart, virt_kend], INIT_P2M must not point
//    into the kernel.
//  * When a SUPPORTED_FEATURES note is present, a Dom0 kernel must list
//    XENFEAT_dom0 in its supported set.
// Not supported: the legacy "__xen_guest" section (pre-3.0 kernels) and
// BSD_SYMTAB symbol loading (the note is recorded, the symbols not loaded).
#pragma once

#include "core/builder/build_error.hpp"
#include "core/builder/elf_image.hpp"
#include "include/public/elfnote.hpp"
#include "include/public/version.hpp"
#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstdint>

namespace pv::builder {

// Bounds the work a hostile image can cause (Xen's limit, too).
inline constexpr uint32_t k_max_elf_notes = 65536;

struct XenGuestInfo {
    // --- Raw notes (parse_xen_notes). Strings point into the image. ---
    uint32_t xen_note_count = 0; // notes owned by "Xen", of any type

    bool has_entry = false;
    uint64_t entry = 0;
    bool has_virt_base = false;
    uint64_t virt_base = 0;
    bool has_paddr_offset = false;
    uint64_t paddr_offset = 0;
    bool has_hypercall_page = false;
    uint64_t hypercall_page = 0;
    bool has_hv_start_low = false;
    uint64_t hv_start_low = 0; // only meaningful for 32-bit guests
    bool has_init_p2m = false;
    uint64_t init_p2m = 0;
    bool has_mod_start_pfn = false;
    uint64_t mod_start_pfn = 0;
    bool has_suspend_cancel = false;
    uint64_t suspend_cancel = 0;
    bool has_phys32_entry = false;
    uint64_t phys32_entry = 0; // PVH
    bool has_l1_mfn_valid = false;
    uint64_t l1_mfn_valid_mask = 0; // the first (mask, value) pair
    uint64_t l1_mfn_valid_value = 0;
    bool has_supported_features = false;
    uint32_t supported_features_note = 0; // the SUPPORTED_FEATURES bitmap as given

    bool has_features = false; // at least one FEATURES note
    bool has_guest_os = false;
    StringView guest_os;
    bool has_guest_version = false;
    StringView guest_version;
    bool has_xen_version = false;
    StringView xen_version;
    bool has_loader = false;
    StringView loader;
    bool has_pae_mode = false;
    StringView pae_mode;
    bool has_bsd_symtab = false;
    StringView bsd_symtab;

    // XENFEAT bit n (submap 0) = feature n: FEATURES names plus the
    // SUPPORTED_FEATURES bitmap; required = the "!name" entries.
    uint32_t features_supported = 0;
    uint32_t features_required = 0;

    // --- Resolved (check_xen_guest). ---
    bool checked = false;
    uint64_t virt_kstart = 0;     // first byte of the loaded kernel
    uint64_t virt_kend = 0;       // one past its last byte (memsz included)
    uint64_t virt_entry = 0;      // initial RIP
    bool unmapped_initrd = false; // MOD_START_PFN != 0
};

struct GuestPolicy {
    // XENFEAT bits the hypervisor provides to this guest (submap 0). A kernel
    // requiring anything else is refused. Linux requires writable_page_tables.
    uint32_t hypervisor_features = 0;
    // Building the boot domain: apply Xen's Dom0 check (see above).
    bool as_dom0 = false;
};

// Reads the Xen notes of an already validated image. EINVAL for a malformed
// or truncated note, a numeric note of the wrong size, an unknown required
// feature, or no Xen notes at all.
Result<XenGuestInfo> parse_xen_notes(const ElfImage& image, BuildError* error = nullptr);

// Applies defaults and acceptance rules to `info` (from parse_xen_notes of
// the same image) and fills its resolved fields. EINVAL when refused.
Status check_xen_guest(const ElfImage& image, XenGuestInfo& info, const GuestPolicy& policy,
                       BuildError* error = nullptr);

// parse_xen_notes + check_xen_guest.
Result<XenGuestInfo> read_xen_guest_info(const ElfImage& image, const GuestPolicy& policy,
                                         BuildError* error = nullptr);

// The FEATURES-note name of XENFEAT bit `bit`, or "" if it has none.
StringView feature_name(uint32_t bit);

} // namespace pv::builder
