// Where the hypervisor lives in its own address space. Shared by the linker
// script (through the preprocessor), the boot assembly and C++.
//
// Xen keeps 0xffff800000000000-0xffff87ffffffffff (PML4 slots 256-271) for
// itself in every x86-64 PV guest; PV kernels never map anything there, so
// the hypervisor can stay mapped while guests run. We use the same range:
//   0xffff82d040000000 + phys   the hypervisor image (1 GiB window)
//   0xffff830000000000 + phys   direct map of all RAM (slot 262)
#pragma once

#define PV_IMAGE_VIRT_OFFSET 0xffff82d040000000
#define PV_IMAGE_PHYS_BASE 0x200000
#define PV_DIRECTMAP_BASE 0xffff830000000000
#define PV_DIRECTMAP_SIZE 0x0000010000000000 /* 1 TiB */
#define PV_HYPERVISOR_L4_FIRST 256
#define PV_HYPERVISOR_L4_LAST 271
#define PV_BOOT_STACK_SIZE 0x4000
#define PV_CPU_STACK_SIZE 0x4000
#define PV_IST_STACK_SIZE 0x2000

#ifndef __ASSEMBLER__
#include <cstdint>
namespace pv::x86 {
inline constexpr uint64_t k_image_virt_offset = PV_IMAGE_VIRT_OFFSET;
inline constexpr uint64_t k_directmap_base = PV_DIRECTMAP_BASE;
inline constexpr uint64_t k_directmap_size = PV_DIRECTMAP_SIZE;
static_assert((k_image_virt_offset >> 39 & 511) >= PV_HYPERVISOR_L4_FIRST &&
              (k_image_virt_offset >> 39 & 511) <= PV_HYPERVISOR_L4_LAST);
static_assert((k_directmap_base >> 39 & 511) >= PV_HYPERVISOR_L4_FIRST &&
              ((k_directmap_base + k_directmap_size - 1) >> 39 & 511) <= PV_HYPERVISOR_L4_LAST);
} // namespace pv::x86
#endif
