// The local APIC (SDM Vol. 3 §12). Section numbers below are of that chapter.
#include "arch/x86/apic.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/idt.hpp"

namespace pv::x86 {

namespace {

// IA32_APIC_BASE (§12.4.4, §12.12.1): x2APIC mode (EXTD), global enable (EN).
constexpr uint64_t k_base_x2apic = 1ull << 10;
constexpr uint64_t k_base_enable = 1ull << 11;
constexpr uint64_t k_base_address_mask = 0x000ffffffffff000ull;

// x2APIC register R is MSR 0x800 + R / 16 (§12.12.1.2); the 64-bit ICR is
// the one MSR 0x830, destination in bits 63:32 (§12.12.9).
constexpr uint32_t k_x2apic_msr_base = 0x800;
constexpr uint32_t k_x2apic_icr_msr = 0x830;

// ICR low word (§12.6.1).
constexpr uint32_t k_icr_fixed = 0u << 8;
constexpr uint32_t k_icr_nmi = 4u << 8;
constexpr uint32_t k_icr_init = 5u << 8;
constexpr uint32_t k_icr_startup = 6u << 8;
constexpr uint32_t k_icr_send_pending = 1u << 12; // xAPIC only
constexpr uint32_t k_icr_assert = 1u << 14;       // must be 1 except for INIT de-assert
constexpr uint32_t k_icr_all_but_self = 3u << 18;

// LVT entries (§12.5.1) and the spurious-interrupt vector register (§12.9).
constexpr uint32_t k_lvt_masked = 1u << 16;
constexpr uint32_t k_lvt_nmi = 4u << 8;
constexpr uint32_t k_svr_enable = 1u << 8;
constexpr uint32_t k_version_max_lvt_shift = 16;

constexpr uint32_t k_icr_idle_spins = 1u << 20;
constexpr uint32_t k_isr_registers = 8;

// A spurious interrupt is not in service: no EOI (§12.9).
void ignore_spurious(TrapFrame&) {}

} // namespace

Status LocalApic::init(bool has_x2apic, HypervisorPageTables& page_tables) {
    uint64_t base = rdmsr(msr::apic_base);
    base_phys_ = base & k_base_address_mask;
    // Firmware may hand over in x2APIC mode (and may have locked it there).
    x2apic_ = has_x2apic || ((base & k_base_enable) && (base & k_base_x2apic));
    if (!x2apic_) {
        if (base_phys_ == 0) base_phys_ = k_default_mmio;
        TRY(page_tables.map_mmio(base_phys_, 4096));
        mmio_ = reinterpret_cast<uint64_t>(phys_to_virt(base_phys_));
    }
    set_interrupt_handler(vector::apic_spurious, ignore_spurious);
    enable_this_cpu(true);
    return Status::ok();
}

void LocalApic::init_this_cpu() {
    enable_this_cpu(false);
}

void LocalApic::enable_this_cpu(bool boot_cpu) {
    uint64_t base = rdmsr(msr::apic_base);
    if (x2apic_) {
        // Disabled -> xAPIC -> x2APIC: EXTD may only be set while EN is
        // (§12.12.5).
        if (!(base & k_base_enable)) wrmsr(msr::apic_base, base |= k_base_enable);
        if (!(base & k_base_x2apic)) wrmsr(msr::apic_base, base |= k_base_x2apic);
    } else {
        // x2APIC -> xAPIC is only allowed through the disabled state.
        if (base & k_base_x2apic) wrmsr(msr::apic_base, base &= ~(k_base_enable | k_base_x2apic));
        // Every CPU's page at the address the boot CPU mapped.
        uint64_t wanted = (base & ~k_base_address_mask) | base_phys_ | k_base_enable;
        if (wanted != base) wrmsr(msr::apic_base, wanted);
    }

    // Software-enable first: while the APIC is software-disabled the LVT
    // mask bits stay set whatever we write (§12.4.7.2).
    write(apic_reg::svr, k_svr_enable | vector::apic_spurious);
    write(apic_reg::tpr, 0);

    const uint32_t max_lvt = (read(apic_reg::version) >> k_version_max_lvt_shift) & 0xff;
    write(apic_reg::lvt_timer, k_lvt_masked);
    write(apic_reg::lvt_lint0, k_lvt_masked); // the 8259s stay silent: no ExtINT
    // The platform's NMI line goes to the boot CPU only (MP Specification
    // 1.4 §5.1 wires LINT1 as NMI; one CPU handling it is enough).
    write(apic_reg::lvt_lint1, boot_cpu ? k_lvt_nmi : k_lvt_masked);
    write(apic_reg::lvt_error, k_lvt_masked);
    // LVT entries beyond the four basic ones exist only if the version says
    // so; in x2APIC mode touching a missing one faults (§12.5.1, §12.12.1.2).
    if (max_lvt >= 4) write(apic_reg::lvt_perf, k_lvt_masked);
    if (max_lvt >= 5) write(apic_reg::lvt_thermal, k_lvt_masked);

    // ESR: a write arms the next read (xAPIC); x2APIC requires the value 0 (§12.5.3).
    write(apic_reg::esr, 0);
    write(apic_reg::esr, 0);

    // Interrupts firmware left in service would block lower-priority ones
    // until EOIed; each EOI retires the highest one (§12.8.4, §12.8.5).
    for (uint32_t round = 0; round < 256; ++round) {
        bool in_service = false;
        for (uint32_t i = 0; i < k_isr_registers; ++i)
            in_service |= read(apic_reg::isr0 + 0x10 * i) != 0;
        if (!in_service) break;
        eoi();
    }
}

uint32_t LocalApic::id() const {
    // xAPIC: bits 31:24 of the ID register (§12.4.6); x2APIC: all 32 bits (§12.12).
    return x2apic_ ? read(apic_reg::id) : read(apic_reg::id) >> 24;
}

uint32_t LocalApic::read(uint32_t reg) const {
    if (x2apic_) return static_cast<uint32_t>(rdmsr(k_x2apic_msr_base + reg / 16));
    return *reinterpret_cast<const volatile uint32_t*>(mmio_ + reg);
}

void LocalApic::write(uint32_t reg, uint32_t value) {
    if (x2apic_) {
        wrmsr(k_x2apic_msr_base + reg / 16, value);
        return;
    }
    *reinterpret_cast<volatile uint32_t*>(mmio_ + reg) = value;
}

bool LocalApic::wait_icr_idle() const {
    if (x2apic_) return true; // no delivery status in x2APIC mode (§12.12.9)
    for (uint32_t spin = 0; spin < k_icr_idle_spins; ++spin) {
        if (!(read(apic_reg::icr_low) & k_icr_send_pending)) return true;
        cpu_relax();
    }
    return false;
}

void LocalApic::write_icr(uint32_t apic_id, uint32_t low) {
    if (x2apic_) {
        // WRMSR to the x2APIC is not serializing: a store made before the
        // IPI (a cross-call's arguments) could still be in flight when the
        // target runs. MFENCE;LFENCE orders them (§12.12.3).
        asm volatile("mfence; lfence" ::: "memory");
        wrmsr(k_x2apic_icr_msr, (uint64_t{apic_id} << 32) | low);
        return;
    }
    // The two halves must not be split by an interrupt handler that sends
    // its own IPI in between.
    InterruptsOff interrupts_off;
    (void)wait_icr_idle();
    write(apic_reg::icr_high, apic_id << 24); // physical destination (§12.6.2.1)
    write(apic_reg::icr_low, low);            // writing the low half sends
}

void LocalApic::send_fixed(uint32_t apic_id, uint8_t v) {
    write_icr(apic_id, k_icr_fixed | k_icr_assert | v);
}

void LocalApic::send_nmi(uint32_t apic_id) {
    write_icr(apic_id, k_icr_nmi | k_icr_assert);
}

void LocalApic::send_nmi_to_others() {
    write_icr(0, k_icr_nmi | k_icr_assert | k_icr_all_but_self);
}

// INIT and Start-Up, for the MP initialisation sequence (SDM Vol. 3 §10.4.4):
// edge triggered, level assert, waiting until each is on its way.
void LocalApic::send_init(uint32_t apic_id) {
    write_icr(apic_id, k_icr_init | k_icr_assert);
    (void)wait_icr_idle();
}

void LocalApic::send_startup(uint32_t apic_id, uint8_t vector_page) {
    write_icr(apic_id, k_icr_startup | k_icr_assert | vector_page);
    (void)wait_icr_idle();
}

} // namespace pv::x86
