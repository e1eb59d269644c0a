#include "arch/x86/uart.hpp"

#include "arch/x86/cpu.hpp"

namespace pv::x86 {

namespace {
// 16550 register offsets (PC16550D data sheet).
constexpr uint16_t k_data = 0, k_interrupt_enable = 1, k_divisor_low = 0, k_divisor_high = 1;
constexpr uint16_t k_fifo_control = 2, k_line_control = 3, k_modem_control = 4, k_line_status = 5;
constexpr uint8_t k_line_status_data_ready = 0x01, k_line_status_thr_empty = 0x20;
constexpr uint8_t k_line_control_dlab = 0x80, k_line_control_8n1 = 0x03;
constexpr uint16_t k_divisor_115200 = 1; // 115200 = 1.8432 MHz / 16 / 1
} // namespace

void Uart::init() {
    outb(base_ + k_interrupt_enable, 0);
    outb(base_ + k_line_control, k_line_control_dlab);
    outb(base_ + k_divisor_low, k_divisor_115200 & 0xff);
    outb(base_ + k_divisor_high, k_divisor_115200 >> 8);
    outb(base_ + k_line_control, k_line_control_8n1);
    outb(base_ + k_fifo_control, 0xc7); // enable, clear both FIFOs, 14-byte threshold
    outb(base_ + k_modem_control, 0x03); // DTR + RTS
}

void Uart::put(char c) {
    // Bounded wait: a missing UART must not hang the hypervisor.
    for (int spins = 0; spins < 100000; ++spins) {
        if (inb(base_ + k_line_status) & k_line_status_thr_empty) break;
        cpu_relax();
    }
    outb(base_ + k_data, static_cast<uint8_t>(c));
}

void Uart::write(StringView text) {
    for (char c : text) {
        if (c == '\n') put('\r');
        put(c);
    }
}

int Uart::try_get() {
    if (!(inb(base_ + k_line_status) & k_line_status_data_ready)) return -1;
    return inb(base_ + k_data);
}

void DebugPort::write(StringView text) {
    for (char c : text) outb(0xe9, static_cast<uint8_t>(c));
}

} // namespace pv::x86
