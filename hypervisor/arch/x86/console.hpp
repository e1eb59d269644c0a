// The hypervisor's console: the devices chosen with console= (COM1, COM2,
// the 0xE9 debug port), written together as one OutputSink.
#pragma once

#include "arch/x86/uart.hpp"
#include "lib/cmdline.hpp"

namespace pv::x86 {

class Console final : public OutputSink {
public:
    // Initialises the UARTs in `devices` and writes to exactly those.
    void select(ConsoleSet devices) {
        devices_ = devices;
        if (devices.has(ConsoleDevice::com1)) com1_.init();
        if (devices.has(ConsoleDevice::com2)) com2_.init();
    }
    void write(StringView text) override {
        if (devices_.has(ConsoleDevice::com1)) com1_.write(text);
        if (devices_.has(ConsoleDevice::com2)) com2_.write(text);
        if (devices_.has(ConsoleDevice::e9)) e9_.write(text);
    }
    ConsoleSet devices() const { return devices_; }

private:
    ConsoleSet devices_;
    Uart com1_{Uart::k_com1};
    Uart com2_{Uart::k_com2};
    DebugPort e9_;
};

} // namespace pv::x86
