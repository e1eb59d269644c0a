#include "kernel/boot_info.hpp"

#include "kernel/console.hpp"

extern "C" char _image_end[]; // minios.ld

namespace minios {
namespace {

constexpr uint64_t k_padding = 512 * 1024;           // guaranteed after the boot stack
constexpr uint64_t k_region_align = 4 * 1024 * 1024; // the region ends on this boundary

pv::StringView bounded(const char* text, size_t capacity) {
    size_t n = 0;
    while (n < capacity && text[n] != '\0')
        ++n;
    return pv::StringView(text, n);
}

} // namespace

pv::StringView BootInfo::magic() const {
    if (start_info == nullptr) return {};
    return bounded(start_info->magic, sizeof start_info->magic);
}

namespace {

BootInfo::Module pv_module(const BootInfo& boot, const abi::StartInfo& si) {
    BootInfo::Module m;
    if (si.mod_len == 0) return m;
    m.size = si.mod_len;
    if (si.flags & abi::k_sif_mod_start_pfn) {
        m.first_pfn = si.mod_start;
        return m;
    }
    if (!boot.is_mapped(si.mod_start, m.size)) return m;
    m.data = reinterpret_cast<const uint8_t*>(si.mod_start);
    m.first_pfn = boot.pfn_of(si.mod_start);
    m.mapped = true;
    return m;
}

} // namespace

const char* parse_boot_info(const abi::StartInfo* si, uint64_t entry_rsp, BootInfo& out) {
    out.start_info = si;
    out.entry_rsp = entry_rsp;
    out.flags = si->flags;
    out.pages = si->nr_pages;
    out.cmdline = bounded(si->cmd_line, sizeof si->cmd_line);
    out.image_end = round_up(reinterpret_cast<uintptr_t>(_image_end), k_page_size);
    const uint64_t si_va = reinterpret_cast<uintptr_t>(si);

    // Checked in the order the layout is built, so the first message names
    // the real problem.
    if (si_va % k_page_size != 0 || si_va < out.image_end)
        return "start_info not page aligned after the image";
    if (!bounded(si->magic, sizeof si->magic).starts_with("xen-3.0-x86_64"))
        return "start_info magic is not xen-3.0-x86_64";
    if (entry_rsp % k_page_size != 0 || entry_rsp <= si_va)
        return "boot stack top not page aligned after start_info";
    if (si->nr_pages == 0) return "nr_pages is 0";

    const uint64_t region_end = round_up(entry_rsp + k_padding, k_region_align);
    const uint64_t memory_end = k_virt_base + si->nr_pages * k_page_size;
    if (memory_end < entry_rsp) return "nr_pages smaller than the bootstrap region";
    out.mapped_end = region_end < memory_end ? region_end : memory_end;
    out.first_free = entry_rsp;

    if (!out.is_mapped(si->mfn_list, si->nr_pages * sizeof(uint64_t)))
        return "p2m list (mfn_list) outside the bootstrap region";
    if (si->mfn_list < out.image_end || si->mfn_list >= si_va)
        return "p2m list not between image and start_info";
    out.p2m = reinterpret_cast<const uint64_t*>(si->mfn_list);

    if (si->pt_base % k_page_size != 0 || si->pt_base <= si_va || si->nr_pt_frames == 0 ||
        si->pt_base + si->nr_pt_frames * k_page_size > entry_rsp)
        return "bootstrap page tables not between start_info and the boot stack";
    out.first_module = pv_module(out, *si);
    return nullptr;
}

void print_boot_info(const BootInfo& boot) {
    const abi::StartInfo& si = *boot.start_info;
    println("minios: start_info {:p}: magic '{}', {} pages, flags {:#x}{}{}", boot.start_info,
            boot.magic(), si.nr_pages, si.flags, boot.is_privileged() ? " privileged" : "",
            boot.is_initial_domain() ? " initdomain" : "");
    println("minios: shared_info at machine address {:#x}", si.shared_info);
    println("minios: p2m {:#x}, page tables {:#x} ({} frames), boot stack top {:#x}", si.mfn_list,
            si.pt_base, si.nr_pt_frames, boot.entry_rsp);
    println("minios: image ends {:#x}, bootstrap mapping ends {:#x}", boot.image_end,
            boot.mapped_end);
    const BootInfo::Module m = boot.module();
    if (m.size == 0)
        println("minios: no module");
    else if (m.mapped)
        println("minios: module at {:p}, {} bytes", m.data, m.size);
    else
        println("minios: module at pfn {:#x}, {} bytes (not mapped)", m.first_pfn, m.size);
    println("minios: command line '{}'", boot.command_line());
}

} // namespace minios
