// The arch-neutral x86-64 PV hypercalls of issue 3, with Xen's semantics
// and error codes (facts from Xen 4.17: common/kernel.c, common/sched/core.c,
// drivers/char/console.c, arch/x86/pv/{callback,traps,iret,misc-hypercalls,
// descriptor-tables}.c, arch/x86/physdev.c, common/domain.c).
//
// Every handler works on ctx.domain / ctx.vcpu and ctx.services; with any
// of them null it answers -ENOSYS. Guest memory only through ctx.guest.
//
// pv_hypercall_table() is the table the composition root dispatches PV
// hypercalls through: these handlers plus multicall; every other number
// answers -ENOSYS.
#pragma once

#include "core/hypercall/hypercall_table.hpp"

#include <cstdint>

namespace pv {

long do_console_io(HypercallContext& ctx, const HypercallArgs& args);
long do_xen_version(HypercallContext& ctx, const HypercallArgs& args);
long do_sched_op(HypercallContext& ctx, const HypercallArgs& args);
long do_set_trap_table(HypercallContext& ctx, const HypercallArgs& args);
long do_callback_op(HypercallContext& ctx, const HypercallArgs& args);
long do_set_callbacks(HypercallContext& ctx, const HypercallArgs& args);
long do_iret(HypercallContext& ctx, const HypercallArgs& args);
long do_stack_switch(HypercallContext& ctx, const HypercallArgs& args);
long do_set_segment_base(HypercallContext& ctx, const HypercallArgs& args);
long do_fpu_taskswitch(HypercallContext& ctx, const HypercallArgs& args);
long do_set_debugreg(HypercallContext& ctx, const HypercallArgs& args);
long do_get_debugreg(HypercallContext& ctx, const HypercallArgs& args);
long do_vm_assist(HypercallContext& ctx, const HypercallArgs& args);
long do_physdev_op(HypercallContext& ctx, const HypercallArgs& args);
long do_set_gdt(HypercallContext& ctx, const HypercallArgs& args);
long do_update_descriptor(HypercallContext& ctx, const HypercallArgs& args);

// Xen's check_descriptor() for a 64-bit PV domain: may the guest install
// this 8-byte GDT/LDT entry? Fixes it up in place when it may:
//   not present                      accepted as is (it always faults);
//   code/data (S set)                DPL forced to 3, no base/limit checks;
//   system type 0                    accepted (the upper half of a 16-byte
//                                    call gate);
//   64-bit call gate (type 0xc)      target selector must name a guest
//                                    segment (GDT below the reserved area, the
//                                    flat kernel CS, or any LDT selector);
//                                    DPL forced to 0 so every use faults and
//                                    is emulated, the fixed-up DPL (3) kept in
//                                    the target selector's RPL; bits 32-39
//                                    must be zero;
//   any other system descriptor      refused (LDT, TSS, interrupt/trap gates).
// On refusal `desc` is unchanged.
bool check_guest_descriptor(uint64_t& desc);

// The PV hypercall table (validity is static_asserted where it is built).
const HypercallTable& pv_hypercall_table();
// The same handlers for PVH guests, without the ring-3-only ones.
const HypercallTable& pvh_hypercall_table();

} // namespace pv
