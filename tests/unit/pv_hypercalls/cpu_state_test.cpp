// stack_switch, set_segment_base, fpu_taskswitch, set_debugreg, get_debugreg.
#include "tests/unit/pv_hypercalls/pv_errors.hpp"

#include "tests/unit/pv_hypercalls/pv_fixture.hpp"
#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;
using abi::SegmentBase;

namespace {

constexpr uint64_t k_stack_switch = abi::raw(abi::Hypercall::stack_switch);
constexpr uint64_t k_segbase = abi::raw(abi::Hypercall::set_segment_base);
constexpr uint64_t k_fpu = abi::raw(abi::Hypercall::fpu_taskswitch);
constexpr uint64_t k_setdr = abi::raw(abi::Hypercall::set_debugreg);
constexpr uint64_t k_getdr = abi::raw(abi::Hypercall::get_debugreg);
constexpr uint64_t seg(SegmentBase s) {
    return abi::raw(s);
}

} // namespace

TEST_CASE("stack_switch records the kernel stack with RPL 3", "[pv_hypercalls]") {
    PvFixture f;
    CHECK(f.call(k_stack_switch, 0xe028, 0xffff'c900'0001'0000) == 0);
    CHECK(f.vcpu.pv.kernel_ss == 0xe02b);
    CHECK(f.vcpu.pv.kernel_sp == 0xffff'c900'0001'0000);
    CHECK(f.call(k_stack_switch, 0x2b, 0) == 0);
    CHECK(f.vcpu.pv.kernel_ss == 0x2b);
    CHECK(f.vcpu.pv.kernel_sp == 0);
}

TEST_CASE("set_segment_base sets FS and GS bases", "[pv_hypercalls]") {
    PvFixture f;
    PvVcpuState& pv = f.vcpu.pv;
    CHECK(f.call(k_segbase, seg(SegmentBase::fs), 0x7f00'0000'1000) == 0);
    CHECK(pv.fs_base == 0x7f00'0000'1000);
    CHECK(f.call(k_segbase, seg(SegmentBase::gs_kernel), 0xffff'8880'0000'0000) == 0);
    CHECK(pv.gs_base_kernel == 0xffff'8880'0000'0000);
    CHECK(f.call(k_segbase, seg(SegmentBase::gs_user), 0x1234) == 0);
    CHECK(pv.gs_base_user == 0x1234);
    CHECK(f.services.segbases ==
          std::vector<SegmentBase>{SegmentBase::fs, SegmentBase::gs_kernel, SegmentBase::gs_user});

    SECTION("non-canonical: -EINVAL, nothing changes") {
        for (SegmentBase s : {SegmentBase::fs, SegmentBase::gs_kernel, SegmentBase::gs_user})
            CHECK(f.call(k_segbase, seg(s), k_noncanonical) == k_einval);
        CHECK(pv.fs_base == 0x7f00'0000'1000);
        CHECK(pv.gs_base_kernel == 0xffff'8880'0000'0000);
        CHECK(pv.gs_base_user == 0x1234);
        CHECK(f.services.segbases.size() == 3);
    }
    SECTION("unknown which: -EINVAL") {
        CHECK(f.call(k_segbase, 4, 0) == k_einval);
        CHECK(f.call(k_segbase, 0xffff'ffff, 0) == k_einval);
        CHECK(f.services.segbases.size() == 3);
    }
    SECTION("which is an unsigned int") {
        CHECK(f.call(k_segbase, 0x1'0000'0000ull, 0x5000) == 0);
        CHECK(pv.fs_base == 0x5000);
    }
}

TEST_CASE("set_segment_base GS_USER_SEL loads a selector through the arch", "[pv_hypercalls]") {
    PvFixture f;
    CHECK(f.call(k_segbase, seg(SegmentBase::gs_user_sel), 0x28) == 0);
    CHECK(f.call(k_segbase, seg(SegmentBase::gs_user_sel), 0x2b) == 0);
    CHECK(f.call(k_segbase, seg(SegmentBase::gs_user_sel), 0) == 0);
    CHECK(f.call(k_segbase, seg(SegmentBase::gs_user_sel), 2) == 0); // NUL: RPL kept
    CHECK(f.call(k_segbase, seg(SegmentBase::gs_user_sel), 0xdead'0000'0004) == 0);
    CHECK(f.services.gs_selectors == std::vector<uint16_t>{0x2b, 0x2b, 0, 2, 7});
    CHECK(f.vcpu.pv.gs_base_user == f.services.gs_base_from_selector);
}

TEST_CASE("fpu_taskswitch sets and clears the virtual TS", "[pv_hypercalls]") {
    PvFixture f;
    CHECK(f.call(k_fpu, 1) == 0);
    CHECK(f.vcpu.pv.fpu_ts);
    CHECK(f.call(k_fpu, 0) == 0);
    CHECK_FALSE(f.vcpu.pv.fpu_ts);
    CHECK(f.call(k_fpu, 0xffff'ffff) == 0); // int -1
    CHECK(f.vcpu.pv.fpu_ts);
    CHECK(f.call(k_fpu, 0x1'0000'0000ull) == 0); // int 0
    CHECK_FALSE(f.vcpu.pv.fpu_ts);
    CHECK(f.services.fpu_changes == std::vector<bool>{true, false, true, false});
}

TEST_CASE("set_debugreg DR0-3 take guest addresses only", "[pv_hypercalls]") {
    PvFixture f;
    CHECK(f.call(k_setdr, 0, 0x40'1000) == 0);
    CHECK(f.call(k_setdr, 3, 0xffff'8800'0000'0000) == 0); // just past the hypervisor range
    CHECK(f.call(k_setdr, 1, 0x7fff'ffff'ffff) == 0);
    CHECK(f.vcpu.pv.debugreg[0] == 0x40'1000);
    CHECK(f.vcpu.pv.debugreg[3] == 0xffff'8800'0000'0000);
    CHECK(f.services.debugregs == std::vector<unsigned>{0, 3, 1});

    CHECK(f.call(k_setdr, 2, k_hv_address) == k_eperm);
    CHECK(f.call(k_setdr, 2, 0xffff'87ff'ffff'ffff) == k_eperm);
    CHECK(f.call(k_setdr, 2, k_noncanonical) == k_eperm);
    CHECK(f.call(k_setdr, 0, 0xffff'8000'0000'0000) == k_eperm);
    CHECK(f.vcpu.pv.debugreg[2] == 0);
    CHECK(f.vcpu.pv.debugreg[0] == 0x40'1000);
    CHECK(f.services.debugregs.size() == 3);
}

TEST_CASE("set_debugreg DR6 and DR7 reserved bits", "[pv_hypercalls]") {
    PvFixture f;
    SECTION("DR6") {
        CHECK(f.call(k_setdr, 6, 0) == 0);
        CHECK(f.vcpu.pv.debugreg[6] == 0xffff'0ff0);
        CHECK(f.call(k_setdr, 6, 0x1001) == 0); // bit 12 forced to 0
        CHECK(f.vcpu.pv.debugreg[6] == 0xffff'0ff1);
        CHECK(f.call(k_setdr, 6, 0x1'0000'0000ull) == k_einval);
        CHECK(f.vcpu.pv.debugreg[6] == 0xffff'0ff1);
        CHECK(f.call(k_setdr, 4, 0x4000) == 0); // DR4 is DR6 (CR4.DE clear)
        CHECK(f.vcpu.pv.debugreg[6] == 0xffff'4ff0);
    }
    SECTION("DR7") {
        CHECK(f.call(k_setdr, 7, 0x1) == 0);
        CHECK(f.vcpu.pv.debugreg[7] == 0x401);
        CHECK(f.call(k_setdr, 7, 0xd800 | 0x2) == 0); // reserved bits and RTM forced to 0
        CHECK(f.vcpu.pv.debugreg[7] == 0x402);
        CHECK(f.call(k_setdr, 5, 0x4) == 0); // DR5 is DR7
        CHECK(f.vcpu.pv.debugreg[7] == 0x404);
        // A write breakpoint of 8 bytes on DR1: RW1 = 01, LEN1 = 10.
        CHECK(f.call(k_setdr, 7, 0x4 | (0x9ull << 20)) == 0);
        CHECK(f.vcpu.pv.debugreg[7] == (0x404 | (0x9ull << 20)));

        const uint64_t before = f.vcpu.pv.debugreg[7];
        CHECK(f.call(k_setdr, 7, 0x2000) == k_eperm);               // GD
        CHECK(f.call(k_setdr, 7, 0x1 | (0x2ull << 16)) == k_eperm); // I/O breakpoint, no CR4.DE
        CHECK(f.call(k_setdr, 7, 0x1'0000'0001ull) == k_einval);
        CHECK(f.vcpu.pv.debugreg[7] == before);
        // An inactive DR7 may hold an I/O encoding: it is never armed.
        CHECK(f.call(k_setdr, 7, 0x2ull << 16) == 0);
    }
    SECTION("other registers: -ENODEV") {
        for (uint64_t reg : {8ull, 15ull, 0xffff'ffffull, 0x8000'0000ull})
            CHECK(f.call(k_setdr, reg, 0) == k_enodev);
        CHECK(f.services.debugregs.empty());
    }
}

TEST_CASE("get_debugreg", "[pv_hypercalls]") {
    PvFixture f;
    // A fresh vCPU reads the architectural reset values.
    CHECK(f.call(k_getdr, 6) == 0xffff'0ff0);
    CHECK(f.call(k_getdr, 7) == 0x400);
    CHECK(f.call(k_getdr, 0) == 0);
    REQUIRE(f.call(k_setdr, 1, 0x40'2000) == 0);
    REQUIRE(f.call(k_setdr, 7, 0x4) == 0);
    REQUIRE(f.call(k_setdr, 6, 0x1) == 0);
    CHECK(f.call(k_getdr, 1) == 0x40'2000);
    CHECK(f.call(k_getdr, 7) == 0x404);
    CHECK(f.call(k_getdr, 5) == 0x404);
    CHECK(f.call(k_getdr, 6) == 0xffff'0ff1);
    CHECK(f.call(k_getdr, 4) == 0xffff'0ff1);
    CHECK(f.call(k_getdr, 8) == k_enodev);
    CHECK(f.call(k_getdr, 0xffff'ffff) == k_enodev);
    // reg is an int: upper bits ignored.
    CHECK(f.call(k_getdr, 0x1'0000'0001ull) == 0x40'2000);
}
