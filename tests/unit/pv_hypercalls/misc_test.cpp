// vm_assist, physdev_op set_iopl, the descriptor check, set_gdt,
// update_descriptor, and the table itself.
#include "include/public/physdev.hpp"
#include "tests/unit/pv_hypercalls/pv_errors.hpp"

#include "tests/unit/pv_hypercalls/pv_fixture.hpp"
#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;
using abi::Hypercall;
using abi::VmAssistType;

namespace {

constexpr uint64_t k_vmasst = abi::raw(Hypercall::vm_assist);
constexpr uint64_t k_physdev = abi::raw(Hypercall::physdev_op);
constexpr uint64_t k_set_gdt = abi::raw(Hypercall::set_gdt);
constexpr uint64_t k_update_desc = abi::raw(Hypercall::update_descriptor);
constexpr uint64_t k_enable = abi::raw(abi::VmAssistCmd::enable);
constexpr uint64_t k_disable = abi::raw(abi::VmAssistCmd::disable);

// Descriptors from their parts (SDM Vol. 3 §3.4.5).
constexpr uint64_t code64(unsigned dpl) { // base 0, limit 0xfffff, G, L, P, S, type 0xb
    return 0x00af'9b00'0000'ffffull | (uint64_t{dpl} << 45);
}
constexpr uint64_t data(unsigned dpl) { // type 0x3, D/B, G
    return 0x00cf'9300'0000'ffffull | (uint64_t{dpl} << 45);
}
// The low 8 bytes of a 64-bit call gate to sel:offset (offset < 4 GiB).
constexpr uint64_t call_gate(uint16_t sel, uint32_t offset, unsigned dpl, uint8_t reserved = 0) {
    return (uint64_t{offset & 0xffff0000u} << 32) | (uint64_t{1} << 47) | (uint64_t{dpl} << 45) |
           (uint64_t{0xc} << 40) | (uint64_t{reserved} << 32) | (uint64_t{sel} << 16) |
           (offset & 0xffffu);
}
constexpr uint64_t system_desc(unsigned type) { // present, DPL 0
    return (uint64_t{1} << 47) | (uint64_t{type} << 40) | 0xffff;
}

bool check(uint64_t& d) {
    return check_guest_descriptor(d);
}

} // namespace

TEST_CASE("check_guest_descriptor: code and data get DPL 3", "[pv_hypercalls]") {
    for (unsigned dpl = 0; dpl < 4; ++dpl) {
        uint64_t c = code64(dpl), d = data(dpl);
        CHECK(check(c));
        CHECK(c == code64(3));
        CHECK(check(d));
        CHECK(d == data(3));
    }
    // No base or limit checks on x86-64: a segment over the hypervisor is fine
    // (segmentation is off in 64-bit mode).
    uint64_t big = 0xff0f'9300'0000'ffffull;
    CHECK(check(big));
    CHECK(big == (0xff0f'9300'0000'ffffull | (3ull << 45)));
}

TEST_CASE("check_guest_descriptor: not present is always safe", "[pv_hypercalls]") {
    for (uint64_t d : {0ull, 0x0000'0c00'0000'0000ull, system_desc(0x9) & ~(1ull << 47),
                       0xffff'7fff'ffff'ffffull}) {
        uint64_t copy = d;
        CHECK(check(copy));
        CHECK(copy == d);
    }
}

TEST_CASE("check_guest_descriptor: system descriptors", "[pv_hypercalls]") {
    SECTION("type 0 (upper half of a call gate) passes unchanged") {
        uint64_t d = system_desc(0);
        CHECK(check(d));
        CHECK(d == system_desc(0));
    }
    SECTION("LDT, TSS, interrupt and trap gates, and reserved types are refused") {
        for (unsigned type :
             {0x1u, 0x2u, 0x3u, 0x4u, 0x5u, 0x6u, 0x7u, 0x8u, 0x9u, 0xau, 0xbu, 0xdu, 0xeu, 0xfu}) {
            CAPTURE(type);
            uint64_t d = system_desc(type);
            CHECK_FALSE(check(d));
            CHECK(d == system_desc(type));
        }
    }
    SECTION("call gates to guest segments: DPL 0, the DPL in the RPL") {
        const uint16_t targets[] = {0x10, 0x0008 | 3, abi::k_flat_kernel_cs, 0xe034 /* LDT */,
                                    (7167 << 3)};
        for (uint16_t sel : targets) {
            CAPTURE(sel);
            for (unsigned dpl = 0; dpl < 4; ++dpl) {
                uint64_t d = call_gate(sel, 0x8100'1234, dpl);
                CHECK(check(d));
                CHECK(d == call_gate(static_cast<uint16_t>((sel & ~3) | 3), 0x8100'1234, 0));
            }
        }
    }
    SECTION("call gates to hypervisor segments are refused") {
        for (uint16_t sel : {uint16_t{7168 << 3}, uint16_t{0xe008}, uint16_t{0xe030},
                             uint16_t{0xe02b}, uint16_t{0xfff8}}) {
            CAPTURE(sel);
            uint64_t d = call_gate(sel, 0x1000, 3);
            CHECK_FALSE(check(d));
            CHECK(d == call_gate(sel, 0x1000, 3));
        }
    }
    SECTION("call gates with reserved bits set are refused") {
        for (uint8_t r : {uint8_t{1}, uint8_t{0x20}, uint8_t{0x80}}) {
            uint64_t d = call_gate(0x10, 0x1000, 3, r);
            CHECK_FALSE(check(d));
        }
    }
}

TEST_CASE("vm_assist enables and disables the PV64 assists", "[pv_hypercalls]") {
    PvFixture f;
    for (VmAssistType t : {VmAssistType::writable_pagetables, VmAssistType::pae_extended_cr3,
                           VmAssistType::architectural_iopl, VmAssistType::runstate_update_flag,
                           VmAssistType::four_gb_segments, VmAssistType::four_gb_segments_notify}) {
        CAPTURE(abi::raw(t));
        CHECK(f.call(k_vmasst, k_enable, abi::raw(t)) == 0);
        CHECK((f.domain.vm_assist >> abi::raw(t)) & 1);
        CHECK(f.call(k_vmasst, k_disable, abi::raw(t)) == 0);
        CHECK(((f.domain.vm_assist >> abi::raw(t)) & 1) == 0);
    }
    CHECK(f.call(k_vmasst, k_enable, abi::raw(VmAssistType::m2p_strict)) == 0);
    if constexpr (sizeof(f.domain.vm_assist) == 8) CHECK(((f.domain.vm_assist >> 32) & 1) == 1);
}

TEST_CASE("vm_assist refuses other types and commands", "[pv_hypercalls]") {
    PvFixture f;
    f.domain.vm_assist = 0x4;
    for (uint64_t type : {6ull, 7ull, 31ull, 33ull, 63ull, 64ull, 0xffff'ffffull})
        CHECK(f.call(k_vmasst, k_enable, type) == k_einval);
    CHECK(f.call(k_vmasst, 2, 2) == k_enosys); // valid type, unknown cmd
    CHECK(f.call(k_vmasst, 2, 6) == k_einval); // the type is checked first
    CHECK(f.domain.vm_assist == 0x4);
    // Both are unsigned ints: upper halves ignored.
    CHECK(f.call(k_vmasst, 0x1'0000'0001ull, 0x1'0000'0002ull) == 0);
    CHECK(f.domain.vm_assist == 0);
}

TEST_CASE("physdev_op set_iopl", "[pv_hypercalls]") {
    PvFixture f;
    const uint64_t set_iopl = abi::raw(abi::PhysdevOp::set_iopl);
    for (uint32_t iopl = 0; iopl <= 3; ++iopl) {
        f.mem.put(f.at(0), abi::PhysdevSetIopl{iopl});
        CHECK(f.call(k_physdev, set_iopl, f.at(0)) == 0);
        CHECK(f.vcpu.pv.iopl == iopl);
    }
    for (uint32_t iopl : {4u, 0x8000'0000u, 0xffff'ffffu}) {
        f.mem.put(f.at(0), abi::PhysdevSetIopl{iopl});
        CHECK(f.call(k_physdev, set_iopl, f.at(0)) == k_einval);
    }
    CHECK(f.call(k_physdev, set_iopl, k_hv_address) == k_efault);
    CHECK(f.call(k_physdev, set_iopl, 0) == k_efault);
    CHECK(f.vcpu.pv.iopl == 3);
    for (uint64_t cmd : {4ull, 5ull, 12ull, 28ull, 99ull, 0xffff'ffffull})
        CHECK(f.call(k_physdev, cmd, f.at(0)) == k_enosys);
}

TEST_CASE("set_gdt checks its arguments and hands the frames on", "[pv_hypercalls]") {
    PvFixture f;
    for (uint64_t i = 0; i < 14; ++i)
        f.mem.put<uint64_t>(f.at(8 * i), 0x1000 + i);

    CHECK(f.call(k_set_gdt, f.at(0), 513) == 0);
    CHECK(f.services.gdt_frames == std::vector<uint64_t>{0x1000, 0x1001});
    CHECK(f.services.gdt_entries == 513);

    CHECK(f.call(k_set_gdt, f.at(0), 7168) == 0);
    CHECK(f.services.gdt_frames.size() == 14);

    CHECK(f.call(k_set_gdt, 0, 0) == 0); // no GDT: no frames read
    CHECK(f.services.gdt_frames.empty());

    f.services.gdt_entries = 42;
    CHECK(f.call(k_set_gdt, f.at(0), 7169) == k_einval);
    CHECK(f.call(k_set_gdt, f.at(0), 0xffff'ffff) == k_einval);
    CHECK(f.call(k_set_gdt, k_hv_address, 1) == k_efault);
    CHECK(f.call(k_set_gdt, f.mem.end() - 8, 513) == k_efault);
    CHECK(f.services.gdt_entries == 42);

    f.services.mmu = false; // no PV MMU yet
    CHECK(f.call(k_set_gdt, f.at(0), 1) == k_enosys);
}

TEST_CASE("update_descriptor checks alignment and the descriptor", "[pv_hypercalls]") {
    PvFixture f;
    CHECK(f.call(k_update_desc, 0x12'3458, code64(0)) == 0);
    REQUIRE(f.services.descriptor_updates.size() == 1);
    CHECK(f.services.descriptor_updates[0].first == 0x12'3458);
    CHECK(f.services.descriptor_updates[0].second == code64(3)); // fixed up

    CHECK(f.call(k_update_desc, 0x12'3454, code64(3)) == k_einval);
    CHECK(f.call(k_update_desc, 0x12'3459, code64(3)) == k_einval);
    CHECK(f.call(k_update_desc, 0x12'3458, system_desc(0xe)) == k_einval);
    CHECK(f.call(k_update_desc, 0x12'3458, call_gate(0xe008, 0, 3)) == k_einval);
    CHECK(f.services.descriptor_updates.size() == 1);

    f.services.mmu = false;
    CHECK(f.call(k_update_desc, 0x12'3458, code64(3)) == k_enosys);
}

TEST_CASE("the PV hypercall table", "[pv_hypercalls]") {
    const HypercallTable& t = pv_hypercall_table();
    CHECK(t.valid());
    struct Expect {
        Hypercall h;
        const char* name;
    };
    for (Expect e : {Expect{Hypercall::set_trap_table, "set_trap_table"},
                     {Hypercall::set_gdt, "set_gdt"},
                     {Hypercall::stack_switch, "stack_switch"},
                     {Hypercall::set_callbacks, "set_callbacks"},
                     {Hypercall::fpu_taskswitch, "fpu_taskswitch"},
                     {Hypercall::set_debugreg, "set_debugreg"},
                     {Hypercall::get_debugreg, "get_debugreg"},
                     {Hypercall::update_descriptor, "update_descriptor"},
                     {Hypercall::multicall, "multicall"},
                     {Hypercall::xen_version, "xen_version"},
                     {Hypercall::console_io, "console_io"},
                     {Hypercall::vm_assist, "vm_assist"},
                     {Hypercall::iret, "iret"},
                     {Hypercall::set_segment_base, "set_segment_base"},
                     {Hypercall::sched_op, "sched_op"},
                     {Hypercall::callback_op, "callback_op"},
                     {Hypercall::physdev_op, "physdev_op"}}) {
        REQUIRE(t.name(abi::raw(e.h)) != nullptr);
        CHECK(std::string(t.name(abi::raw(e.h))) == e.name);
    }

    PvFixture f(true);
    for (uint64_t n : {1ull,    6ull,
                       7ull,    11ull,
                       12ull,   14ull,
                       15ull,   16ull,
                       19ull,   20ull,
                       22ull,   24ull,
                       26ull,   28ull,
                       32ull,   48ull,
                       63ull,   64ull,
                       1000ull, 0x1'0000'0000ull + 29,
                       ~0ull}) {
        CAPTURE(n);
        CHECK(f.call(n, 0, 0, 0) == k_enosys);
    }
}

TEST_CASE("handlers without a caller answer -ENOSYS", "[pv_hypercalls]") {
    PvFixture f;
    f.ctx.services = nullptr;
    for (Hypercall h : {Hypercall::console_io, Hypercall::xen_version, Hypercall::sched_op,
                        Hypercall::set_trap_table, Hypercall::iret, Hypercall::physdev_op})
        CHECK(f.call(abi::raw(h), 0, 0, 0) == k_enosys);
}
