// What the arch-neutral hypercall handlers need from a domain that runs in
// hardware containers (PVH): its HVM parameters, its upcall vectors and its
// guest-physical map. HypervisorServices::hvm_ops() hands it out; a PV
// domain has none, and hvm_op then answers -EINVAL as Xen does.
#pragma once

#include <cstdint>

namespace pv {

class HvmDomainOps {
public:
    // HVM_PARAM_* by index (< abi::k_hvm_nr_params, checked by the caller).
    virtual uint64_t param(uint32_t index) const = 0;
    // Stores the parameter; CALLBACK_IRQ of the vector type also sets the
    // domain's upcall vector (checked by the caller).
    virtual void set_param(uint32_t index, uint64_t value) = 0;
    // HVMOP_set_evtchn_upcall_vector (vcpu and vector checked by the caller).
    virtual void set_upcall_vector(uint32_t vcpu, uint8_t vector) = 0;
    // XENMEM_add_to_physmap for the domain itself: 0 or -errno.
    virtual long add_to_physmap(uint32_t space, uint64_t idx, uint64_t gpfn) = 0;
    // populate_physmap gave machine frame `mfn` to guest frame `gfn`:
    // 0, or -errno (the frame then goes back).
    virtual long populated(uint64_t gfn, uint64_t mfn) = 0;
    // The machine frame behind guest frame `gfn` (a frame number a PVH
    // guest hands to a hypercall, e.g. VCPUOP_register_vcpu_info): 0 and
    // `mfn`, or -EINVAL where the guest has no RAM. The domain keeps its
    // frames until it is destroyed, so no reference is taken.
    virtual long machine_frame_of(uint64_t gfn, uint64_t& mfn) const = 0;

protected:
    ~HvmDomainOps() = default;
};

} // namespace pv
