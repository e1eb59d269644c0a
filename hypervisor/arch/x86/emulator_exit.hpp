// With `test-exit`, a run ends by telling the emulator the verdict, so that
// scripts/run (and the tests built on it) can tell pass from fail.
#pragma once

namespace pv::x86 {

enum class Verdict { pass, fail };

// Prints the verdict line, then leaves through QEMU's isa-debug-exit device
// (port 0xf4: exit status (value << 1) | 1, so pass = 33, fail = 35) and, if
// still running, Bochs' shutdown port (0x8900, "Shutdown"). Halts if neither
// emulator is there (real hardware).
[[noreturn]] void exit_emulator(Verdict verdict);

// Dom0 asked for poweroff or reboot. Reboot pulses the keyboard
// controller's reset line (port 0x64, command 0xfe). Poweroff without an
// ACPI interpreter uses what emulators provide: QEMU's PIIX4 PM1a control
// register at port 0x604 (SLP_EN, S5) and Bochs' shutdown port; on other
// machines the CPUs halt.
[[noreturn]] void machine_power_off(bool reboot);

} // namespace pv::x86
