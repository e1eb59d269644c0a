// Why a hardware container stopped running its guest, in words that do not
// depend on the vendor: SVM's exit codes and VMX's exit reasons both decode
// into one Exit, and generic code dispatches with one switch over `reason`.
#pragma once

#include <cstdint>

namespace pv::x86::hvm {

enum class ExitReason : uint8_t {
    cpuid,             // CPUID: answer in RAX/RBX/RCX/RDX
    hlt,               // HLT
    io,                // IN/OUT/INS/OUTS, see Exit::io
    msr_read,          // RDMSR, MSR number in ECX
    msr_write,         // WRMSR, MSR number in ECX, value in EDX:EAX
    hypercall,         // VMMCALL (SVM) or VMCALL (VMX)
    nested_page_fault, // guest-physical access the nested tables refuse, see Exit::guest_physical
    shutdown,          // triple fault or shutdown condition
    interrupt,         // a physical interrupt arrived while the guest ran
    interrupt_window,  // the guest can take an interrupt now (request_interrupt_window)
    invalid_state,     // the CPU refused the guest state at entry
    unknown,           // anything else: Exit::vendor_code says what
};

struct IoAccess {
    uint16_t port = 0;
    uint8_t size = 0; // bytes: 1, 2 or 4
    bool in = false;  // IN/INS, else OUT/OUTS
    bool string = false;
    bool rep = false;
};

struct Exit {
    ExitReason reason = ExitReason::unknown;
    // Bytes to add to RIP to step over the intercepted instruction; 0 where
    // the exit is not an instruction (interrupt, fault) or its length is unknown.
    uint8_t instruction_length = 0;
    IoAccess io;                 // reason == io
    uint64_t guest_physical = 0; // reason == nested_page_fault
    uint64_t fault_code = 0;     // reason == nested_page_fault: the vendor's access bits
    uint64_t vendor_code = 0;    // the raw SVM exit code or VMX exit reason, for logs
};

constexpr const char* describe(ExitReason reason) {
    switch (reason) {
    case ExitReason::cpuid:
        return "cpuid";
    case ExitReason::hlt:
        return "hlt";
    case ExitReason::io:
        return "io";
    case ExitReason::msr_read:
        return "msr-read";
    case ExitReason::msr_write:
        return "msr-write";
    case ExitReason::hypercall:
        return "hypercall";
    case ExitReason::nested_page_fault:
        return "nested-page-fault";
    case ExitReason::shutdown:
        return "shutdown";
    case ExitReason::interrupt:
        return "interrupt";
    case ExitReason::interrupt_window:
        return "interrupt-window";
    case ExitReason::invalid_state:
        return "invalid-state";
    case ExitReason::unknown:
        break;
    }
    return "unknown";
}

} // namespace pv::x86::hvm
