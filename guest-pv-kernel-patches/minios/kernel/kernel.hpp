// The kernel's parts and the entry points between them. kernel/kernel.cpp
// is the composition root: it owns the one Kernel and starts the
// application (the Dom0 shell or the self-test) linked into the image.
#pragma once

#include "arch/frame.hpp"
#include "kernel/boot_info.hpp"
#include "kernel/console.hpp"
#include "kernel/events.hpp"
#include "kernel/page_alloc.hpp"
#include "kernel/platform.hpp"
#include "kernel/user.hpp"

namespace minios {

// An exception handler a test installs to survive a trap it provokes on
// purpose: returns true when it handled the trap (the frame is resumed,
// possibly with an edited rip), false to report it and crash.
using TrapHook = bool (*)(TrapFrame& frame);

struct Kernel {
    BootInfo boot;
    PageAllocator pages;
    Events events;
    UserMode user;
    TrapHook trap_hook = nullptr;
    bool quiet = false; // "quiet" on the command line: no boot report
    // "no-pv-mmu" on the command line: do not even try update_va_mapping or
    // mmuext_op, and behave as on a hypervisor without them (-ENOSYS).
    // Always false outside PV.
    bool pv_mmu = true;
};

Kernel& kernel();

// The application linked into the image (dom0/ or test/). Its return value
// picks the shutdown reason if it returns: 0 poweroff, else crash.
int app_main(Kernel& k);

// PV: registers the trap table and the event, failsafe and syscall
// callbacks. Returns 0 or the first failing hypercall's result; `what`
// names it.
long install_pv_traps(const char*& what);

// The trap table install_pv_traps() registered (ends with a zero address), for
// the virtual IDT of another vCPU (VCPUOP_initialise's trap_ctxt).
const abi::TrapInfo* installed_trap_table();

// Prints the frame of a trap nobody handled.
void print_trap_frame(const TrapFrame& frame, const Events& events);

// Runs the image's static constructors (first thing at every entry).
void run_constructors();

// Reports and crashes the domain (sched_op shutdown, reason crash).
[[noreturn]] void crash_domain();

template <typename... Args> [[noreturn]] void panic(pv::StringView fmt, const Args&... args) {
    print("minios: panic: ");
    println(fmt, args...);
    crash_domain();
}

// True when the space-separated command line holds `word`.
bool has_option(pv::StringView command_line, pv::StringView word);

} // namespace minios
