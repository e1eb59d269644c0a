// Writable page tables: a guest kernel's store to one of its own
// (read-only) page-table pages faults; if the store is a form the
// decoder knows and the PV MMU accepts the new entry, it is done on the
// guest's behalf and the guest continues after the instruction.
#pragma once

#include "arch/x86/trap_frame.hpp"
#include "core/domain/vcpu.hpp"

namespace pv::x86 {

bool emulate_page_table_write(Vcpu& v, TrapFrame& frame, uint64_t fault_address);

} // namespace pv::x86
