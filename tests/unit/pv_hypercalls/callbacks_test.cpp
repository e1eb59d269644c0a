// set_trap_table, callback_op and set_callbacks.
#include "include/public/callback.hpp"
#include "tests/unit/pv_hypercalls/pv_errors.hpp"

#include "tests/unit/pv_hypercalls/pv_fixture.hpp"
#include <catch2/catch.hpp>

#include <vector>

using namespace pv;
using namespace pv::test;
using abi::CallbackType;
using abi::TrapInfo;

namespace {

constexpr uint64_t k_stt = abi::raw(abi::Hypercall::set_trap_table);
constexpr uint64_t k_cbop = abi::raw(abi::Hypercall::callback_op);
constexpr uint64_t k_setcb = abi::raw(abi::Hypercall::set_callbacks);
constexpr uint64_t k_register = abi::raw(abi::CallbackOp::register_callback);
constexpr uint64_t k_unregister = abi::raw(abi::CallbackOp::unregister_callback);

constexpr uint64_t k_kernel_text = 0xffff'ffff'8100'0000;

TrapInfo trap(uint8_t vector, uint8_t flags, uint16_t cs, uint64_t address) {
    TrapInfo t{};
    t.vector = vector;
    t.flags = flags;
    t.cs = cs;
    t.address = address;
    return t;
}

void put_traps(PvFixture& f, uint64_t va, const std::vector<TrapInfo>& list) {
    for (size_t i = 0; i < list.size(); ++i)
        f.mem.put(va + i * sizeof(TrapInfo), list[i]);
}

bool same(const TrapInfo& a, const TrapInfo& b) {
    return a.vector == b.vector && a.flags == b.flags && a.cs == b.cs && a.address == b.address;
}

abi::CallbackRegister reg(CallbackType type, uint64_t address, uint16_t flags = 0) {
    abi::CallbackRegister r{};
    r.type = abi::raw(type);
    r.flags = flags;
    r.address = address;
    return r;
}

long register_cb(PvFixture& f, abi::CallbackRegister r) {
    f.mem.put(f.at(0x800), r);
    return f.call(k_cbop, k_register, f.at(0x800));
}

long unregister_cb(PvFixture& f, uint16_t type) {
    f.mem.put(f.at(0x800), abi::CallbackUnregister{type, 0});
    return f.call(k_cbop, k_unregister, f.at(0x800));
}

} // namespace

TEST_CASE("set_trap_table installs entries up to the terminator", "[pv_hypercalls]") {
    PvFixture f;
    put_traps(f, f.at(0),
              {trap(14, 0, 0xe033, k_kernel_text + 0x140),
               trap(0x80, 3 | abi::k_trap_info_mask_events, 0xe030, k_kernel_text + 0x800),
               trap(6, 0, 0x10, 0x1000), trap(0, 0, 0, 0),
               trap(7, 0, 0xe033, k_kernel_text)}); // after the end
    CHECK(f.call(k_stt, f.at(0)) == 0);
    CHECK(same(f.vcpu.pv.traps[14], trap(14, 0, 0xe033, k_kernel_text + 0x140)));
    // RPL forced to 3 (a 64-bit PV kernel runs in ring 3).
    CHECK(same(f.vcpu.pv.traps[0x80],
               trap(0x80, 3 | abi::k_trap_info_mask_events, 0xe033, k_kernel_text + 0x800)));
    CHECK(same(f.vcpu.pv.traps[6], trap(6, 0, 0x13, 0x1000)));
    CHECK(f.vcpu.pv.traps[7].address == 0);
    CHECK(f.vcpu.pv.traps[0].address == 0);
}

TEST_CASE("set_trap_table with a null list clears the virtual IDT", "[pv_hypercalls]") {
    PvFixture f;
    put_traps(f, f.at(0),
              {trap(2, 0, 0xe033, k_kernel_text), trap(255, 0, 0xe033, k_kernel_text + 8),
               trap(0, 0, 0, 0)});
    REQUIRE(f.call(k_stt, f.at(0)) == 0);
    CHECK(f.vcpu.pv.nmi.address == k_kernel_text);
    CHECK(f.call(k_stt, 0) == 0);
    for (const TrapInfo& t : f.vcpu.pv.traps)
        CHECK(t.address == 0);
    CHECK(f.vcpu.pv.nmi.address == 0);
}

TEST_CASE("set_trap_table refuses hostile lists", "[pv_hypercalls]") {
    PvFixture f;
    SECTION("a non-canonical handler: -EINVAL; earlier entries stay, as in Xen") {
        put_traps(f, f.at(0),
                  {trap(3, 3, 0xe033, k_kernel_text + 0x30), trap(4, 0, 0xe033, k_noncanonical),
                   trap(0, 0, 0, 0)});
        CHECK(f.call(k_stt, f.at(0)) == k_einval);
        CHECK(f.vcpu.pv.traps[3].address == k_kernel_text + 0x30);
        CHECK(f.vcpu.pv.traps[4].address == 0);
    }
    SECTION("unreadable lists: -EFAULT") {
        CHECK(f.call(k_stt, k_hv_address) == k_efault);
        CHECK(f.call(k_stt, k_noncanonical) == k_efault);
        CHECK(f.call(k_stt, 0x1000) == k_efault);
        CHECK(f.call(k_stt, f.mem.end() - 8) == k_efault); // straddles the end
    }
    SECTION("a list without terminator runs into unmapped memory") {
        std::vector<TrapInfo> list;
        for (unsigned i = 0; i < k_guest_pages * 256; ++i)
            list.push_back(trap(static_cast<uint8_t>(i), 0, 0xe033, k_kernel_text + i));
        put_traps(f, f.at(0), list);
        CHECK(f.call_to_completion(k_stt, f.at(0)) == k_efault);
        // One entry per 256 trap entries, then one that faults.
        CHECK(f.entries == static_cast<int>(k_guest_pages) + 1);
    }
}

TEST_CASE("set_trap_table resumes through continuations", "[pv_hypercalls]") {
    PvFixture f;
    put_traps(f, f.at(0),
              {trap(1, 0, 0xe033, k_kernel_text + 1), trap(2, 0, 0xe033, k_kernel_text + 2),
               trap(3, 0, 0xe033, k_kernel_text + 3), trap(0, 0, 0, 0)});
    SECTION("preempted after every entry") {
        f.always_preempt();
        CHECK(f.call(k_stt, f.at(0)) == k_hypercall_restart);
        CHECK(f.last == HypercallArgs(k_stt, f.at(sizeof(TrapInfo))));
        CHECK(f.vcpu.pv.traps[1].address == k_kernel_text + 1);
        CHECK(f.vcpu.pv.traps[2].address == 0);
        CHECK(f.call_to_completion(k_stt, f.at(0)) == 0);
        CHECK(f.entries == 4);
        CHECK(f.vcpu.pv.traps[3].address == k_kernel_text + 3);
    }
    SECTION("long lists give the CPU back every 256 entries anyway") {
        std::vector<TrapInfo> list;
        for (unsigned i = 0; i < 600; ++i)
            list.push_back(trap(static_cast<uint8_t>(i), 0, 0xe033, k_kernel_text + i));
        list.push_back(trap(0, 0, 0, 0));
        put_traps(f, f.at(0), list);
        CHECK(f.call(k_stt, f.at(0)) == k_hypercall_restart);
        CHECK(f.last.raw(0) == f.at(256 * sizeof(TrapInfo)));
        CHECK(f.call_to_completion(k_stt, f.at(0)) == 0);
        CHECK(f.entries == 3);
        CHECK(f.vcpu.pv.traps[599 % 256].address == k_kernel_text + 599);
    }
}

TEST_CASE("callback_op register", "[pv_hypercalls]") {
    PvFixture f;
    PvVcpuState& pv = f.vcpu.pv;
    const uint16_t mask = abi::k_callbackf_mask_events;

    CHECK(register_cb(f, reg(CallbackType::event, k_kernel_text + 0x10)) == 0);
    CHECK(pv.event.address == k_kernel_text + 0x10);
    CHECK(pv.event.mask_events); // upcalls always mask

    CHECK(register_cb(f, reg(CallbackType::failsafe, k_kernel_text + 0x20, mask)) == 0);
    CHECK(pv.failsafe.address == k_kernel_text + 0x20);
    CHECK(pv.failsafe.mask_events);
    CHECK(register_cb(f, reg(CallbackType::failsafe, k_kernel_text + 0x28)) == 0);
    CHECK_FALSE(pv.failsafe.mask_events);

    CHECK(register_cb(f, reg(CallbackType::syscall, k_kernel_text + 0x30, mask)) == 0);
    CHECK(pv.syscall.address == k_kernel_text + 0x30);
    CHECK(pv.syscall.mask_events);

    CHECK(register_cb(f, reg(CallbackType::syscall32, k_kernel_text + 0x40)) == 0);
    CHECK(pv.syscall32.address == k_kernel_text + 0x40);
    CHECK(register_cb(f, reg(CallbackType::sysenter, k_kernel_text + 0x50, mask)) == 0);
    CHECK(pv.sysenter.address == k_kernel_text + 0x50);
    CHECK(pv.sysenter.mask_events);

    // NMI: vector 2 of the virtual IDT, flat kernel CS, events masked.
    CHECK(register_cb(f, reg(CallbackType::nmi, k_kernel_text + 0x60)) == 0);
    CHECK(same(pv.traps[2], trap(2, abi::k_trap_info_mask_events, 0xe033, k_kernel_text + 0x60)));
    CHECK(pv.nmi.address == k_kernel_text + 0x60);
    CHECK(pv.nmi.mask_events);

    // User-half and low addresses are fine: only canonicality is checked.
    CHECK(register_cb(f, reg(CallbackType::event, 0x1000)) == 0);
    CHECK(pv.event.address == 0x1000);
}

TEST_CASE("callback_op register refuses hostile requests", "[pv_hypercalls]") {
    PvFixture f;
    PvVcpuState& pv = f.vcpu.pv;
    REQUIRE(register_cb(f, reg(CallbackType::syscall, k_kernel_text)) == 0);

    CHECK(register_cb(f, reg(CallbackType::syscall, k_noncanonical)) == k_einval);
    CHECK(register_cb(f, reg(CallbackType::nmi, 0x0001'0000'0000'0000)) == k_einval);
    CHECK(pv.syscall.address == k_kernel_text);
    CHECK(pv.traps[2].address == 0);

    for (uint16_t type : {uint16_t{3}, uint16_t{6}, uint16_t{8}, uint16_t{0xffff}})
        CHECK(register_cb(f, abi::CallbackRegister{type, 0, 0, k_kernel_text}) == k_enosys);
    // The address is checked before the type.
    CHECK(register_cb(f, abi::CallbackRegister{3, 0, 0, k_noncanonical}) == k_einval);

    CHECK(f.call(k_cbop, k_register, k_hv_address) == k_efault);
    CHECK(f.call(k_cbop, k_register, 0) == k_efault);
    CHECK(f.call(k_cbop, k_register, f.mem.end() - 8) == k_efault);
    CHECK(pv.syscall.address == k_kernel_text);
}

TEST_CASE("callback_op unregister: only the NMI callback", "[pv_hypercalls]") {
    PvFixture f;
    REQUIRE(register_cb(f, reg(CallbackType::event, k_kernel_text)) == 0);
    REQUIRE(register_cb(f, reg(CallbackType::nmi, k_kernel_text + 8)) == 0);
    for (CallbackType t : {CallbackType::event, CallbackType::failsafe, CallbackType::syscall,
                           CallbackType::syscall32, CallbackType::sysenter})
        CHECK(unregister_cb(f, abi::raw(t)) == k_einval);
    CHECK(f.vcpu.pv.event.address == k_kernel_text);
    CHECK(unregister_cb(f, 3) == k_enosys);
    CHECK(unregister_cb(f, 99) == k_enosys);
    CHECK(f.vcpu.pv.nmi.address == k_kernel_text + 8);
    CHECK(unregister_cb(f, abi::raw(CallbackType::nmi)) == 0);
    CHECK(f.vcpu.pv.traps[2].address == 0);
    CHECK(f.vcpu.pv.traps[2].cs == 0);
    CHECK(f.vcpu.pv.nmi.address == 0);
    CHECK(f.call(k_cbop, k_unregister, k_hv_address) == k_efault);
}

TEST_CASE("callback_op unknown commands", "[pv_hypercalls]") {
    PvFixture f;
    f.mem.put(f.at(0x800), reg(CallbackType::event, k_kernel_text));
    for (uint64_t cmd : {2ull, 0xffff'ffffull, 0x8000'0000ull})
        CHECK(f.call(k_cbop, cmd, f.at(0x800)) == k_enosys);
    CHECK(f.vcpu.pv.event.address == 0);
}

TEST_CASE("set_callbacks registers event, failsafe and syscall", "[pv_hypercalls]") {
    PvFixture f;
    PvVcpuState& pv = f.vcpu.pv;
    REQUIRE(register_cb(f, reg(CallbackType::failsafe, 0x10, abi::k_callbackf_mask_events)) == 0);
    CHECK(f.call(k_setcb, k_kernel_text + 1, k_kernel_text + 2, k_kernel_text + 3) == 0);
    CHECK(pv.event.address == k_kernel_text + 1);
    CHECK(pv.failsafe.address == k_kernel_text + 2);
    CHECK_FALSE(pv.failsafe.mask_events); // flags 0
    CHECK(pv.syscall.address == k_kernel_text + 3);

    // A bad address leaves that one alone; the call still returns 0.
    CHECK(f.call(k_setcb, k_noncanonical, k_kernel_text + 5, k_noncanonical) == 0);
    CHECK(pv.event.address == k_kernel_text + 1);
    CHECK(pv.failsafe.address == k_kernel_text + 5);
    CHECK(pv.syscall.address == k_kernel_text + 3);
}
