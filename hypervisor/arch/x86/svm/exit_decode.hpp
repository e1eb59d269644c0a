// Decodes an SVM #VMEXIT (the VMCB's EXITCODE, EXITINFO1/2 and nRIP) into the
// vendor-neutral hvm::Exit. Pure arithmetic, so the host unit tests run it.
#pragma once

#include "arch/x86/hvm/exit.hpp"

#include <cstdint>

namespace pv::x86::svm {

// APM Vol. 2 Appendix C, "SVM Intercept Exit Codes".
namespace exit_code {
inline constexpr uint64_t intr = 0x60;
inline constexpr uint64_t nmi = 0x61;
inline constexpr uint64_t vintr = 0x64;
inline constexpr uint64_t cpuid = 0x72;
inline constexpr uint64_t hlt = 0x78;
inline constexpr uint64_t ioio = 0x7b;
inline constexpr uint64_t msr = 0x7c;
inline constexpr uint64_t shutdown = 0x7f;
inline constexpr uint64_t vmrun = 0x80;
inline constexpr uint64_t vmmcall = 0x81;
inline constexpr uint64_t npf = 0x400;
inline constexpr uint64_t invalid = ~uint64_t{0}; // VMEXIT_INVALID (-1)
} // namespace exit_code

// EXITINFO1 of an IOIO intercept (APM Vol. 2 §15.10.2, Figure 15-2).
namespace ioio {
inline constexpr uint64_t type_in = 1u << 0;
inline constexpr uint64_t string = 1u << 2;
inline constexpr uint64_t rep = 1u << 3;
inline constexpr uint64_t size8 = 1u << 4;
inline constexpr uint64_t size16 = 1u << 5;
inline constexpr uint64_t size32 = 1u << 6;
inline constexpr unsigned port_shift = 16;
} // namespace ioio

// Lengths of the intercepted instructions that have a single encoding:
// CPUID 0F A2, HLT F4, VMMCALL 0F 01 D9, RDMSR 0F 32, WRMSR 0F 30.
inline constexpr uint8_t k_cpuid_length = 2;
inline constexpr uint8_t k_hlt_length = 1;
inline constexpr uint8_t k_vmmcall_length = 3;
inline constexpr uint8_t k_msr_length = 2;

struct VmexitInfo {
    uint64_t code = 0;
    uint64_t info1 = 0;
    uint64_t info2 = 0;
    uint64_t next_rip = 0; // VMCB nRIP; 0 where the CPU does not save it
    uint64_t rip = 0;      // guest RIP at the exit
};

// The length of the intercepted instruction. The nRIP field is the first
// choice (APM Vol. 2 §15.7.1, NRIP_SAVE), but a CPU without that feature,
// and QEMU's TCG even with it, leaves it zero: then IOIO uses EXITINFO2,
// which always holds the next RIP for IOIO (§15.10.2), and the single-encoding
// instructions use their fixed length. A prefixed form (say, a redundant
// prefix before CPUID) would be misjudged by the fallback: guests that want
// that do not exist among PVH kernels.
constexpr uint8_t instruction_length(const VmexitInfo& e, uint8_t fixed_length) {
    if (e.next_rip > e.rip && e.next_rip - e.rip <= 15)
        return static_cast<uint8_t>(e.next_rip - e.rip);
    if (e.code == exit_code::ioio && e.info2 > e.rip && e.info2 - e.rip <= 15)
        return static_cast<uint8_t>(e.info2 - e.rip);
    return fixed_length;
}

constexpr hvm::Exit decode_exit(const VmexitInfo& e) {
    hvm::Exit exit;
    exit.vendor_code = e.code;
    switch (e.code) {
    case exit_code::cpuid:
        exit.reason = hvm::ExitReason::cpuid;
        exit.instruction_length = instruction_length(e, k_cpuid_length);
        break;
    case exit_code::hlt:
        exit.reason = hvm::ExitReason::hlt;
        exit.instruction_length = instruction_length(e, k_hlt_length);
        break;
    case exit_code::vmmcall:
        exit.reason = hvm::ExitReason::hypercall;
        exit.instruction_length = instruction_length(e, k_vmmcall_length);
        break;
    case exit_code::msr: // EXITINFO1: 0 = RDMSR, 1 = WRMSR (§15.11)
        exit.reason = e.info1 & 1 ? hvm::ExitReason::msr_write : hvm::ExitReason::msr_read;
        exit.instruction_length = instruction_length(e, k_msr_length);
        break;
    case exit_code::ioio:
        exit.reason = hvm::ExitReason::io;
        exit.io.port = static_cast<uint16_t>(e.info1 >> ioio::port_shift);
        exit.io.size = e.info1 & ioio::size32 ? 4 : e.info1 & ioio::size16 ? 2 : 1;
        exit.io.in = e.info1 & ioio::type_in;
        exit.io.string = e.info1 & ioio::string;
        exit.io.rep = e.info1 & ioio::rep;
        exit.instruction_length = instruction_length(e, 0);
        break;
    case exit_code::npf: // EXITINFO1: page-fault style error code, EXITINFO2: the address
                         // (§15.25.6)
        exit.reason = hvm::ExitReason::nested_page_fault;
        exit.fault_code = e.info1;
        exit.guest_physical = e.info2;
        break;
    case exit_code::shutdown:
        exit.reason = hvm::ExitReason::shutdown;
        break;
    case exit_code::vintr:
        exit.reason = hvm::ExitReason::interrupt_window;
        break;
    case exit_code::intr:
    case exit_code::nmi:
        exit.reason = hvm::ExitReason::interrupt;
        break;
    case exit_code::invalid:
        exit.reason = hvm::ExitReason::invalid_state;
        break;
    default:
        exit.reason = hvm::ExitReason::unknown;
        break;
    }
    return exit;
}

} // namespace pv::x86::svm
