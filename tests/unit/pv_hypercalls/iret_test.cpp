// iret: frame restoration, kernel/user mode switching, the syscall-style
// return, the virtual IF, IOPL, and the crash paths.
#include "include/public/multicall.hpp"
#include "tests/unit/pv_hypercalls/pv_errors.hpp"

#include "tests/unit/pv_hypercalls/pv_fixture.hpp"
#include <catch2/catch.hpp>

#include <cstring>

using namespace pv;
using namespace pv::test;
using abi::IretContext;

namespace {

constexpr uint64_t k_iret = abi::raw(abi::Hypercall::iret);
constexpr uint64_t k_if = 1ull << 9;
constexpr uint64_t k_iopl3 = 3ull << 12;
constexpr uint64_t k_vm = 1ull << 17;

struct IretFixture : PvFixture {
    explicit IretFixture(bool privileged = false) : PvFixture(privileged) {
        vcpu.regs.rsp = at(0x1000);
        vcpu.regs.rip = 0xdead; // the iret stub, whatever it is
        vcpu.regs.rax = abi::raw(abi::Hypercall::iret);
        vcpu.regs.rcx = 0x1111;
        vcpu.regs.r11 = 0x2222;
        vcpu.regs.rbx = 0x3333;
        vcpu.regs.cs = 0xe033;
        vcpu.regs.ss = 0xe02b;
        vcpu.regs.rflags = 0x202;
        vcpu.pv.kernel_cr3 = 0x10'0000;
        services.info.evtchn_upcall_mask = 1;
    }

    void frame(const IretContext& c) { mem.put(vcpu.regs.rsp, c); }
};

IretContext kernel_frame() {
    IretContext c{};
    c.rax = 0xaaaa;
    c.r11 = 0xbbbb;
    c.rcx = 0xcccc;
    c.flags = 0;
    c.rip = 0xffff'ffff'8100'1234;
    c.cs = 0xe030; // RPL 0: stays in guest kernel mode
    c.rflags = 0x246 | k_if;
    c.rsp = 0xffff'c900'0000'8000;
    c.ss = 0xe028;
    return c;
}

bool same_regs(const GuestRegisters& a, const GuestRegisters& b) {
    return std::memcmp(&a, &b, sizeof(a)) == 0;
}

} // namespace

TEST_CASE("iret to guest kernel mode restores the frame", "[pv_hypercalls]") {
    IretFixture f;
    f.frame(kernel_frame());
    const GuestRegisters before = f.vcpu.regs;

    CHECK(f.call(k_iret) == 0xaaaa);
    CHECK(f.ctx.regs_replaced);
    const GuestRegisters& r = f.vcpu.regs;
    CHECK(r.rip == 0xffff'ffff'8100'1234);
    CHECK(r.cs == 0xe033);
    CHECK(r.rflags == (0x246 | k_if));
    CHECK(r.rsp == 0xffff'c900'0000'8000);
    CHECK(r.ss == 0xe02b);
    CHECK(r.rax == 0xaaaa);
    CHECK(r.rcx == 0xcccc);
    CHECK(r.r11 == 0xbbbb);
    CHECK(r.rbx == before.rbx); // everything else untouched
    CHECK(r.rdi == before.rdi);
    CHECK(f.vcpu.pv.kernel_mode);
    CHECK(f.services.mode_changes.empty());
    CHECK(f.services.info.evtchn_upcall_mask == 0); // IF set: events enabled
    CHECK(f.services.crashes.empty());
}

TEST_CASE("iret sanitises RFLAGS and forces RPL 3", "[pv_hypercalls]") {
    IretFixture f;
    IretContext c = kernel_frame();
    c.rflags = 0x2 | k_iopl3 | k_vm; // IF clear, IOPL 3, VM
    c.cs = 0x10;
    c.ss = 0x18;
    f.frame(c);
    CHECK(f.call(k_iret) == 0xaaaa);
    CHECK(f.vcpu.regs.rflags == (0x2 | k_if)); // real IF always on
    CHECK(f.vcpu.regs.cs == 0x13);
    CHECK(f.vcpu.regs.ss == 0x1b);
    CHECK(f.services.info.evtchn_upcall_mask == 1); // virtual IF clear
    CHECK(f.vcpu.pv.iopl == 0);                     // no architectural_iopl assist
}

TEST_CASE("iret with VMASST architectural_iopl takes the IOPL", "[pv_hypercalls]") {
    IretFixture f;
    f.domain.vm_assist = 1u << abi::raw(abi::VmAssistType::architectural_iopl);
    IretContext c = kernel_frame();
    c.rflags |= 2ull << 12;
    f.frame(c);
    CHECK(f.call(k_iret) == 0xaaaa);
    CHECK(f.vcpu.pv.iopl == 2);
    CHECK((f.vcpu.regs.rflags & k_iopl3) == 0);
}

TEST_CASE("iret with VGCF_in_syscall leaves rcx and r11", "[pv_hypercalls]") {
    IretFixture f;
    IretContext c = kernel_frame();
    c.flags = abi::k_vgcf_in_syscall;
    f.frame(c);
    CHECK(f.call(k_iret) == 0xaaaa);
    CHECK(f.vcpu.regs.rcx == 0x1111);
    CHECK(f.vcpu.regs.r11 == 0x2222);
    CHECK(f.vcpu.regs.rip == c.rip);
}

TEST_CASE("iret to guest user mode switches mode", "[pv_hypercalls]") {
    IretFixture f;
    f.vcpu.pv.user_cr3 = 0x20'0000;
    IretContext c = kernel_frame();
    c.cs = 0xe033;
    c.ss = 0xe02b;
    c.rip = 0x40'1000;
    c.rsp = 0x7fff'ffff'e000;
    f.frame(c);
    CHECK(f.call(k_iret) == 0xaaaa);
    CHECK_FALSE(f.vcpu.pv.kernel_mode);
    CHECK(f.services.mode_changes == std::vector<bool>{false});
    CHECK(f.vcpu.regs.rip == 0x40'1000);
    CHECK(f.vcpu.regs.cs == 0xe033);
    CHECK(f.vcpu.regs.rsp == 0x7fff'ffff'e000);
}

TEST_CASE("iret to user mode without user page tables crashes the domain", "[pv_hypercalls]") {
    IretFixture f;
    IretContext c = kernel_frame();
    c.cs = 0xe033;
    f.frame(c);
    const GuestRegisters before = f.vcpu.regs;
    CHECK(f.call(k_iret) == 0);
    CHECK(f.services.crashes.size() == 1);
    CHECK(f.vcpu.pv.kernel_mode);
    CHECK(f.services.mode_changes.empty());
    CHECK(same_regs(f.vcpu.regs, before));
    CHECK(f.services.info.evtchn_upcall_mask == 1);
    CHECK_FALSE(f.ctx.regs_replaced);
}

TEST_CASE("iret with an unreadable frame crashes the domain", "[pv_hypercalls]") {
    for (uint64_t rsp : {k_hv_address, k_noncanonical, uint64_t{0x1000}, k_guest_base - 8,
                         k_guest_base + k_guest_pages * 4096 - 16}) {
        CAPTURE(rsp);
        IretFixture f;
        f.vcpu.regs.rsp = rsp;
        const GuestRegisters before = f.vcpu.regs;
        CHECK(f.call(k_iret) == 0);
        CHECK(f.services.crashes.size() == 1);
        CHECK(same_regs(f.vcpu.regs, before));
        CHECK_FALSE(f.ctx.regs_replaced);
    }
}

TEST_CASE("iret works on ctx.regs when the arch provides a frame", "[pv_hypercalls]") {
    IretFixture f;
    GuestRegisters live = f.vcpu.regs;
    live.rsp = f.at(0x2000);
    f.ctx.regs = &live;
    f.mem.put(live.rsp, kernel_frame());
    const GuestRegisters saved = f.vcpu.regs;
    CHECK(f.call(k_iret) == 0xaaaa);
    CHECK(live.rip == kernel_frame().rip);
    CHECK(same_regs(f.vcpu.regs, saved));
}

TEST_CASE("iret returns the saved rax even when it looks like an error", "[pv_hypercalls]") {
    IretFixture f;
    IretContext c = kernel_frame();
    c.rax = static_cast<uint64_t>(k_erestart);
    f.frame(c);
    // dispatch hands back the value; regs_replaced tells the arch not to
    // treat it as a restart.
    CHECK(f.call(k_iret) == k_erestart);
    CHECK(f.ctx.regs_replaced);
    CHECK(f.vcpu.regs.rax == static_cast<uint64_t>(k_erestart));
}

TEST_CASE("iret without a mapped vcpu_info still restores the frame", "[pv_hypercalls]") {
    IretFixture f;
    f.services.has_vcpu_info = false;
    f.frame(kernel_frame());
    CHECK(f.call(k_iret) == 0xaaaa);
    CHECK(f.vcpu.regs.rip == kernel_frame().rip);
}

TEST_CASE("iret inside a multicall ends the batch", "[pv_hypercalls]") {
    IretFixture f;
    f.frame(kernel_frame());
    abi::MulticallEntry calls[2] = {};
    calls[0].op = k_iret;
    calls[1].op = abi::raw(abi::Hypercall::sched_op); // yield: must not run
    f.mem.put(f.at(0x3000), calls);
    CHECK(f.call(abi::raw(abi::Hypercall::multicall), f.at(0x3000), 2) == 0xaaaa);
    CHECK(f.ctx.regs_replaced);
    CHECK(f.services.yields == 0);
    CHECK(f.vcpu.regs.rip == kernel_frame().rip);
}
