// The local APIC of each CPU, in xAPIC (MMIO) or x2APIC (MSR) mode, chosen
// once at boot (SDM Vol. 3 §12). Register numbers are the xAPIC MMIO
// offsets; in x2APIC mode register R is MSR 0x800 + R/16 (SDM §12.12.1.2).
#pragma once

#include "arch/x86/paging.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv::x86 {

namespace apic_reg {
inline constexpr uint32_t id = 0x20, version = 0x30, tpr = 0x80, eoi = 0xb0, ldr = 0xd0;
inline constexpr uint32_t dfr = 0xe0, svr = 0xf0, esr = 0x280, icr_low = 0x300, icr_high = 0x310;
inline constexpr uint32_t lvt_timer = 0x320, lvt_thermal = 0x330, lvt_perf = 0x340;
inline constexpr uint32_t lvt_lint0 = 0x350, lvt_lint1 = 0x360, lvt_error = 0x370;
inline constexpr uint32_t timer_initial = 0x380, timer_current = 0x390, timer_divide = 0x3e0;
inline constexpr uint32_t isr0 = 0x100; // in-service bits 0-31; isr0 + 0x10 * n for the rest
} // namespace apic_reg

class LocalApic {
public:
    static constexpr uint64_t k_default_mmio = 0xfee00000;

    // Boot CPU: pick x2APIC when the CPU has it, map the xAPIC page
    // otherwise, then enable this CPU's APIC. Also routes the spurious
    // vector to a handler that ignores it.
    Status init(bool has_x2apic, HypervisorPageTables& page_tables);
    // Every other CPU, once, before it takes interrupts: same mode as the BSP.
    // Both leave the timer, LINT0 and the error/perf/thermal LVTs masked,
    // LINT1 delivering NMIs on the boot CPU only, and TPR 0.
    void init_this_cpu();

    bool x2apic() const { return x2apic_; }
    uint64_t base_phys() const { return base_phys_; }
    // Whether an IPI can name this APIC ID: xAPIC destinations are 8 bits
    // and 0xff is the broadcast address (SDM §12.6.2.1).
    bool can_address(uint32_t apic_id) const { return x2apic_ || apic_id < 0xff; }
    uint32_t id() const; // this CPU's APIC ID
    uint32_t read(uint32_t reg) const;
    void write(uint32_t reg, uint32_t value);
    void eoi() { write(apic_reg::eoi, 0); }

    // Inter-processor interrupts (SDM §12.6). Each waits (bounded) until
    // the xAPIC reports the previous IPI as sent.
    void send_fixed(uint32_t apic_id, uint8_t vector);
    void send_nmi(uint32_t apic_id);
    void send_nmi_to_others();
    void send_init(uint32_t apic_id);
    void send_startup(uint32_t apic_id, uint8_t vector_page);

private:
    void enable_this_cpu(bool boot_cpu);
    void write_icr(uint32_t apic_id, uint32_t low);
    bool wait_icr_idle() const;

    // Set once by init() on the boot CPU, read-only afterwards.
    uint64_t mmio_ = 0;      // virtual address of the xAPIC page (xAPIC mode)
    uint64_t base_phys_ = 0; // IA32_APIC_BASE address, the same on every CPU
    bool x2apic_ = false;
};

} // namespace pv::x86
