#include "arch/x86/panic.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/idt.hpp"
#include "arch/x86/layout.hpp"
#include "arch/x86/symbols.hpp"
#include "lib/log.hpp"

#include <atomic>

namespace pv::x86 {

namespace {

PanicHooks hooks;
std::atomic<int> panicking{0};

constexpr int k_max_backtrace = 16;

void print_address(const char* label, uint64_t address) {
    SymbolMatch s = find_symbol(address);
    if (s.name)
        log_error("{} {:#018x} <{}+{:#x}>", label, address, s.name, s.offset);
    else
        log_error("{} {:#018x}", label, address);
}

// Frame pointers only lead to hypervisor stacks; anything else ends the walk
// rather than faulting inside the dump.
bool plausible_frame(uint64_t rbp, uint64_t previous) {
    return rbp >= PV_IMAGE_VIRT_OFFSET && (rbp & 7) == 0 && rbp > previous &&
           rbp < PV_DIRECTMAP_BASE + PV_DIRECTMAP_SIZE;
}

void print_backtrace(uint64_t rbp) {
    log_error("backtrace:");
    uint64_t previous = 0;
    for (int depth = 0; depth < k_max_backtrace && plausible_frame(rbp, previous); ++depth) {
        auto* frame = reinterpret_cast<const uint64_t*>(rbp);
        uint64_t return_address = frame[1];
        if (return_address == 0) break;
        print_address("  ", return_address);
        previous = rbp;
        rbp = frame[0];
    }
}

// The first CPU to panic does the talking; any other stops quietly.
void enter_panic() {
    disable_interrupts();
    if (panicking.exchange(1) != 0) halt_forever();
    if (Logger* logger = installed_logger()) logger->panic_mode();
    if (hooks.stop_other_cpus) hooks.stop_other_cpus();
}

[[noreturn]] void finish_panic() {
    log_error("*** hypervisor halted ***");
    if (hooks.report_failure) hooks.report_failure();
    halt_forever();
}

} // namespace

void set_panic_hooks(const PanicHooks& h) { hooks = h; }
bool panic_in_progress() { return panicking.load() != 0; }

void halt_this_cpu_for_panic() { halt_forever(); }

void panic(const char* reason) {
    enter_panic();
    log_error("*** PANIC: {}", reason);
    print_backtrace(read_rbp());
    finish_panic();
}

void panic_on_exception(const TrapFrame& f) {
    enter_panic();
    log_error("*** PANIC: unexpected exception {} ({}) error code {:#x}", f.vector,
              exception_name(f.vector), f.error_code);
    print_address("RIP:", f.rip);
    log_error("CS: {:#06x} RFLAGS: {:#018x} RSP: {:#018x} SS: {:#06x}", f.cs, f.rflags, f.rsp, f.ss);
    log_error("RAX: {:016x} RBX: {:016x} RCX: {:016x}", f.rax, f.rbx, f.rcx);
    log_error("RDX: {:016x} RSI: {:016x} RDI: {:016x}", f.rdx, f.rsi, f.rdi);
    log_error("RBP: {:016x} R8:  {:016x} R9:  {:016x}", f.rbp, f.r8, f.r9);
    log_error("R10: {:016x} R11: {:016x} R12: {:016x}", f.r10, f.r11, f.r12);
    log_error("R13: {:016x} R14: {:016x} R15: {:016x}", f.r13, f.r14, f.r15);
    log_error("CR0: {:016x} CR2: {:016x} CR3: {:016x}", read_cr0(), read_cr2(), read_cr3());
    log_error("CR4: {:016x} EFER: {:016x}", read_cr4(), rdmsr(msr::efer));
    print_backtrace(f.rbp);
    finish_panic();
}

} // namespace pv::x86
