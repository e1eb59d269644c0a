// The end of the line: a bug in the hypervisor. Print everything that helps
// find it, stop every CPU, and (under test) tell the emulator we failed.
#pragma once

#include "arch/x86/trap_frame.hpp"

namespace pv::x86 {

struct PanicHooks {
    void (*stop_other_cpus)() = nullptr; // NMI the other CPUs (SMP, once up)
    void (*report_failure)() = nullptr;  // test-exit: tell the emulator
};

void set_panic_hooks(const PanicHooks& hooks);
bool panic_in_progress();

[[noreturn]] void panic(const char* reason);
[[noreturn]] void panic_on_exception(const TrapFrame& frame);
[[noreturn]] void halt_this_cpu_for_panic();

} // namespace pv::x86
