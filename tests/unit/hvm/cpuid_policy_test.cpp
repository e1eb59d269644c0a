#include "core/hvm/cpuid_policy.hpp"
#include "fake_host_cpuid.hpp"
#include "include/public/xen_cpuid.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::hvm;
using pv::test::FakeHostCpuid;

namespace {

constexpr uint32_t bit(unsigned n) { return 1u << n; }

PvhCpuidContext context(uint32_t vcpu, uint32_t count) {
    PvhCpuidContext c;
    c.vcpu_id = vcpu;
    c.vcpu_count = count;
    c.domain_id = 3;
    c.xen_version = (4u << 16) | 17u;
    return c;
}

} // namespace

TEST_CASE("PVH CPUID: the vendor string is the host's, max leaves are clamped", "[hvm][cpuid]") {
    for (bool intel : {false, true}) {
        const FakeHostCpuid host = FakeHostCpuid::everything(intel);
        const CpuidLeaf l0 = pvh_cpuid(host, context(0, 1), 0, 0);
        CHECK(l0.eax == k_pvh_max_basic_leaf);
        CHECK(l0.ebx == host.query(0, 0).ebx);
        CHECK(l0.ecx == host.query(0, 0).ecx);
        CHECK(l0.edx == host.query(0, 0).edx);
        CHECK(pvh_cpuid(host, context(0, 1), 0x8000'0000, 0).eax == k_pvh_max_extended_leaf);
        // Past the clamp: zeros even though the host has them.
        CHECK(pvh_cpuid(host, context(0, 1), 0x1f, 0) == CpuidLeaf{0, 0, 0, 0});
        CHECK(pvh_cpuid(host, context(0, 1), 0x14, 0) == CpuidLeaf{0, 0, 0, 0});
        CHECK(pvh_cpuid(host, context(0, 1), 0x12, 0) == CpuidLeaf{0, 0, 0, 0});
        CHECK(pvh_cpuid(host, context(0, 1), 0x8000'000a, 0) == CpuidLeaf{0, 0, 0, 0});
        CHECK(pvh_cpuid(host, context(0, 1), 0x8000'001f, 0) == CpuidLeaf{0, 0, 0, 0});
        // Brand string passed.
        CHECK(pvh_cpuid(host, context(0, 1), 0x8000'0002, 0) == host.query(0x8000'0002, 0));
    }
}

TEST_CASE("PVH CPUID: an old host keeps its own lower limits, leaf 0xB is always there", "[hvm][cpuid]") {
    const FakeHostCpuid host = FakeHostCpuid::everything(true, 0x7, 0x8000'0004);
    CHECK(pvh_cpuid(host, context(0, 1), 0, 0).eax == 0xb);
    CHECK(pvh_cpuid(host, context(0, 1), 0xd, 0) == CpuidLeaf{0, 0, 0, 0}); // beyond the host's
    CHECK(pvh_cpuid(host, context(0, 2), 0xb, 1).ebx == 2);
    CHECK(pvh_cpuid(host, context(0, 1), 0x8000'0000, 0).eax == 0x8000'0004);
    CHECK(pvh_cpuid(host, context(0, 1), 0x8000'0008, 0) == CpuidLeaf{0, 0, 0, 0});
}

TEST_CASE("PVH CPUID leaf 1: hypervisor, x2APIC, APIC id; VMX/SMX/MWAIT/PDCM/TSC-deadline hidden",
          "[hvm][cpuid]") {
    const FakeHostCpuid host = FakeHostCpuid::everything(true);
    const CpuidLeaf l = pvh_cpuid(host, context(5, 8), 1, 0);
    CHECK(l.eax == host.query(1, 0).eax);
    CHECK((l.ecx & bit(31)) != 0); // hypervisor
    CHECK((l.ecx & bit(21)) != 0); // x2APIC
    for (unsigned b : {3u, 5u, 6u, 7u, 8u, 15u, 18u, 24u, 27u}) {
        INFO("leaf 1 ECX bit " << b);
        CHECK((l.ecx & bit(b)) == 0);
    }
    CHECK((l.ecx & bit(26)) != 0); // XSAVE kept
    CHECK((l.ecx & bit(28)) != 0); // AVX kept
    for (unsigned b : {7u, 14u, 21u, 22u, 29u, 31u}) {
        INFO("leaf 1 EDX bit " << b);
        CHECK((l.edx & bit(b)) == 0);
    }
    CHECK((l.edx & bit(9)) != 0);  // APIC
    CHECK((l.edx & bit(28)) != 0); // HTT: more than one vCPU
    CHECK(l.ebx >> 24 == 5);                     // initial APIC id
    CHECK(((l.ebx >> 16) & 0xff) == 8);          // ids per package
    CHECK((l.ebx & 0xffff) == (host.query(1, 0).ebx & 0xffff));
    // One vCPU: no HTT.
    CHECK((pvh_cpuid(host, context(0, 1), 1, 0).edx & bit(28)) == 0);
    // The host's hypervisor bit being clear does not matter.
    FakeHostCpuid bare = host;
    bare.set(1, 0, {0, 0, 0, 0});
    CHECK((pvh_cpuid(bare, context(0, 1), 1, 0).ecx & (bit(31) | bit(21))) == (bit(31) | bit(21)));
}

TEST_CASE("PVH CPUID: OSXSAVE and OSPKE mirror the guest's CR4", "[hvm][cpuid]") {
    const FakeHostCpuid host = FakeHostCpuid::everything(false);
    PvhCpuidContext c = context(0, 1);
    CHECK((pvh_cpuid(host, c, 1, 0).ecx & bit(27)) == 0);
    CHECK((pvh_cpuid(host, c, 7, 0).ecx & bit(4)) == 0);
    c.guest_osxsave = true;
    c.guest_ospke = true;
    CHECK((pvh_cpuid(host, c, 1, 0).ecx & bit(27)) != 0);
    CHECK((pvh_cpuid(host, c, 7, 0).ecx & bit(4)) != 0);
    // Without XSAVE support in the backend OSXSAVE stays clear.
    c.expose_xsave = false;
    CHECK((pvh_cpuid(host, c, 1, 0).ecx & bit(27)) == 0);
}

TEST_CASE("PVH CPUID: MONITOR, perfmon, thermal leaves", "[hvm][cpuid]") {
    const FakeHostCpuid host = FakeHostCpuid::everything(true);
    CHECK(pvh_cpuid(host, context(0, 1), 5, 0) == CpuidLeaf{0, 0, 0, 0});
    CHECK(pvh_cpuid(host, context(0, 1), 0xa, 0) == CpuidLeaf{0, 0, 0, 0});
    CHECK(pvh_cpuid(host, context(0, 1), 3, 0) == CpuidLeaf{0, 0, 0, 0});
    CHECK(pvh_cpuid(host, context(0, 1), 6, 0) == CpuidLeaf{bit(2), 0, 0, 0}); // ARAT only
}

TEST_CASE("PVH CPUID leaf 7: features whose MSRs or hardware we do not give are hidden", "[hvm][cpuid]") {
    const FakeHostCpuid host = FakeHostCpuid::everything(true);
    const CpuidLeaf l = pvh_cpuid(host, context(0, 1), 7, 0);
    CHECK(l.eax == 1); // sub-leaves 0 and 1
    for (unsigned b : {2u, 14u, 25u}) CHECK((l.ebx & bit(b)) == 0);
    for (unsigned b : {0u, 3u, 5u, 8u, 9u, 16u}) CHECK((l.ebx & bit(b)) != 0);
    for (unsigned b : {4u, 5u, 7u, 13u, 16u, 22u, 30u}) CHECK((l.ecx & bit(b)) == 0);
    for (unsigned b : {15u, 18u, 19u, 20u, 26u, 27u, 28u, 29u, 30u, 31u}) {
        INFO("leaf 7 EDX bit " << b);
        CHECK((l.edx & bit(b)) == 0);
    }
    CHECK((l.edx & bit(10)) != 0); // MD_CLEAR: just VERW
    const CpuidLeaf s1 = pvh_cpuid(host, context(0, 1), 7, 1);
    CHECK((s1.eax & (bit(22) | bit(26))) == 0);
    CHECK((s1.eax & bit(4)) != 0);
    CHECK(pvh_cpuid(host, context(0, 1), 7, 2) == CpuidLeaf{0, 0, 0, 0});
}

TEST_CASE("PVH CPUID: hiding XSAVE hides everything that needs it", "[hvm][cpuid]") {
    const FakeHostCpuid host = FakeHostCpuid::everything(false);
    PvhCpuidContext c = context(0, 1);
    c.expose_xsave = false;
    c.guest_osxsave = true;
    const CpuidLeaf l1 = pvh_cpuid(host, c, 1, 0);
    for (unsigned b : {12u, 26u, 27u, 28u, 29u}) CHECK((l1.ecx & bit(b)) == 0);
    const CpuidLeaf l7 = pvh_cpuid(host, c, 7, 0);
    CHECK((l7.ebx & (bit(5) | bit(16) | bit(31))) == 0);
    CHECK((l7.ecx & (bit(9) | bit(10))) == 0);
    CHECK((pvh_cpuid(host, c, 7, 1).eax & bit(4)) == 0);
    CHECK((pvh_cpuid(host, c, 0x8000'0001, 0).ecx & (bit(11) | bit(16))) == 0);
    for (uint32_t s = 0; s < 10; ++s) CHECK(pvh_cpuid(host, c, 0xd, s) == CpuidLeaf{0, 0, 0, 0});
}

TEST_CASE("PVH CPUID leaf 0xD: user components passed, MPX and supervisor state hidden, sizes for guest XCR0",
          "[hvm][cpuid]") {
    const FakeHostCpuid host = FakeHostCpuid::everything(true);
    PvhCpuidContext c = context(0, 1);
    c.guest_xcr0 = 0x7; // x87, SSE, AVX
    const CpuidLeaf s0 = pvh_cpuid(host, c, 0xd, 0);
    CHECK(s0.eax == 0x2e7);         // MPX (3, 4) gone; supervisor PT (8) never in XCR0
    CHECK(s0.edx == 0);
    CHECK(s0.ebx == 576 + 256);     // legacy + AVX
    CHECK(s0.ecx == 2688 + 8);      // up to PKRU
    c.guest_xcr0 = 0x3;
    CHECK(pvh_cpuid(host, c, 0xd, 0).ebx == 576);
    c.guest_xcr0 = 0x1f; // MPX bits requested anyway: not counted
    CHECK(pvh_cpuid(host, c, 0xd, 0).ebx == 576 + 256);
    c.guest_xcr0 = 0x7;
    const CpuidLeaf s1 = pvh_cpuid(host, c, 0xd, 1);
    CHECK(s1.eax == 0x7); // XSAVEOPT, XSAVEC, XGETBV1; no XSAVES/XFD
    CHECK(s1.ebx == 576 + 256);
    CHECK(s1.ecx == 0);
    CHECK(s1.edx == 0);
    CHECK(pvh_cpuid(host, c, 0xd, 2) == host.query(0xd, 2));
    CHECK(pvh_cpuid(host, c, 0xd, 3) == CpuidLeaf{0, 0, 0, 0});
    CHECK(pvh_cpuid(host, c, 0xd, 4) == CpuidLeaf{0, 0, 0, 0});
    CHECK(pvh_cpuid(host, c, 0xd, 8) == CpuidLeaf{0, 0, 0, 0}); // PT: supervisor
    CHECK(pvh_cpuid(host, c, 0xd, 9) == host.query(0xd, 9));
    CHECK(pvh_cpuid(host, c, 0xd, 63) == CpuidLeaf{0, 0, 0, 0});
    CHECK(pvh_cpuid(host, c, 0xd, 64) == CpuidLeaf{0, 0, 0, 0});
    CHECK(pvh_cpuid(host, c, 0xd, 0xffffffff) == CpuidLeaf{0, 0, 0, 0});
    // Compacted size with PKRU's 64-byte alignment: 576 + 256, aligned, + 8.
    c.guest_xcr0 = 0x207;
    CHECK(pvh_cpuid(host, c, 0xd, 1).ebx == 832 + 8);
}

TEST_CASE("PVH CPUID topology: x2APIC id is the vCPU id in every leaf", "[hvm][cpuid]") {
    const FakeHostCpuid host = FakeHostCpuid::everything(true);
    for (uint32_t count : {1u, 2u, 3u, 4u, 5u, 64u}) {
        uint32_t shift = 0;
        while ((1u << shift) < count) ++shift;
        for (uint32_t id : {0u, count - 1}) {
            INFO("vcpu " << id << " of " << count);
            const PvhCpuidContext c = context(id, count);
            CHECK(pvh_cpuid(host, c, 0xb, 0) == CpuidLeaf{0, 1, 0x100, id});
            CHECK(pvh_cpuid(host, c, 0xb, 1) == CpuidLeaf{shift, count, 0x201, id});
            CHECK(pvh_cpuid(host, c, 0xb, 2) == CpuidLeaf{0, 0, 2, id});
            CHECK(pvh_cpuid(host, c, 0xb, 0x1234) == CpuidLeaf{0, 0, 0x34, id});
            CHECK(pvh_cpuid(host, c, 1, 0).ebx >> 24 == id);
            CHECK(pvh_cpuid(host, c, 0x8000'0008, 0).ecx == ((shift << 12) | (count - 1)));
            CHECK(pvh_cpuid(host, c, 4, 0).eax >> 26 == (1u << shift) - 1);
            CHECK(((pvh_cpuid(host, c, 4, 0).eax >> 14) & 0xfff) == 0);
            CHECK(pvh_cpuid(host, c, 0xd, 0).eax != 0);
        }
    }
}

TEST_CASE("PVH CPUID extended leaves: SVM, topology extension, RDTSCP, speculation MSRs hidden",
          "[hvm][cpuid]") {
    const FakeHostCpuid host = FakeHostCpuid::everything(false);
    const CpuidLeaf e1 = pvh_cpuid(host, context(0, 1), 0x8000'0001, 0);
    for (unsigned b : {2u, 3u, 10u, 12u, 13u, 15u, 17u, 19u, 22u, 23u, 24u, 26u, 27u, 28u, 29u}) {
        INFO("0x80000001 ECX bit " << b);
        CHECK((e1.ecx & bit(b)) == 0);
    }
    CHECK((e1.ecx & bit(0)) != 0); // LAHF/SAHF
    CHECK((e1.edx & bit(27)) == 0);
    CHECK((e1.edx & bit(29)) != 0); // long mode
    CHECK((e1.edx & bit(26)) != 0); // 1 GiB pages: the guest's own tables, walked by the CPU
    CHECK(pvh_cpuid(host, context(0, 1), 0x8000'0007, 0) == CpuidLeaf{0, 0, 0, bit(8)});
    const CpuidLeaf e8 = pvh_cpuid(host, context(0, 1), 0x8000'0008, 0);
    CHECK(e8.eax == 0x3030);
    CHECK(e8.ebx == (bit(0) | bit(2) | bit(9) | bit(26)));
    CHECK(e8.edx == 0);
}

TEST_CASE("PVH CPUID: Xen leaves with the vCPU and domain ids; odd ranges are zeros", "[hvm][cpuid]") {
    const FakeHostCpuid host = FakeHostCpuid::everything(true);
    const PvhCpuidContext c = context(2, 4);
    const CpuidLeaf sig = pvh_cpuid(host, c, 0x4000'0000, 0);
    CHECK(sig == CpuidLeaf{0x4000'0004, abi::k_xen_cpuid_signature_ebx, abi::k_xen_cpuid_signature_ecx,
                           abi::k_xen_cpuid_signature_edx});
    CHECK(pvh_cpuid(host, c, 0x4000'0001, 0).eax == ((4u << 16) | 17u));
    CHECK(pvh_cpuid(host, c, 0x4000'0002, 0) == CpuidLeaf{1, 0x4000'0000, 0, 0});
    const CpuidLeaf hvm = pvh_cpuid(host, c, 0x4000'0004, 0);
    CHECK((hvm.eax & abi::k_xen_hvm_cpuid_vcpu_id_present) != 0);
    CHECK((hvm.eax & abi::k_xen_hvm_cpuid_domid_present) != 0);
    CHECK((hvm.eax & abi::k_xen_hvm_cpuid_upcall_vector) != 0);
    CHECK((hvm.eax & (abi::k_xen_hvm_cpuid_apic_access_virt | abi::k_xen_hvm_cpuid_x2apic_virt)) == 0);
    CHECK(hvm.ebx == 2);
    CHECK(hvm.ecx == 3);
    CHECK(pvh_cpuid(host, c, 0x4000'0004, 1) == CpuidLeaf{0, 0, 0, 0});
    for (uint32_t leaf : {0x4000'0003u, 0x4000'0005u, 0x4000'0100u, 0x4000'ffffu, 0x4001'0000u,
                          0x7fff'ffffu, 0x8001'0000u, 0xc000'0000u, 0xffff'ffffu}) {
        INFO("leaf " << std::hex << leaf);
        CHECK(pvh_cpuid(host, c, leaf, 0) == CpuidLeaf{0, 0, 0, 0});
    }
}
