// The handlers of a PVH vCPU's exits, one per reason (pvh_vcpu.cpp
// dispatches). Each returns false when the domain was crashed instead.
#pragma once

#include "arch/x86/hvm/exit.hpp"
#include "arch/x86/hvm/pvh_domain.hpp"
#include "arch/x86/hvm/pvh_vcpu.hpp"

namespace pv::x86::hvm {

const PvhEnvironment& pvh_environment();

bool pvh_cpuid(Vcpu& v, Container& c, const Exit& exit);
bool pvh_io(Vcpu& v, Container& c, const Exit& exit);
bool pvh_msr(Vcpu& v, PvhDomain& pd, Container& c, const Exit& exit);
bool pvh_hypercall(Vcpu& v, PvhDomain& pd, Container& c, const Exit& exit);

// Writes the hypercall page (32-byte stubs, the vendor's instruction) into
// guest frame `gfn`. EINVAL: the guest has no RAM there.
Status pvh_write_hypercall_page(PvhDomain& pd, uint64_t gfn);

// Stops the domain as crashed, with the vCPU's registers in the log.
void pvh_crash(Vcpu& v, Container& c, const char* why);

} // namespace pv::x86::hvm
