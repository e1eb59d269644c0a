// The hypervisor's own page tables: the image window with per-section
// permissions, the direct map of RAM, and uncached MMIO mappings.
#pragma once

#include "arch/x86/layout.hpp"
#include "core/boot/boot_info.hpp"
#include "core/memory/frame_allocator.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv::x86 {

namespace pte {
inline constexpr uint64_t present = 1ull << 0;
inline constexpr uint64_t writable = 1ull << 1;
inline constexpr uint64_t user = 1ull << 2;
inline constexpr uint64_t write_through = 1ull << 3;
inline constexpr uint64_t cache_disable = 1ull << 4;
inline constexpr uint64_t large = 1ull << 7;
inline constexpr uint64_t global = 1ull << 8;
inline constexpr uint64_t no_execute = 1ull << 63;
inline constexpr uint64_t address_mask = 0x000ffffffffff000ull;
} // namespace pte

inline void* phys_to_virt(uint64_t phys) {
    return reinterpret_cast<void*>(PV_DIRECTMAP_BASE + phys);
}
inline uint64_t virt_to_phys(const void* virt) {
    uint64_t v = reinterpret_cast<uint64_t>(virt);
    return v >= PV_IMAGE_VIRT_OFFSET && v < PV_DIRECTMAP_BASE ? v - PV_IMAGE_VIRT_OFFSET
                                                             : v - PV_DIRECTMAP_BASE;
}

class HypervisorPageTables {
public:
    // Builds the tables while the boot tables still identity-map the first
    // 4 GiB: every table frame is taken below 4 GiB so it can be written
    // through that identity map now and through the direct map later.
    Status build(const BootInfo& boot, FrameAllocator& frames, bool nx, bool global_pages);
    // Load CR3; from here on only the direct map reaches physical memory.
    void activate();
    // Map [phys, phys+size) uncached into the direct map (LAPIC, IOAPIC, HPET).
    Status map_mmio(uint64_t phys, uint64_t size);
    // Map RAM-like memory (e.g. ACPI tables) cacheable into the direct map.
    Status map_direct(uint64_t phys, uint64_t size);
    // One 4 KiB page of hypervisor space (per-CPU areas); `flags` beyond
    // present: pte::writable etc. Never executable.
    Status map_page_4k(uint64_t virt, uint64_t phys, uint64_t flags) {
        return map_page(virt, phys, flags | nx_ | global_, false);
    }
    // One 4 KiB page that PV guests may read (user, read-only, never
    // executable), such as the machine-to-phys table; the tables on the way
    // to it become user-accessible, so use it only inside a PML4 slot that
    // holds nothing else.
    Status map_guest_readonly_4k(uint64_t virt, uint64_t phys);
    uint64_t root_phys() const { return root_; }
    uint64_t directmap_top() const { return directmap_top_; }

private:
    Result<uint64_t*> walk_to(uint64_t virt, int level, bool create, uint64_t table_flags = 0);
    Status map_page(uint64_t virt, uint64_t phys, uint64_t flags, bool large_page);
    Status map_image_section(const char* start, const char* end, uint64_t flags);
    uint64_t* table_at(uint64_t phys) const;

    FrameAllocator* frames_ = nullptr;
    uint64_t root_ = 0;
    uint64_t nx_ = 0, global_ = 0;
    uint64_t directmap_top_ = 0;
    bool active_ = false;
};

} // namespace pv::x86
