// The Virtual Machine Control Block: one 4 KiB page per guest vCPU, the
// control area at 0x000 and the state-save area at 0x400 (APM Vol. 2
// Appendix B, Tables B-1 and B-2). Only the fields Paravane uses are named;
// the rest is padding, and the static_asserts pin every offset.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pv::x86::svm {

// A segment register as the VMCB holds it. `attributes` packs descriptor
// bits 47:40 (type, S, DPL, P) into 7:0 and bits 55:52 (AVL, L, D/B, G)
// into 11:8 (APM Vol. 2 §15.5.1).
struct VmcbSegment {
    uint16_t selector;
    uint16_t attributes;
    uint32_t limit;
    uint64_t base;
};
static_assert(sizeof(VmcbSegment) == 16);

struct VmcbControl {
    uint32_t intercept_cr;         // 0x000: reads 15:0, writes 31:16
    uint32_t intercept_dr;         // 0x004
    uint32_t intercept_exceptions; // 0x008
    uint32_t intercept_misc1;      // 0x00c
    uint32_t intercept_misc2;      // 0x010
    uint32_t intercept_misc3;      // 0x014
    uint8_t reserved_018[0x03c - 0x018];
    uint16_t pause_filter_threshold; // 0x03c
    uint16_t pause_filter_count;     // 0x03e
    uint64_t iopm_base;              // 0x040
    uint64_t msrpm_base;             // 0x048
    uint64_t tsc_offset;             // 0x050
    uint32_t guest_asid;             // 0x058
    uint8_t tlb_control;             // 0x05c
    uint8_t reserved_05d[3];
    uint64_t virtual_interrupt;  // 0x060: V_TPR, V_IRQ, V_INTR_MASKING (bit 24), ...
    uint64_t interrupt_shadow;   // 0x068
    uint64_t exit_code;          // 0x070
    uint64_t exit_info1;         // 0x078
    uint64_t exit_info2;         // 0x080
    uint64_t exit_int_info;      // 0x088
    uint64_t np_control;         // 0x090: bit 0 NP_ENABLE
    uint64_t avic_apic_bar;      // 0x098
    uint64_t ghcb;               // 0x0a0
    uint64_t event_inject;       // 0x0a8
    uint64_t nested_cr3;         // 0x0b0
    uint64_t virtualization_ext; // 0x0b8: LBR virtualization, ...
    uint32_t clean_bits;         // 0x0c0
    uint32_t reserved_0c4;
    uint64_t next_rip;       // 0x0c8
    uint8_t bytes_fetched;   // 0x0d0
    uint8_t guest_bytes[15]; // 0x0d1
    uint8_t reserved_0e0[0x400 - 0x0e0];
};
static_assert(sizeof(VmcbControl) == 0x400);

struct VmcbSave {
    VmcbSegment es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; // 0x400..0x49f
    uint8_t reserved_4a0[0x4cb - 0x4a0];
    uint8_t cpl; // 0x4cb
    uint32_t reserved_4cc;
    uint64_t efer; // 0x4d0
    uint8_t reserved_4d8[0x548 - 0x4d8];
    uint64_t cr4;    // 0x548
    uint64_t cr3;    // 0x550
    uint64_t cr0;    // 0x558
    uint64_t dr7;    // 0x560
    uint64_t dr6;    // 0x568
    uint64_t rflags; // 0x570
    uint64_t rip;    // 0x578
    uint8_t reserved_580[0x5d8 - 0x580];
    uint64_t rsp; // 0x5d8
    uint8_t reserved_5e0[0x5f8 - 0x5e0];
    uint64_t rax;            // 0x5f8
    uint64_t star;           // 0x600
    uint64_t lstar;          // 0x608
    uint64_t cstar;          // 0x610
    uint64_t sfmask;         // 0x618
    uint64_t kernel_gs_base; // 0x620
    uint64_t sysenter_cs;    // 0x628
    uint64_t sysenter_esp;   // 0x630
    uint64_t sysenter_eip;   // 0x638
    uint64_t cr2;            // 0x640
    uint8_t reserved_648[0x668 - 0x648];
    uint64_t g_pat; // 0x668
    uint8_t reserved_670[0x1000 - 0x670];
};
static_assert(sizeof(VmcbSave) == 0xc00);

struct Vmcb {
    VmcbControl control;
    VmcbSave save;
};
static_assert(sizeof(Vmcb) == 4096);
static_assert(offsetof(Vmcb, control.exit_code) == 0x070);
static_assert(offsetof(Vmcb, control.nested_cr3) == 0x0b0);
static_assert(offsetof(Vmcb, control.next_rip) == 0x0c8);
static_assert(offsetof(Vmcb, save.tr) == 0x490);
static_assert(offsetof(Vmcb, save.cpl) == 0x4cb);
static_assert(offsetof(Vmcb, save.efer) == 0x4d0);
static_assert(offsetof(Vmcb, save.cr4) == 0x548);
static_assert(offsetof(Vmcb, save.rip) == 0x578);
static_assert(offsetof(Vmcb, save.rsp) == 0x5d8);
static_assert(offsetof(Vmcb, save.rax) == 0x5f8);
static_assert(offsetof(Vmcb, save.cr2) == 0x640);
static_assert(offsetof(Vmcb, save.g_pat) == 0x668);

// Intercept bits (APM Vol. 2 Appendix B, Table B-1).
namespace intercept1 { // VmcbControl::intercept_misc1
inline constexpr uint32_t intr = 1u << 0;
inline constexpr uint32_t nmi = 1u << 1;
inline constexpr uint32_t vintr = 1u << 4;
inline constexpr uint32_t cpuid = 1u << 18;
inline constexpr uint32_t hlt = 1u << 24;
inline constexpr uint32_t ioio_prot = 1u << 27;
inline constexpr uint32_t msr_prot = 1u << 28;
inline constexpr uint32_t shutdown = 1u << 31;
} // namespace intercept1
namespace intercept2 {                     // VmcbControl::intercept_misc2
inline constexpr uint32_t vmrun = 1u << 0; // must be set, else VMRUN fails (§15.5.1)
inline constexpr uint32_t vmmcall = 1u << 1;
inline constexpr uint32_t vmload = 1u << 2;
inline constexpr uint32_t vmsave = 1u << 3;
inline constexpr uint32_t stgi = 1u << 4;
inline constexpr uint32_t clgi = 1u << 5;
inline constexpr uint32_t skinit = 1u << 6;
inline constexpr uint32_t xsetbv = 1u << 13;
} // namespace intercept2

inline constexpr uint64_t k_v_intr_masking = 1ull << 24;
// A virtual interrupt request (V_IRQ, bit 8) at the highest priority
// (V_INTR_PRIO 19:16 = 15) that ignores V_TPR (bit 20): with the VINTR
// intercept it ends the run as soon as the guest could take an interrupt
// (§15.21.4), which is how the interrupt window is asked for.
inline constexpr uint64_t k_v_irq_window = (1ull << 8) | (0xfull << 16) | (1ull << 20);
// EVENTINJ (§15.20): vector 7:0, type 10:8 (0 = external interrupt), V 31.
inline constexpr uint64_t k_event_valid = 1ull << 31;
inline constexpr uint64_t k_event_type_intr = 0ull << 8;
inline constexpr uint64_t k_interrupt_shadow = 1ull << 0;
inline constexpr uint64_t k_np_enable = 1ull << 0;
// TLB_CONTROL: flush every ASID's entries on this VMRUN (§15.16.1).
inline constexpr uint8_t k_tlb_flush_all = 1;
// The PAT's power-on value (WB, WT, UC-, UC twice); an invalid G_PAT makes
// VMRUN fail when nested paging is on (§15.25.8).
inline constexpr uint64_t k_default_pat = 0x0007040600070406ull;

// The permission maps' sizes: one bit per port (plus a spill page) and two
// bits per MSR in three ranges (APM Vol. 2 §15.10.1, §15.11).
inline constexpr uint64_t k_iopm_pages = 3;
inline constexpr uint64_t k_msrpm_pages = 2;

} // namespace pv::x86::svm
