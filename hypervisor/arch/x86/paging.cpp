#include "arch/x86/paging.hpp"

#include "arch/x86/cpu.hpp"
#include "lib/log.hpp"

namespace pv::x86 {

namespace {
constexpr uint64_t k_page = 4096, k_large_page = 2ull << 20;
constexpr uint64_t k_below_4g_mfn = (4ull << 30) / k_page;
constexpr uint64_t k_table_flags = pte::present | pte::writable;

uint64_t index_at(uint64_t virt, int level) { return (virt >> (12 + 9 * (level - 1))) & 511; }
uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }
uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
} // namespace

extern "C" const char text_start[], text_end[], rodata_start[], rodata_end[], data_start[],
    data_end[];

uint64_t* HypervisorPageTables::table_at(uint64_t phys) const {
    // Before activate() the boot tables identity-map the low 4 GiB, where
    // every table frame was allocated.
    return reinterpret_cast<uint64_t*>(active_ ? PV_DIRECTMAP_BASE + phys : phys);
}

// The entry at `level` (1 = PTE ... 4 = PML4E) that maps `virt`, creating
// intermediate tables on the way when asked to.
Result<uint64_t*> HypervisorPageTables::walk_to(uint64_t virt, int level, bool create, uint64_t table_flags) {
    uint64_t* table = table_at(root_);
    for (int current = 4; current > level; --current) {
        uint64_t& entry = table[index_at(virt, current)];
        if (!(entry & pte::present)) {
            if (!create) return Errno::enoent;
            uint64_t mfn = TRY(frames_->alloc_contiguous(1, 1, k_owner_hypervisor, k_below_4g_mfn));
            uint64_t* fresh = table_at(mfn * k_page);
            for (int i = 0; i < 512; ++i) fresh[i] = 0;
            entry = (mfn * k_page) | k_table_flags | table_flags;
        } else if (entry & pte::large) {
            return Errno::eexist; // already covered by a larger page
        }
        entry |= table_flags;
        table = table_at(entry & pte::address_mask);
    }
    return &table[index_at(virt, level)];
}

Status HypervisorPageTables::map_page(uint64_t virt, uint64_t phys, uint64_t flags, bool large_page) {
    auto slot = walk_to(virt, large_page ? 2 : 1, true);
    if (!slot) return slot.status();
    **slot = phys | flags | pte::present | (large_page ? pte::large : 0);
    if (active_) invlpg(virt);
    return Status::ok();
}

Status HypervisorPageTables::map_image_section(const char* start, const char* end, uint64_t flags) {
    for (uint64_t v = reinterpret_cast<uint64_t>(start); v < reinterpret_cast<uint64_t>(end); v += k_page)
        TRY(map_page(v, v - PV_IMAGE_VIRT_OFFSET, flags | global_, false));
    return Status::ok();
}

Status HypervisorPageTables::build(const BootInfo& boot, FrameAllocator& frames, bool nx, bool global_pages) {
    frames_ = &frames;
    nx_ = nx ? pte::no_execute : 0;
    global_ = global_pages ? pte::global : 0;
    uint64_t root_mfn = TRY(frames.alloc_contiguous(1, 1, k_owner_hypervisor, k_below_4g_mfn));
    root_ = root_mfn * k_page;
    uint64_t* root = table_at(root_);
    for (int i = 0; i < 512; ++i) root[i] = 0;

    // The image: code read-only and executable, constants read-only, data
    // writable and never executable (W^X).
    TRY(map_image_section(text_start, text_end, 0));
    TRY(map_image_section(rodata_start, rodata_end, nx_));
    TRY(map_image_section(data_start, data_end, pte::writable | nx_));

    // The direct map: every RAM-like range, in 2 MiB pages.
    for (size_t i = 0; i < boot.memory_count; ++i) {
        const MemoryRange& r = boot.memory[i];
        if (r.type == MemoryType::reserved || r.type == MemoryType::bad) continue;
        TRY(map_direct(r.base, r.length));
    }
    return Status::ok();
}

Status HypervisorPageTables::map_direct(uint64_t phys, uint64_t size) {
    if (size == 0 || phys >= PV_DIRECTMAP_SIZE) return Errno::einval;
    uint64_t end = phys + size > PV_DIRECTMAP_SIZE || phys + size < phys ? PV_DIRECTMAP_SIZE : phys + size;
    for (uint64_t p = align_down(phys, k_large_page); p < end; p += k_large_page) {
        Status s = map_page(PV_DIRECTMAP_BASE + p, p, pte::writable | nx_ | global_, true);
        if (!s && s.error() != Errno::eexist) return s;
        if (p + k_large_page > directmap_top_) directmap_top_ = p + k_large_page;
    }
    return Status::ok();
}

Status HypervisorPageTables::map_mmio(uint64_t phys, uint64_t size) {
    if (size == 0 || phys >= PV_DIRECTMAP_SIZE) return Errno::einval;
    for (uint64_t p = align_down(phys, k_page); p < align_up(phys + size, k_page); p += k_page) {
        Status s = map_page(PV_DIRECTMAP_BASE + p, p,
                            pte::writable | pte::cache_disable | pte::write_through | nx_, false);
        // Inside a RAM 2 MiB page already: the MTRRs keep MMIO uncached there.
        if (!s && s.error() != Errno::eexist) return s;
    }
    return Status::ok();
}

Status HypervisorPageTables::map_guest_readonly_4k(uint64_t virt, uint64_t phys) {
    auto slot = walk_to(virt, 1, true, pte::user);
    if (!slot) return slot.status();
    **slot = phys | pte::present | pte::user | nx_;
    if (active_) invlpg(virt);
    return Status::ok();
}

void HypervisorPageTables::activate() {
    write_cr3(root_);
    active_ = true;
}

} // namespace pv::x86
