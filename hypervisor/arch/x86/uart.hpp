// 16550 UART on the legacy COM ports: the hypervisor's debug console, and
// later the source of Dom0's console input.
#pragma once

#include "lib/format.hpp"

#include <cstdint>

namespace pv::x86 {

class Uart final : public OutputSink {
public:
    static constexpr uint16_t k_com1 = 0x3f8;
    static constexpr uint16_t k_com2 = 0x2f8;

    explicit Uart(uint16_t base) : base_(base) {}
    // 115200 baud, 8 data bits, no parity, 1 stop bit, FIFOs on.
    void init();
    void write(StringView text) override;
    void put(char c);
    // A received byte, or -1 when none is waiting.
    int try_get();

private:
    uint16_t base_;
};

// QEMU and Bochs print whatever is written to I/O port 0xE9.
class DebugPort final : public OutputSink {
public:
    void write(StringView text) override;
};

} // namespace pv::x86
