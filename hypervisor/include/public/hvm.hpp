// hvm_op(cmd, arg): hypercall 34 (Hypercall::hvm_op). The parameters a
// toolstack sets and a PVH (or HVM) guest reads back, and how a guest picks
// the vector event-channel upcalls arrive on. Numbers and layouts of Xen's
// hvm/hvm_op.h and hvm/params.h, in our words.
//
// Related facts kept elsewhere, not repeated here:
//  * the hypercall-page MSR (0x40000000): k_xen_hypercall_page_msr in
//    xen_cpuid.hpp; CPUID leaf base + 4 (k_xen_hvm_cpuid_upcall_vector) says
//    whether HvmOp::set_evtchn_upcall_vector is offered;
//  * memory_op add_to_physmap (7), AddToPhysmap and MapSpace (shared_info 0,
//    grant_table 1, gmfn 2): memory.hpp;
//  * the PVH start-of-day structure: hvm_start_info.hpp.
#ifndef PARAVANE_PUBLIC_HVM_HPP
#define PARAVANE_PUBLIC_HVM_HPP

#include "types.hpp"

namespace pv::abi {

// Sub-ops (HVMOP_*). Only those a PVH guest or our toolstack uses are named;
// any other number is answered with ENOSYS, which guests probe for (Linux
// calls pagetable_dying once and stops on ENOSYS).
enum class HvmOp : uint32_t {
    set_param = 0,                 // HvmParam: toolstack (or the guest, for some indexes)
    get_param = 1,                 // HvmParam: value filled in
    pagetable_dying = 9,           // hint only; ENOSYS is a valid answer
    get_mem_type = 15,             // not offered
    set_evtchn_upcall_vector = 23, // HvmEvtchnUpcallVector (x86 only)
};

// HVMOP_set_param / HVMOP_get_param. domid is DOMID_SELF (0x7ff0) when a
// guest asks about itself. The 16-bit hole after domid is implicit in Xen's
// C struct (natural alignment of `index`); callers may leave anything there.
struct HvmParam {
    DomainId domid;
    uint16_t pad;
    uint32_t index; // HvmParamIndex
    uint64_t value; // in for set, out for get
};
static_assert(sizeof(HvmParam) == 16);
static_assert(offsetof(HvmParam, domid) == 0);
static_assert(offsetof(HvmParam, pad) == 2);
static_assert(offsetof(HvmParam, index) == 4);
static_assert(offsetof(HvmParam, value) == 8);

// HVMOP_set_evtchn_upcall_vector: upcalls for `vcpu` arrive on `vector`,
// in preference to the domain-wide HVM_PARAM_CALLBACK_IRQ. Xen accepts
// vectors 0x10..0xff (below that are exceptions). The struct is 8 bytes:
// three bytes of tail padding after `vector`.
struct HvmEvtchnUpcallVector {
    uint32_t vcpu;
    uint8_t vector;
    uint8_t pad[3];
};
static_assert(sizeof(HvmEvtchnUpcallVector) == 8);
static_assert(offsetof(HvmEvtchnUpcallVector, vcpu) == 0);
static_assert(offsetof(HvmEvtchnUpcallVector, vector) == 4);
inline constexpr uint8_t k_hvm_min_upcall_vector = 0x10;

// HVM_PARAM_* indexes (hvm/params.h) a PVH domain uses.
enum class HvmParamIndex : uint32_t {
    callback_irq = 0,    // how events are delivered; see hvm_callback_* below
    store_pfn = 1,       // xenstore ring: guest frame number
    store_evtchn = 2,    // xenstore ring: event channel (port in the guest)
    console_pfn = 17,    // console ring: guest frame number
    console_evtchn = 18, // console ring: event channel
};
// Indexes at or above this are EINVAL (Xen 4.17's HVM_NR_PARAMS).
inline constexpr uint32_t k_hvm_nr_params = 39;

// HVM_PARAM_CALLBACK_IRQ's value: the delivery type in bits 63:56, its
// argument in the low bits. Type 2 ("vector"): the low 8 bits are the IDT
// vector the upcall is injected on, with no local-APIC EOI expected.
// Types 0 (a GSI) and 1 (a PCI INTx line) need emulated interrupt
// controllers, which a PVH domain does not have.
inline constexpr uint32_t k_hvm_callback_type_shift = 56;
inline constexpr uint64_t k_hvm_callback_type_gsi = 0;
inline constexpr uint64_t k_hvm_callback_type_pci_intx = 1;
inline constexpr uint64_t k_hvm_callback_type_vector = 2;

constexpr uint64_t hvm_callback_type(uint64_t value) {
    return value >> k_hvm_callback_type_shift;
}
constexpr uint8_t hvm_callback_vector(uint64_t value) {
    return static_cast<uint8_t>(value & 0xff);
}
constexpr uint64_t hvm_callback_via_vector(uint8_t vector) {
    return k_hvm_callback_type_vector << k_hvm_callback_type_shift | vector;
}
static_assert(hvm_callback_via_vector(0xf3) == 0x0200'0000'0000'00f3);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_HVM_HPP
