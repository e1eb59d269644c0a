// TLB shootdown across CPUs. A CPU that changes a guest's page tables
// flushes its own TLB; another CPU that runs a vCPU of the same domain at
// that moment (or, for a frame changing hands, any guest) must flush too
// before the change is complete (Xen's flush_tlb_mask over the domain's
// dirty CPUs).
//
// The requester bumps a generation, asks each target by IPI and waits for
// its acknowledgement. A target may be in the hypervisor with interrupts
// off, spinning on a lock the requester holds: every spin-wait services
// flush requests (SpinLock's wait hook), so the wait always ends.
#pragma once

#include "core/domain/domain.hpp"

#include <cstdint>

namespace pv::x86 {

struct PerCpu;

// Set up once the CPUs are known: `cpus` are the PerCpu slots, `count` of them.
void remote_tlb_init(PerCpu* cpus, uint32_t count, void (*send_ipi)(uint32_t cpu));

// Flush every other CPU that runs a vCPU of `domain` (nullptr: that runs any
// guest vCPU), and wait until each has.
void flush_remote_tlbs(const Domain* domain);

// The IPI's work, and what a spinning CPU does meanwhile.
void service_tlb_flush_request();

} // namespace pv::x86
