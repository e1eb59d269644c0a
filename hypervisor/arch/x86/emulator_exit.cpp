#include "arch/x86/emulator_exit.hpp"

#include "arch/x86/cpu.hpp"
#include "lib/log.hpp"

#include <initializer_list>

namespace pv::x86 {

namespace {
constexpr uint16_t k_qemu_debug_exit_port = 0xf4;
constexpr uint32_t k_qemu_pass_value = 0x10, k_qemu_fail_value = 0x11;
constexpr uint16_t k_bochs_shutdown_port = 0x8900;
} // namespace

void exit_emulator(Verdict verdict) {
    disable_interrupts();
    if (Logger* logger = installed_logger())
        logger->log_raw(verdict == Verdict::pass ? "paravane: verdict PASS\n" : "paravane: verdict FAIL\n");
    // Let the UARTs drain (LSR bit 6: transmitter empty) so the verdict
    // line is not cut off when the emulator stops.
    for (uint16_t base : {uint16_t(0x3f8), uint16_t(0x2f8)})
        for (int spins = 0; spins < 100000 && !(inb(base + 5) & 0x40); ++spins) cpu_relax();
    outl(k_qemu_debug_exit_port, verdict == Verdict::pass ? k_qemu_pass_value : k_qemu_fail_value);
    for (const char* c = "Shutdown"; *c; ++c) outb(k_bochs_shutdown_port, static_cast<uint8_t>(*c));
    halt_forever();
}

void machine_power_off(bool reboot) {
    disable_interrupts();
    for (uint16_t base : {uint16_t(0x3f8), uint16_t(0x2f8)})
        for (int spins = 0; spins < 100000 && !(inb(base + 5) & 0x40); ++spins) cpu_relax();
    if (reboot) {
        outb(0x64, 0xfe);
    } else {
        outw(0x604, 0x2000);
        for (const char* c = "Shutdown"; *c; ++c) outb(k_bochs_shutdown_port, static_cast<uint8_t>(*c));
    }
    halt_forever();
}

} // namespace pv::x86
