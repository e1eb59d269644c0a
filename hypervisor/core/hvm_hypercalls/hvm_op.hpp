// hvm_op(cmd, arg), hypercall 34, for PVH domains and their toolstack
// (Xen's do_hvm_op, the sub-ops a PVH guest uses):
//
//   set_param / get_param       HvmParam; a domain reads its own parameters
//                               and sets only CALLBACK_IRQ (vector type or
//                               0); the privileged domain reads and sets any
//                               domain's. -EINVAL: index beyond
//                               k_hvm_nr_params, pad not zero, not a PVH
//                               domain, a callback type other than vector;
//                               -EPERM, -ESRCH, -EFAULT as usual.
//   set_evtchn_upcall_vector    HvmEvtchnUpcallVector for the caller's own
//                               vCPUs; -EINVAL below vector 0x10, -ENOENT for
//                               a vCPU it does not have.
// Anything else: -ENOSYS.
#pragma once

#include "core/hypercall/hypercall_table.hpp"

namespace pv {

long do_hvm_op(HypercallContext& ctx, const HypercallArgs& args);

inline constexpr HypercallEntry k_hvm_op_entry{abi::Hypercall::hvm_op, "hvm_op", do_hvm_op, 2};

} // namespace pv
