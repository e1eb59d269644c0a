// Trap-and-emulate for PV guests: the few privileged instructions a PV
// kernel may execute (they fault in ring 3) and Xen's forced-emulation
// prefix for CPUID. Each returns true when it handled the fault (the frame
// then continues after the instruction) and false when the fault goes to
// the guest as it was.
#pragma once

#include "arch/x86/trap_frame.hpp"
#include "core/domain/vcpu.hpp"

#include <cstdint>

namespace pv::x86 {

struct CpuidLeaf {
    uint32_t eax, ebx, ecx, edx;
};
// The CPUID a PV guest sees: the host's with what the guest may not use
// hidden, the hypervisor bit set, and Xen's leaves at 0x40000000.
CpuidLeaf guest_cpuid(const Vcpu& v, uint32_t leaf, uint32_t subleaf);

// #UD: `ud2a; .ascii "xen"; cpuid` (Xen's forced-emulation prefix).
bool emulate_forced_cpuid(Vcpu& v, TrapFrame& frame);
// #GP: I/O, MSRs, control registers, hlt, int N (decoded from the
// instruction bytes, never trusted from the error code).
bool emulate_privileged(Vcpu& v, TrapFrame& frame);

// Reserve I/O ports the hypervisor itself drives (its console UART);
// no domain may touch them.
void reserve_hypervisor_io_port(uint16_t first, uint16_t count);

} // namespace pv::x86
