// The PV hypercall table: the hypercalls of issue 3 plus multicall. Every
// other number answers -ENOSYS until its issue adds a line here.
#include "core/control/control.hpp"
#include "core/event/event_channel_op.hpp"
#include "core/grant/grant_table_op.hpp"
#include "core/hvm_hypercalls/hvm_op.hpp"
#include "core/hypercall/multicall.hpp"
#include "core/pv_hypercalls/handlers.hpp"
#include "core/pv_mm/hypercalls.hpp"
#include "core/pv_time/time_hypercalls.hpp"

namespace pv {
namespace {

using abi::Hypercall;

constexpr HypercallTable k_pv_hypercalls{{
    {Hypercall::set_trap_table, "set_trap_table", do_set_trap_table, 1},
    {Hypercall::set_gdt, "set_gdt", do_set_gdt, 2},
    {Hypercall::stack_switch, "stack_switch", do_stack_switch, 2},
    {Hypercall::set_callbacks, "set_callbacks", do_set_callbacks, 3},
    {Hypercall::fpu_taskswitch, "fpu_taskswitch", do_fpu_taskswitch, 1},
    {Hypercall::set_debugreg, "set_debugreg", do_set_debugreg, 2},
    {Hypercall::get_debugreg, "get_debugreg", do_get_debugreg, 1},
    {Hypercall::update_descriptor, "update_descriptor", do_update_descriptor, 2},
    k_multicall_entry,
    {Hypercall::xen_version, "xen_version", do_xen_version, 2},
    {Hypercall::console_io, "console_io", do_console_io, 3},
    {Hypercall::vm_assist, "vm_assist", do_vm_assist, 2},
    {Hypercall::iret, "iret", do_iret, 0, true}, // replaces the caller's registers
    {Hypercall::set_segment_base, "set_segment_base", do_set_segment_base, 2},
    {Hypercall::sched_op, "sched_op", do_sched_op, 2},
    {Hypercall::callback_op, "callback_op", do_callback_op, 2},
    {Hypercall::physdev_op, "physdev_op", do_physdev_op, 2},
    // Event channels and PV time (issue 4: core/event, core/pv_time).
    {Hypercall::set_timer_op, "set_timer_op", do_set_timer_op, 1},
    {Hypercall::event_channel_op_compat, "event_channel_op_compat", do_event_channel_op_compat, 1},
    {Hypercall::vcpu_op, "vcpu_op", do_vcpu_op, 3},
    {Hypercall::event_channel_op, "event_channel_op", do_event_channel_op, 2},
    // The PV MMU (issue 4: core/pv_mm).
    k_mmu_update_entry,
    k_mmuext_op_entry,
    k_update_va_mapping_entry,
    k_update_va_mapping_otherdomain_entry,
    k_memory_op_entry,
    // The toolstack's interface (include/public/control.hpp).
    {Hypercall::sysctl, "sysctl", do_sysctl, 1},
    {Hypercall::domctl, "domctl", do_domctl, 1},
    // Grant tables (issue 5: core/grant).
    k_grant_table_op_entry,
    // The toolstack sets a PVH DomU's parameters (a PV caller has none of
    // its own: -EINVAL for itself).
    k_hvm_op_entry,
}};
static_assert(k_pv_hypercalls.valid(), "PV hypercall table: bad or duplicate entry");

// PVH guests (vmmcall / vmcall) reach the same handlers; what only makes
// sense for ring-3 PV (trap tables, callbacks, segment and page-table
// hypercalls: a PVH guest owns its IDT, GDT and page tables) is left out
// and answers -ENOSYS, as in Xen's HVM hypercall table. The toolstack's
// domctl/sysctl stay with the PV privileged domain.
constexpr HypercallTable k_pvh_hypercalls{{
    k_multicall_entry,
    {Hypercall::xen_version, "xen_version", do_xen_version, 2},
    {Hypercall::console_io, "console_io", do_console_io, 3},
    {Hypercall::sched_op, "sched_op", do_sched_op, 2},
    {Hypercall::set_timer_op, "set_timer_op", do_set_timer_op, 1},
    {Hypercall::vcpu_op, "vcpu_op", do_vcpu_op, 3},
    {Hypercall::event_channel_op, "event_channel_op", do_event_channel_op, 2},
    k_memory_op_entry,
    k_grant_table_op_entry,
    k_hvm_op_entry,
}};
static_assert(k_pvh_hypercalls.valid(), "PVH hypercall table: bad or duplicate entry");

} // namespace

const HypercallTable& pv_hypercall_table() {
    return k_pv_hypercalls;
}

const HypercallTable& pvh_hypercall_table() {
    return k_pvh_hypercalls;
}

} // namespace pv
