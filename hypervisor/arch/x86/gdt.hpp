// Segment descriptors and the task-state segment, per CPU. Long mode keeps
// segmentation only for privilege levels, the TSS's stack pointers and the
// interrupt stack table (SDM Vol. 3 §3.4.5, §8.7).
//
// The GDT follows Xen's x86-64 PV layout, which guests rely on: entries
// below FIRST_RESERVED_GDT_ENTRY (selector 0xe000) belong to the guest
// (set_gdt), the page from 0xe000 up is the hypervisor's and holds the flat
// ring-3 selectors every PV guest uses (0xe033 code, 0xe02b stack). Each
// CPU's GDT is a 15-page window in the hypervisor's per-CPU area: 14 guest
// pages (a shared zero page until a guest installs its own) and one page of
// the CPU's own descriptors.
#pragma once

#include "arch/x86/idt.hpp"
#include "arch/x86/paging.hpp"
#include "core/memory/frame_allocator.hpp"

#include <cstdint>

namespace pv::x86 {

inline constexpr uint32_t k_guest_gdt_pages = 14;
inline constexpr uint32_t k_first_reserved_gdt_entry = k_guest_gdt_pages * 512;

namespace selector {
inline constexpr uint16_t hypervisor_code = 0xe008; // 64-bit, DPL 0
inline constexpr uint16_t hypervisor_data = 0xe010; // DPL 0
inline constexpr uint16_t guest_code32 = 0xe023;    // FLAT_RING3_CS32
inline constexpr uint16_t guest_data = 0xe02b;      // FLAT_RING3_DS32 / SS64
inline constexpr uint16_t guest_code64 = 0xe033;    // FLAT_RING3_CS64
inline constexpr uint16_t tss = 0xe040;             // 16-byte system descriptor
} // namespace selector

struct [[gnu::packed]] Tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7]; // ist[0] is IST1
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t io_map_base;
};
static_assert(sizeof(Tss64) == 104);

struct CpuDescriptorTables {
    uint64_t* gdt = nullptr; // the window's base: entry 0 of the guest area
    alignas(16) Tss64 tss;
};

// Sets up the GDT window of CPU `cpu_index` (before cpu_tables_init).
struct PerCpu;
Status allocate_cpu_gdt(PerCpu& cpu, HypervisorPageTables& page_tables, FrameAllocator& frames);
// Show `count` guest descriptor frames as the guest part of `cpu`'s GDT
// (the rest: the zero page). The frames must be typed as descriptor pages:
// the guest can no longer write them; the mapping is writable for the CPU
// only, which sets accessed bits in descriptors it loads.
Status map_guest_gdt(PerCpu& cpu, HypervisorPageTables& page_tables, const uint64_t* frames, uint32_t count);

} // namespace pv::x86
