// ELF notes a Xen-aware kernel carries to tell the domain builder how to
// load and start it. Note type numbers of Xen's elfnote.h, in our words.
//
// The notes live in a PT_NOTE segment (or SHT_NOTE section) with the owner
// name "Xen" (namesz 4, NUL included). A numeric note's descriptor is 4 or 8
// bytes, little-endian, as its descsz says; a string note is NUL-terminated
// ASCII.
#ifndef PARAVANE_PUBLIC_ELFNOTE_HPP
#define PARAVANE_PUBLIC_ELFNOTE_HPP

#include "types.hpp"

namespace pv::abi {

inline constexpr char k_elfnote_name[] = "Xen";
inline constexpr uint32_t k_elfnote_namesz = sizeof(k_elfnote_name); // 4

enum class ElfNote : uint32_t {
    info = 0,                // string: NAME=VALUE pairs (legacy)
    entry = 1,               // numeric: virtual address of the PV entry point
    hypercall_page = 2,      // numeric: virtual address of the page to fill with hypercall stubs
    virt_base = 3,           // numeric: virtual address the image is mapped at (default 0)
    paddr_offset = 4,        // numeric: subtract from p_paddr to get the pseudo-physical address
                             // (default 0; legacy kernels put their page offset there)
    xen_version = 5,         // string: Xen version the kernel expects, e.g. "xen-3.0"
    guest_os = 6,            // string: e.g. "linux"
    guest_version = 7,       // string
    loader = 8,              // string: loader type, e.g. "generic"
    pae_mode = 9,            // string, x86-32 only: "yes", "no", "bimodal" or "yes,bimodal"
    features = 10,           // string: feature names joined by '|', "!name" = required
    bsd_symtab = 11,         // string "yes"/"no": load the symbol table after the image
    hv_start_low = 12,       // numeric: lowest address the hypervisor hole may start at
    l1_mfn_valid = 13,       // numeric pairs (mask, value): how to spot non-present L1
                             // entries that still carry a valid mfn
    suspend_cancel = 14,     // numeric: supports cooperative suspend cancellation (default 0)
    init_p2m = 15,           // numeric: virtual address to map the initial p2m list at instead
                             // of inside the initial mapping (x86-64; may use large pages)
    mod_start_pfn = 16,      // numeric: accepts an initrd given by pfn (SIF_MOD_START_PFN)
                             // rather than mapped into the initial region
    supported_features = 17, // numeric: bitmap of supported features (word 0), OR-ed
                             // with the FEATURES string
    phys32_entry = 18,       // numeric: 32-bit physical entry point for PVH (paging off)
    phys32_reloc = 19,       // PVH image is relocatable; up to three u32: alignment,
                             // lowest start, highest last byte
};
inline constexpr uint32_t k_elfnote_max = 19;

// Notes found in crash dumps rather than in kernels.
inline constexpr uint32_t k_elfnote_crash_info = 0x100'0001;
inline constexpr uint32_t k_elfnote_crash_regs = 0x100'0002;
inline constexpr uint32_t k_elfnote_dumpcore_none = 0x200'0000;
inline constexpr uint32_t k_elfnote_dumpcore_header = 0x200'0001;
inline constexpr uint32_t k_elfnote_dumpcore_xen_version = 0x200'0002;
inline constexpr uint32_t k_elfnote_dumpcore_format_version = 0x200'0003;

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_ELFNOTE_HPP
