// The hvm_op ABI (include/public/hvm.hpp): numbers and layouts a PVH guest
// and the toolstack depend on, restated independently of the header's own
// static_asserts.
#include "include/public/hvm.hpp"
#include "include/public/hypercall.hpp"
#include "include/public/memory.hpp"
#include "include/public/xen_cpuid.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using namespace pv::abi;

TEST_CASE("hvm_op numbers match Xen's", "[abi][hvm]") {
    CHECK(raw(Hypercall::hvm_op) == 34);
    CHECK(raw(HvmOp::set_param) == 0);
    CHECK(raw(HvmOp::get_param) == 1);
    CHECK(raw(HvmOp::pagetable_dying) == 9);
    CHECK(raw(HvmOp::set_evtchn_upcall_vector) == 23);
    CHECK(raw(HvmParamIndex::callback_irq) == 0);
    CHECK(raw(HvmParamIndex::store_pfn) == 1);
    CHECK(raw(HvmParamIndex::store_evtchn) == 2);
    CHECK(raw(HvmParamIndex::console_pfn) == 17);
    CHECK(raw(HvmParamIndex::console_evtchn) == 18);
    CHECK(k_hvm_nr_params == 39);
    CHECK(k_xen_hypercall_page_msr == 0x40000000);
    CHECK(raw(MemoryOp::add_to_physmap) == 7);
    CHECK(raw(MapSpace::shared_info) == 0);
    CHECK(raw(MapSpace::grant_table) == 1);
    CHECK(raw(MapSpace::gmfn) == 2);
}

TEST_CASE("hvm_op structures have Xen's layout", "[abi][hvm]") {
    // A set_param request as a 64-bit guest lays it out in memory.
    const uint8_t bytes[16] = {0xf0, 0x7f, 0, 0, 17, 0, 0, 0, 0x34, 0x12, 0, 0, 0, 0, 0, 0};
    HvmParam p;
    static_assert(sizeof p == sizeof bytes);
    std::memcpy(&p, bytes, sizeof p);
    CHECK(p.domid == 0x7ff0);
    CHECK(p.pad == 0);
    CHECK(p.index == 17);
    CHECK(p.value == 0x1234);

    const uint8_t vec[8] = {3, 0, 0, 0, 0xf3, 0, 0, 0};
    HvmEvtchnUpcallVector v;
    static_assert(sizeof v == sizeof vec);
    std::memcpy(&v, vec, sizeof v);
    CHECK(v.vcpu == 3);
    CHECK(v.vector == 0xf3);

    static_assert(sizeof(AddToPhysmap) == 24);
}

TEST_CASE("HVM_PARAM_CALLBACK_IRQ's vector encoding", "[abi][hvm]") {
    const uint64_t via = hvm_callback_via_vector(0xf3);
    CHECK(via == ((uint64_t{2} << 56) | 0xf3));
    CHECK(hvm_callback_type(via) == k_hvm_callback_type_vector);
    CHECK(hvm_callback_vector(via) == 0xf3);
    CHECK(hvm_callback_type(0x20) == k_hvm_callback_type_gsi);
    CHECK(hvm_callback_type(uint64_t{1} << 56) == k_hvm_callback_type_pci_intx);
}
