#include "core/hvm/msr_policy.hpp"

#include <catch2/catch.hpp>

using namespace pv::hvm;

namespace {

PvhMsrContext context(uint32_t vcpu, CpuVendor vendor = CpuVendor::amd) {
    PvhMsrContext c;
    c.vcpu_id = vcpu;
    c.vendor = vendor;
    c.guest_tsc = 0x1234'5678'9abcull;
    c.phys_bits = 40;
    return c;
}

constexpr MsrDecision k_gp{MsrAction::gp, 0};

} // namespace

TEST_CASE("PVH MSR: APIC_BASE reads x2APIC enabled, BSP only on vCPU 0", "[hvm][msr]") {
    PvhMsrState s;
    CHECK(pvh_rdmsr(context(0), s, 0x1b) == MsrDecision{MsrAction::done, 0xfee00d00});
    CHECK(pvh_rdmsr(context(1), s, 0x1b) == MsrDecision{MsrAction::done, 0xfee00c00});
    // Writing the same value (with or without BSP) is fine.
    CHECK(pvh_wrmsr(context(0), s, 0x1b, 0xfee00d00).action == MsrAction::done);
    CHECK(pvh_wrmsr(context(0), s, 0x1b, 0xfee00c00).action == MsrAction::done);
    CHECK(pvh_wrmsr(context(1), s, 0x1b, 0xfee00c00).action == MsrAction::done);
    // xAPIC mode, disabled, moved, reserved bits: #GP.
    for (uint64_t bad : {0xfee00900ull, 0xfee00100ull, 0x0ull, 0xfed00d00ull, 0xfee00d01ull,
                         0x1'fee00d00ull, 0xfee00e00ull, 0xfee00500ull})
        CHECK(pvh_wrmsr(context(0), s, 0x1b, bad) == k_gp);
}

TEST_CASE("PVH MSR: PAT per vCPU, checked", "[hvm][msr]") {
    PvhMsrState a, b;
    CHECK(pvh_rdmsr(context(0), a, 0x277).value == 0x0007040600070406ull);
    CHECK(pvh_wrmsr(context(0), a, 0x277, 0x0007010600070106ull).action == MsrAction::done);
    CHECK(pvh_rdmsr(context(0), a, 0x277).value == 0x0007010600070106ull);
    CHECK(pvh_rdmsr(context(1), b, 0x277).value == 0x0007040600070406ull);
    // Types 2, 3 and >= 8 are reserved in any entry.
    for (uint64_t bad : {0x0007040600070402ull, 0x0307040600070406ull, 0x0007040600080406ull,
                         0xff07040600070406ull}) {
        CHECK(pvh_wrmsr(context(0), a, 0x277, bad) == k_gp);
        CHECK(pvh_rdmsr(context(0), a, 0x277).value == 0x0007010600070106ull);
    }
}

TEST_CASE("PVH MSR: MTRRs say write-back, no ranges", "[hvm][msr]") {
    PvhMsrState s;
    CHECK(pvh_rdmsr(context(0), s, 0xfe) == MsrDecision{MsrAction::done, 0});
    CHECK(pvh_wrmsr(context(0), s, 0xfe, 0) == k_gp);
    CHECK(pvh_rdmsr(context(0), s, 0x2ff).value == 0x806);
    CHECK(pvh_wrmsr(context(0), s, 0x2ff, 0x800).action == MsrAction::done); // enabled, UC
    CHECK(pvh_rdmsr(context(0), s, 0x2ff).value == 0x800);
    CHECK(pvh_wrmsr(context(0), s, 0x2ff, 0x6).action == MsrAction::done); // disabled
    for (uint64_t bad : {0xc06ull, 0x802ull, 0x807ull, 0x1806ull, 0x1'0000'0806ull})
        CHECK(pvh_wrmsr(context(0), s, 0x2ff, bad) == k_gp);
    CHECK(pvh_rdmsr(context(0), s, 0x2ff).value == 0x6);
    // No variable or fixed ranges exist.
    for (uint32_t msr : {0x200u, 0x201u, 0x20fu, 0x250u, 0x258u, 0x268u})
        CHECK(pvh_rdmsr(context(0), s, msr) == k_gp);
}

TEST_CASE("PVH MSR: read-only information MSRs", "[hvm][msr]") {
    PvhMsrState s;
    const PvhMsrContext intel = context(0, CpuVendor::intel);
    const PvhMsrContext amd = context(0, CpuVendor::amd);
    CHECK(pvh_rdmsr(amd, s, 0x10) == MsrDecision{MsrAction::done, 0x1234'5678'9abcull});
    CHECK(pvh_wrmsr(amd, s, 0x10, 0) == k_gp);
    CHECK(pvh_rdmsr(amd, s, 0x8b) == MsrDecision{MsrAction::done, 0});
    CHECK(pvh_wrmsr(intel, s, 0x8b, 0).action == MsrAction::done);
    CHECK(pvh_rdmsr(amd, s, 0xce) == MsrDecision{MsrAction::done, 0});
    CHECK(pvh_wrmsr(amd, s, 0xce, 0) == k_gp);
    CHECK(pvh_rdmsr(intel, s, 0x1a0) == MsrDecision{MsrAction::done, 0x1801});
    CHECK(pvh_wrmsr(intel, s, 0x1a0, 0x1801).action == MsrAction::done);
    CHECK(pvh_wrmsr(intel, s, 0x1a0, 0x1801 | (1u << 18)) == k_gp); // MONITOR enable
    CHECK(pvh_rdmsr(amd, s, 0x1a0) == k_gp);
    CHECK(pvh_rdmsr(intel, s, 0x3a) == MsrDecision{MsrAction::done, 1});
    CHECK(pvh_wrmsr(intel, s, 0x3a, 5) == k_gp);
    CHECK(pvh_rdmsr(amd, s, 0x3a) == k_gp);
}

TEST_CASE("PVH MSR: x2APIC range goes to the vlapic, hypercall page is write-only", "[hvm][msr]") {
    PvhMsrState s;
    for (uint32_t msr : {0x800u, 0x802u, 0x830u, 0x8ffu}) {
        CHECK(pvh_rdmsr(context(0), s, msr).action == MsrAction::vlapic);
        CHECK(pvh_wrmsr(context(0), s, msr, 7) == MsrDecision{MsrAction::vlapic, 7});
    }
    CHECK(pvh_rdmsr(context(0), s, 0x7ff) == k_gp);
    CHECK(pvh_rdmsr(context(0), s, 0x900) == k_gp);
    CHECK(pvh_rdmsr(context(0), s, 0x4000'0000) == k_gp);
    CHECK(pvh_wrmsr(context(0), s, 0x4000'0000, 0x12'3000) ==
          MsrDecision{MsrAction::hypercall_page, 0x12'3000});
    CHECK(pvh_wrmsr(context(0), s, 0x4000'0000, 0x12'3001) == k_gp);  // page index 1: we have one
    CHECK(pvh_wrmsr(context(0), s, 0x4000'0000, 0x12'3fff) == k_gp);
    CHECK(pvh_wrmsr(context(0), s, 0x4000'0000, 1ull << 40) == k_gp); // beyond MAXPHYADDR
    CHECK(pvh_wrmsr(context(0), s, 0x4000'0001, 0) == k_gp);
    CHECK(pvh_wrmsr(context(0), s, 0x4000'0200, 0) == k_gp);
}

TEST_CASE("PVH MSR: vendor state MSRs, writes checked", "[hvm][msr]") {
    PvhMsrState s;
    const PvhMsrContext amd = context(0, CpuVendor::amd);
    const PvhMsrContext intel = context(0, CpuVendor::intel);
    for (uint32_t msr : {0xc0000080u, 0xc0000081u, 0xc0000082u, 0xc0000083u, 0xc0000084u, 0xc0000100u,
                         0xc0000101u, 0xc0000102u, 0x174u, 0x175u, 0x176u}) {
        CHECK(is_vendor_state_msr(msr));
        CHECK(pvh_rdmsr(amd, s, msr).action == MsrAction::vendor);
    }
    CHECK_FALSE(is_vendor_state_msr(0xc0000103)); // TSC_AUX: RDTSCP is hidden
    CHECK(pvh_rdmsr(amd, s, 0xc0000103) == k_gp);
    // EFER: SCE, LME, LMA, NXE; FFXSR on AMD only; SVME and the rest #GP.
    CHECK(pvh_wrmsr(amd, s, 0xc0000080, 0xd01) == MsrDecision{MsrAction::vendor, 0xd01});
    CHECK(pvh_wrmsr(amd, s, 0xc0000080, 0x4d01).action == MsrAction::vendor);
    CHECK(pvh_wrmsr(intel, s, 0xc0000080, 0x4d01) == k_gp);
    for (uint64_t bad : {0x1000ull, 0x1d01ull, 0x2000ull, 0x8000ull, 0x2ull, 0x1'0000'0000ull})
        CHECK(pvh_wrmsr(amd, s, 0xc0000080, bad) == k_gp);
    // Bases must be canonical.
    for (uint32_t msr : {0xc0000082u, 0xc0000083u, 0xc0000100u, 0xc0000101u, 0xc0000102u, 0x175u, 0x176u}) {
        CHECK(pvh_wrmsr(amd, s, msr, 0xffff'8000'0000'1000ull).action == MsrAction::vendor);
        CHECK(pvh_wrmsr(amd, s, msr, 0x0000'8000'0000'0000ull) == k_gp);
    }
    CHECK(pvh_wrmsr(amd, s, 0xc0000081, ~0ull).action == MsrAction::vendor); // STAR: all defined
    CHECK(pvh_wrmsr(amd, s, 0xc0000084, 0x4700).action == MsrAction::vendor);
    CHECK(pvh_wrmsr(amd, s, 0xc0000084, 1ull << 32) == k_gp);
    CHECK(pvh_wrmsr(amd, s, 0x174, 1ull << 32) == k_gp);
}

TEST_CASE("PVH MSR: everything else is #GP", "[hvm][msr]") {
    PvhMsrState s;
    for (uint32_t msr : {0x0u, 0x11u, 0x48u, 0x49u, 0x10au, 0x10bu, 0x179u, 0x17au, 0x186u, 0xc1u,
                         0x38fu, 0x400u, 0xd90u, 0xda0u, 0x6e0u, 0xc0010114u, 0xc0011029u, 0xffffffffu}) {
        INFO("MSR " << std::hex << msr);
        CHECK(pvh_rdmsr(context(0), s, msr) == k_gp);
        CHECK(pvh_wrmsr(context(0), s, msr, 0) == k_gp);
    }
}
