#include "core/hvm/xen_leaves.hpp"
#include "include/public/xen_cpuid.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::hvm;

TEST_CASE("Xen CPUID leaves: PV and PVH share them, PVH adds leaf 4", "[hvm][cpuid]") {
    const XenLeavesContext pv_ctx{GuestKind::pv, 1, 7, 0x40011};
    const XenLeavesContext pvh_ctx{GuestKind::pvh, 1, 7, 0x40011};
    CHECK(xen_leaf(pv_ctx, 0x4000'0000, 0).eax == 0x4000'0005);
    CHECK(xen_leaf(pvh_ctx, 0x4000'0000, 0).eax == 0x4000'0004);
    for (const XenLeavesContext& c : {pv_ctx, pvh_ctx}) {
        const CpuidLeaf sig = xen_leaf(c, 0x4000'0000, 0);
        CHECK(sig.ebx == 0x566e6558);
        CHECK(sig.ecx == 0x65584d4d);
        CHECK(sig.edx == 0x4d4d566e);
        CHECK(xen_leaf(c, 0x4000'0001, 0) == CpuidLeaf{0x40011, 0, 0, 0});
        CHECK(xen_leaf(c, 0x4000'0002, 0) == CpuidLeaf{1, abi::k_xen_hypercall_page_msr, 0, 0});
        CHECK(xen_leaf(c, 0x4000'0003, 0) == CpuidLeaf{0, 0, 0, 0});
        CHECK(xen_leaf(c, 0x4000'0005, 0) == CpuidLeaf{0, 0, 0, 0});
        CHECK(xen_leaf(c, 0x4000'0100, 0) == CpuidLeaf{0, 0, 0, 0});
        CHECK(xen_leaf(c, 0x3fff'ffff, 0) == CpuidLeaf{0, 0, 0, 0});
    }
    CHECK(xen_leaf(pv_ctx, 0x4000'0004, 0) == CpuidLeaf{0, 0, 0, 0});
    const CpuidLeaf hvm = xen_leaf(pvh_ctx, 0x4000'0004, 0);
    CHECK(hvm.eax == (abi::k_xen_hvm_cpuid_vcpu_id_present | abi::k_xen_hvm_cpuid_domid_present |
                      abi::k_xen_hvm_cpuid_upcall_vector));
    CHECK(hvm.ebx == 1);
    CHECK(hvm.ecx == 7);
    CHECK(is_hypervisor_leaf(0x4000'0000));
    CHECK(is_hypervisor_leaf(0x4000'ffff));
    CHECK_FALSE(is_hypervisor_leaf(0x4001'0000));
    CHECK_FALSE(is_hypervisor_leaf(0x3fff'ffff));
}
