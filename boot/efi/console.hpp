// Where the loader's messages go: the UEFI console (ConOut) while boot
// services run, and COM1 (0x3f8, the hypervisor's serial line) written
// directly — unless the firmware already mirrors ConOut on a serial port,
// which would print every line twice.
#pragma once

#include "boot/efi/efi.hpp"
#include "lib/format.hpp"

namespace pv::efi {

class LoaderConsole final : public OutputSink {
public:
    void init(EFI_SYSTEM_TABLE* system_table);
    // After ExitBootServices: ConOut is gone, COM1 is all there is.
    void boot_services_ended();
    void write(StringView text) override;

private:
    void write_firmware(StringView text);
    void write_serial(StringView text);

    EFI_SYSTEM_TABLE* st = nullptr;
    bool use_firmware = false;
    bool use_serial = false;
};

// "efi-loader: " + the formatted message + a line end.
template <typename... Args> void say(LoaderConsole& console, StringView fmt, const Args&... args) {
    console.write("efi-loader: ");
    print_to(console, fmt, args...);
    console.write("\n");
}

} // namespace pv::efi
