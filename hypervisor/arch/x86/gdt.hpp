// Segment descriptors and the task-state segment, per CPU. Long mode keeps
// segmentation only for privilege levels, the TSS's stack pointers and the
// interrupt stack table (SDM Vol. 3 §3.4.5, §8.7).
#pragma once

#include "arch/x86/idt.hpp"

#include <cstdint>

namespace pv::x86 {

namespace selector {
inline constexpr uint16_t hypervisor_code = 0x08;
inline constexpr uint16_t hypervisor_data = 0x10;
inline constexpr uint16_t tss = 0x18; // a 16-byte system descriptor
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
    alignas(16) uint64_t gdt[8];
    alignas(16) Tss64 tss;
};

} // namespace pv::x86
