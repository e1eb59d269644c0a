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

} // namespace pv::x86
