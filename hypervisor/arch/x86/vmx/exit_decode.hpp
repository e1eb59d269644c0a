// Decodes a VMX exit (exit reason, qualification, instruction length and
// the guest-physical address) into the vendor-neutral hvm::Exit. Pure
// arithmetic, so the host unit tests run it.
#pragma once

#include "arch/x86/hvm/exit.hpp"
#include "arch/x86/vmx/vmcs_fields.hpp"

#include <cstdint>

namespace pv::x86::vmx {

// The exit qualification of an I/O instruction (SDM Vol. 3 §28.2.1, Table 28-5).
namespace io_qualification {
inline constexpr uint64_t size_mask = 7; // bytes - 1
inline constexpr uint64_t in = 1u << 3;
inline constexpr uint64_t string = 1u << 4;
inline constexpr uint64_t rep = 1u << 5;
inline constexpr unsigned port_shift = 16;
} // namespace io_qualification

// The exit qualification of a control-register access (Table 28-3).
namespace cr_qualification {
inline constexpr uint64_t cr_mask = 0xf;
inline constexpr unsigned type_shift = 4; // 0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW
inline constexpr uint64_t type_mask = 3;
inline constexpr unsigned register_shift = 8;
inline constexpr uint64_t register_mask = 0xf;
inline constexpr unsigned lmsw_source_shift = 16;
} // namespace cr_qualification

struct VmexitInfo {
    uint32_t reason = 0;             // the exit-reason field, bit 31 included
    uint64_t qualification = 0;
    uint32_t instruction_length = 0; // the VM-exit instruction-length field
    uint64_t guest_physical = 0;     // GUEST_PHYSICAL_ADDRESS (EPT exits)
    uint32_t interruption_info = 0;  // the VM-exit interruption information
};

constexpr hvm::Exit decode_exit(const VmexitInfo& e) {
    hvm::Exit exit;
    exit.vendor_code = e.reason;
    // The length field is defined for exits caused by instructions (§28.2.4)
    // and is at most 15; anything else keeps the neutral 0.
    const uint8_t length = e.instruction_length >= 1 && e.instruction_length <= 15
                               ? static_cast<uint8_t>(e.instruction_length)
                               : 0;
    if (e.reason & exit_reason::entry_failure) {
        exit.reason = hvm::ExitReason::invalid_state;
        return exit;
    }
    switch (e.reason & 0xffff) {
    case exit_reason::cpuid:
        exit.reason = hvm::ExitReason::cpuid;
        exit.instruction_length = length;
        break;
    case exit_reason::hlt:
        exit.reason = hvm::ExitReason::hlt;
        exit.instruction_length = length;
        break;
    case exit_reason::vmcall:
        exit.reason = hvm::ExitReason::hypercall;
        exit.instruction_length = length;
        break;
    case exit_reason::rdmsr:
        exit.reason = hvm::ExitReason::msr_read;
        exit.instruction_length = length;
        break;
    case exit_reason::wrmsr:
        exit.reason = hvm::ExitReason::msr_write;
        exit.instruction_length = length;
        break;
    case exit_reason::io:
        exit.reason = hvm::ExitReason::io;
        exit.io.port = static_cast<uint16_t>(e.qualification >> io_qualification::port_shift);
        exit.io.size = static_cast<uint8_t>((e.qualification & io_qualification::size_mask) + 1);
        exit.io.in = e.qualification & io_qualification::in;
        exit.io.string = e.qualification & io_qualification::string;
        exit.io.rep = e.qualification & io_qualification::rep;
        exit.instruction_length = length;
        break;
    case exit_reason::ept_violation: // qualification: the access and the entry's permissions (§28.2.1)
    case exit_reason::ept_misconfiguration:
        exit.reason = hvm::ExitReason::nested_page_fault;
        exit.fault_code = e.qualification;
        exit.guest_physical = e.guest_physical;
        break;
    case exit_reason::triple_fault:
        exit.reason = hvm::ExitReason::shutdown;
        break;
    case exit_reason::interrupt_window:
        exit.reason = hvm::ExitReason::interrupt_window;
        break;
    case exit_reason::external_interrupt:
        exit.reason = hvm::ExitReason::interrupt;
        break;
    case exit_reason::exception_or_nmi: // only NMIs: the exception bitmap is empty
        exit.reason = (e.interruption_info & interruption::type_mask) == interruption::type_nmi
                          ? hvm::ExitReason::interrupt
                          : hvm::ExitReason::unknown;
        break;
    case exit_reason::invalid_guest_state:
    case exit_reason::msr_loading:
    case exit_reason::machine_check_at_entry:
        exit.reason = hvm::ExitReason::invalid_state;
        break;
    default:
        exit.reason = hvm::ExitReason::unknown;
        break;
    }
    return exit;
}

} // namespace pv::x86::vmx
