// mmu_update, mmuext_op, update_va_mapping, memory_op and the writable
// page-table emulation, through the PV hypercall table.
#include "core/pv_mm/hypercalls.hpp"
#include "core/pv_mm/pv_mmu.hpp"
#include "include/public/errno.hpp"

namespace {
constexpr long err(pv::Errno e) {
    return -static_cast<long>(e);
}
constexpr long k_einval = err(pv::Errno::einval);
constexpr long k_ebusy = err(pv::Errno::ebusy);
constexpr long k_eperm = err(pv::Errno::eperm);
constexpr long k_esrch = err(pv::Errno::esrch);
constexpr long k_enosys = err(pv::Errno::enosys);
constexpr long k_efault = err(pv::Errno::efault);
constexpr long k_eacces = err(pv::Errno::eacces);
constexpr long k_eopnotsupp = err(pv::Errno::eopnotsupp);
constexpr pv::Errno k_einval_status = pv::Errno::einval;
} // namespace

#include "tests/unit/pv_mm/mmu_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;
using Cmd = abi::MmuextCmd;
using abi::Hypercall;

namespace {

// DomU 1 running on L4 8 -> L3 9 -> L2 10 -> L1 11 (va 0 maps frame 12 RW).
void boot(MmuFixture& f) {
    f.tree(8, 9, 10, 11, 12);
    REQUIRE(f.mmu.adopt_boot_page_tables(f.vcpu1, 8));
    REQUIRE(f.vcpu1.pv.kernel_cr3 == 8u << 12);
    f.hooks.log.clear();
}

} // namespace

TEST_CASE("mmu_update: a read-only self-map (linear page table) is allowed and undone", "[pv_mm]") {
    // Xen's pv-linear-pt: an entry pointing back at its own table, read-only,
    // lets the guest read its page tables; it takes a general reference only.
    MmuFixture f;
    boot(f);
    const auto before = f.snapshot();
    REQUIRE(f.update(MmuFixture::ptr(8, 1), entry(8, pte::present)) == 0);
    CHECK(f.snapshot() != before);
    REQUIRE(f.update(MmuFixture::ptr(8, 1), 0) == 0);
    CHECK(f.snapshot() == before);
    REQUIRE(f.update(MmuFixture::ptr(10, 1), entry(10, pte::present)) == 0);
    REQUIRE(f.update(MmuFixture::ptr(10, 1), 0) == 0);
    CHECK(f.snapshot() == before);
}

TEST_CASE("mmu_update: hostile requests get Xen's errors and change nothing", "[pv_mm]") {
    MmuFixture f;
    boot(f);
    const auto before = f.snapshot();
    struct Case {
        uint64_t ptr, val;
        long rc;
    };
    const Case cases[] = {
        {MmuFixture::ptr(11, 1, 4), entry(13), k_enosys},                     // unknown command bits
        {MmuFixture::ptr(11, 1, 7), entry(13), k_enosys},
        {MmuFixture::ptr(33, 0), entry(13), k_einval},                        // DomU 2's frame
        {MmuFixture::ptr(2, 0), entry(13), k_einval},                         // the hypervisor's
        {MmuFixture::ptr(11, 1), entry(10, pte::present | pte::rw), k_ebusy}, // RW map of a table
        {MmuFixture::ptr(11, 1), entry(8, pte::present | pte::rw), k_ebusy},
        {MmuFixture::ptr(11, 1), entry(33, pte::present), k_ebusy},           // foreign frame
        {MmuFixture::ptr(11, 1), entry(5, pte::present), k_eperm},            // not RAM
        {MmuFixture::ptr(11, 1), entry(13, pte::present | pte::pcd), k_einval},
        {MmuFixture::ptr(8, 256), 0, k_einval},                                // hypervisor slots
        {MmuFixture::ptr(8, 271), entry(9, k_table_flags), k_einval},
        {MmuFixture::ptr(10, 1), entry(13, k_table_flags | pte::pse), k_einval}, // superpage
        {MmuFixture::ptr(10, 1), entry(10, pte::present | pte::rw), k_einval}, // writable self-map
        {MmuFixture::ptr(8, 1), entry(8, pte::present | pte::rw), k_einval},
        {MmuFixture::ptr(9, 1), entry(11, k_table_flags), k_einval},           // L1 as an L2
        {MmuFixture::ptr(9, 1), entry(40, k_table_flags), k_einval},           // foreign table
    };
    for (const Case& c : cases) {
        INFO("ptr " << std::hex << c.ptr << " val " << c.val);
        CHECK(f.update(c.ptr, c.val) == c.rc);
        CHECK(f.snapshot() == before);
    }
    CHECK(f.at(8, 256) == f.hv_l4[256]);
}

TEST_CASE("mmu_update: normal and A/D-preserving updates move references", "[pv_mm]") {
    MmuFixture f;
    boot(f);
    REQUIRE(f.update(MmuFixture::ptr(11, 1), entry(13, pte::present | pte::rw)) == 0);
    CHECK(f.info(13).type == FrameType::writable);
    CHECK(f.at(11, 1) == entry(13, pte::present | pte::rw | pte::user | pte::guest_kernel));
    // Replace it by a read-only mapping of the L1 itself.
    f.at(11, 1) |= pte::accessed | pte::dirty; // as the hardware would
    REQUIRE(f.update(MmuFixture::ptr(11, 1, 2), entry(11, pte::present)) == 0);
    CHECK((f.at(11, 1) & (pte::accessed | pte::dirty)) == (pte::accessed | pte::dirty));
    CHECK(f.info(13).type_count == 0);
    CHECK(f.info(13).ref_count == 0);
    CHECK(f.info(11).ref_count == 2);
    // A new L1 under the L2, then unhook the old one (it devalidates).
    REQUIRE(f.update(MmuFixture::ptr(10, 0), entry(14, k_table_flags)) == 0);
    CHECK(f.info(14).type == FrameType::l1);
    CHECK(f.info(11).type_count == 0);
    CHECK(f.info(12).ref_count == 0);
}

TEST_CASE("mmu_update: a plain frame is written as such, M2P updates", "[pv_mm]") {
    MmuFixture f;
    boot(f);
    REQUIRE(f.update(MmuFixture::ptr(20, 3), 0x1234) == 0);
    CHECK(f.at(20, 3) == 0x1234);
    CHECK(f.info(20).type_count == 0);
    REQUIRE(f.update(MmuFixture::ptr(12, 3), 0x99) == 0); // mapped writable: fine too
    CHECK(f.at(12, 3) == 0x99);

    REQUIRE(f.update(MmuFixture::ptr(20, 0, 1), 77) == 0);
    CHECK(f.mmu.m2p(20) == 77);
    CHECK(f.update(MmuFixture::ptr(33, 0, 1), 77) == k_einval);
    CHECK(f.mmu.m2p(33) == k_invalid_m2p_entry);
}

TEST_CASE("mmu_update: a batch that fails midway keeps what it did", "[pv_mm]") {
    MmuFixture f;
    boot(f);
    const uint64_t reqs = k_guest_base + 0x2000, pdone = k_guest_base + 0x3000;
    f.guest.put(reqs, abi::MmuUpdate{MmuFixture::ptr(11, 1), entry(13)});
    f.guest.put(reqs + 16, abi::MmuUpdate{MmuFixture::ptr(11, 2), entry(14, pte::present | pte::rw)});
    f.guest.put(reqs + 32, abi::MmuUpdate{MmuFixture::ptr(11, 3), entry(33)});
    f.guest.put(reqs + 48, abi::MmuUpdate{MmuFixture::ptr(11, 4), entry(15)});
    f.guest.put(pdone, uint32_t{0xdead});
    CHECK(f.call(Hypercall::mmu_update, reqs, 4, pdone, abi::k_domid_self) == k_ebusy);
    CHECK(f.guest.get<uint32_t>(pdone) == 2);
    CHECK(pte::mfn_of(f.at(11, 1)) == 13);
    CHECK(pte::mfn_of(f.at(11, 2)) == 14);
    CHECK(f.at(11, 3) == 0);
    CHECK(f.at(11, 4) == 0);
    CHECK(f.info(14).type == FrameType::writable);

    SECTION("an unreadable request ends it with EFAULT") {
        f.guest.set_page(reqs + 48, FakeGuestMemory::Page::unmapped);
        f.guest.put(reqs + 32, abi::MmuUpdate{MmuFixture::ptr(11, 3), entry(15)});
        CHECK(f.call(Hypercall::mmu_update, reqs + 32, 2, pdone, abi::k_domid_self) == k_efault);
        CHECK(f.guest.get<uint32_t>(pdone) == 0);
    }
    SECTION("a preempted batch resumes and counts everything") {
        for (unsigned i = 0; i < 3; ++i)
            f.guest.put(reqs + 16 * i, abi::MmuUpdate{MmuFixture::ptr(11, 5 + i), entry(15 + i)});
        f.ctx.should_preempt = [](void*) { return true; };
        long rc = f.call(Hypercall::mmu_update, reqs, 3, pdone, abi::k_domid_self);
        int entries = 1;
        while (rc == k_hypercall_restart && entries < 10) {
            CHECK((f.last.as<uint32_t>(1) & k_mmu_update_preempted) != 0);
            CHECK(f.last.raw(0) == reqs + 16 * static_cast<uint64_t>(entries));
            rc = f.resume();
            ++entries;
        }
        CHECK(rc == 0);
        CHECK(entries == 3);
        CHECK(f.guest.get<uint32_t>(pdone) == 3);
        CHECK(pte::mfn_of(f.at(11, 7)) == 17);
    }
}

TEST_CASE("mmu_update: foreign domains", "[pv_mm]") {
    MmuFixture f;
    boot(f);
    CHECK(f.update(MmuFixture::ptr(11, 1), entry(33), 2) == k_eperm);     // DomU 2 exists
    CHECK(f.update(MmuFixture::ptr(11, 1), entry(33), 9) == k_esrch);     // no such domain
    CHECK(f.update(MmuFixture::ptr(11, 1), entry(33), (3u << 16) | abi::k_domid_self) == k_eperm);
    CHECK(f.update(MmuFixture::ptr(11, 1), entry(5), abi::k_domid_io) == k_eperm);

    // Dom0 may map DomU 2's frames into its own L1 and write DomU tables.
    f.use(f.dom0, f.vcpu0);
    REQUIRE(f.mmu.pin(f.dom0, 50, FrameType::l1));
    CHECK(f.update(MmuFixture::ptr(50, 0), entry(33, pte::present | pte::rw), 2) == 0);
    CHECK(f.info(33).type == FrameType::writable);
    CHECK(f.update(MmuFixture::ptr(50, 1), entry(5, pte::present)) == 0); // MMIO, uncached
    CHECK((f.at(50, 1) & (pte::pcd | pte::pwt)) == (pte::pcd | pte::pwt));
    CHECK(f.update(MmuFixture::ptr(11, 1), entry(13), (2u << 16) | abi::k_domid_self) == k_ebusy);
    CHECK(f.update(MmuFixture::ptr(11, 1), entry(13), (2u << 16) | 1) == 0);
}

TEST_CASE("adopted boot tables survive the guest unpinning them", "[pv_mm]") {
    // As the domain builder leaves it: the base pointer already set. Linux
    // pins its own L4, unpins the builder's, and only then switches.
    MmuFixture f;
    f.tree(8, 9, 10, 11, 12);
    f.vcpu1.pv.kernel_cr3 = 8u << 12;
    REQUIRE(f.mmu.adopt_boot_page_tables(f.vcpu1, 8));
    CHECK(f.info(8).type_count == 2); // the pin and the base pointer
    CHECK(f.mmuext(Cmd::unpin_table, 8) == 0);
    CHECK(f.info(8).type_count == 1);
    CHECK(f.info(9).type_count == 1); // still validated below
    CHECK(f.call(Hypercall::update_va_mapping, 0x3000, entry(13), 0) == 0); // walks from L4 8
}

TEST_CASE("mmuext_op: pinning, base pointers and their rules", "[pv_mm]") {
    MmuFixture f;
    boot(f);
    CHECK(f.mmuext(Cmd::pin_l4_table, 8) == k_einval); // adopted tables are pinned
    CHECK(f.mmuext(Cmd::unpin_table, 8) == 0);
    CHECK(f.info(8).type_count == 1); // still the base pointer

    // new_baseptr needs an L4-able frame of the caller's.
    const auto before = f.snapshot();
    CHECK(f.mmuext(Cmd::new_baseptr, 33) == k_einval);
    CHECK(f.mmuext(Cmd::new_baseptr, 11) == k_einval); // an L1
    CHECK(f.mmuext(Cmd::new_baseptr, 12) == k_einval); // mapped writable
    CHECK(f.snapshot() == before);
    CHECK(f.vcpu1.pv.kernel_cr3 == 8u << 12);

    // A second L4 sharing the L3: switching moves the references.
    f.at(16, 0) = entry(9, k_table_flags);
    CHECK(f.mmuext(Cmd::new_baseptr, 16) == 0);
    CHECK(f.vcpu1.pv.kernel_cr3 == 16u << 12);
    CHECK(f.info(16).type_count == 1);
    CHECK(f.info(8).type_count == 0); // the old one devalidated
    CHECK(f.info(9).type_count == 1);
    CHECK(f.hooks.log.back() == Flush{"cr3", 16u << 12, false, 0});
    CHECK(f.mmuext(Cmd::new_baseptr, 16) == 0); // same again: a reload

    // User base pointer: set, same, none.
    CHECK(f.mmuext(Cmd::new_user_baseptr, 33) == k_einval);
    CHECK(f.mmuext(Cmd::new_user_baseptr, 8) == 0);
    CHECK(f.vcpu1.pv.user_cr3 == 8u << 12);
    CHECK(f.info(8).type_count == 1);
    CHECK(f.mmuext(Cmd::new_user_baseptr, 8) == 0);
    CHECK(f.info(8).type_count == 1);
    CHECK(f.mmuext(Cmd::new_user_baseptr, 0) == 0);
    CHECK(f.vcpu1.pv.user_cr3 == 0);
    CHECK(f.info(8).type_count == 0);

    SECTION("m2p_strict keeps the M2P out of user tables") {
        f.dom1.vm_assist |= uint64_t{1} << 32;
        CHECK(f.mmuext(Cmd::new_user_baseptr, 8) == 0);
        CHECK(f.at(8, k_ro_m2p_l4_slot) == 0);
        CHECK(f.at(8, 257) == f.hv_l4[257]);
    }
    SECTION("not for another domain") {
        abi::MmuextOp op{};
        op.cmd = abi::raw(Cmd::new_baseptr);
        op.arg1.mfn = 16;
        f.guest.put(k_guest_base + 0x1000, op);
        CHECK(f.call(Hypercall::mmuext_op, k_guest_base + 0x1000, 1, 0, 2) == k_eperm);
        CHECK(f.call(Hypercall::mmuext_op, k_guest_base + 0x1000, 1, 0, 77) == k_esrch);
    }
}

TEST_CASE("mmuext_op: flushes, LDT, pages", "[pv_mm]") {
    MmuFixture f;
    boot(f);
    CHECK(f.mmuext(Cmd::tlb_flush_local) == 0);
    CHECK(f.mmuext(Cmd::invlpg_local, 0x5000) == 0);
    CHECK(f.mmuext(Cmd::invlpg_local, abi::k_hypervisor_virt_start) == 0); // ignored
    CHECK(f.mmuext(Cmd::tlb_flush_all) == 0);
    CHECK(f.mmuext(Cmd::invlpg_all, 0x6000) == 0);
    f.guest.put(k_guest_base + 0x3000, uint64_t{0xff});
    CHECK(f.mmuext(Cmd::tlb_flush_multi, 0, k_guest_base + 0x3000) == 0);
    CHECK(f.mmuext(Cmd::invlpg_multi, 0x7000, k_guest_base + 0x3000) == 0);
    CHECK(f.mmuext(Cmd::tlb_flush_multi, 0, 0x10) == k_einval); // unreadable mask
    const std::vector<Flush> expected = {
        {"local", 0, false, 0},  {"local", 0, true, 0x5000}, {"vcpus", 3, false, 0},
        {"vcpus", 3, true, 0x6000}, {"vcpus", 3, false, 0},  {"vcpus", 3, true, 0x7000},
    };
    CHECK(f.hooks.log == expected);

    f.hooks.log.clear();
    CHECK(f.mmuext(Cmd::set_ldt, 0x10000, 16) == 0);
    CHECK(f.mmuext(Cmd::set_ldt, 0x10008, 16) == k_einval);
    CHECK(f.mmuext(Cmd::set_ldt, 0x10000, 8193) == k_einval);
    CHECK(f.mmuext(Cmd::set_ldt, abi::k_hypervisor_virt_start, 1) == k_einval);
    CHECK(f.mmuext(Cmd::set_ldt, 0x10008, 0) == 0); // no entries: base ignored
    CHECK(f.hooks.log == std::vector<Flush>{{"ldt", 16, false, 0x10000}, {"ldt", 0, false, 0}});

    CHECK(f.mmuext(Cmd::flush_cache) == k_eacces);
    CHECK(f.mmuext(Cmd::flush_cache_global) == k_einval);
    CHECK(f.mmuext(Cmd::mark_super, 12) == k_eopnotsupp);
    CHECK(f.mmuext(static_cast<Cmd>(14)) == k_enosys);

    f.at(13, 5) = 42;
    CHECK(f.mmuext(Cmd::copy_page, 14, 13) == 0);
    CHECK(f.at(14, 5) == 42);
    CHECK(f.mmuext(Cmd::copy_page, 11, 13) == k_einval); // into a page table
    CHECK(f.mmuext(Cmd::copy_page, 14, 33) == k_einval); // from a foreign frame
    CHECK(f.mmuext(Cmd::clear_page, 14) == 0);
    CHECK(f.at(14, 5) == 0);
    CHECK(f.mmuext(Cmd::clear_page, 8) == k_einval);
    CHECK(f.mmuext(Cmd::clear_page, 33) == k_einval);
    CHECK(f.info(14).type_count == 0);
}

TEST_CASE("update_va_mapping walks the current tables and flushes as asked", "[pv_mm]") {
    MmuFixture f;
    boot(f);
    const uint64_t va = 0x3000; // L1 11, index 3
    CHECK(f.call(Hypercall::update_va_mapping, va, entry(13, pte::present | pte::rw), abi::k_uvmf_invlpg) == 0);
    CHECK(pte::mfn_of(f.at(11, 3)) == 13);
    CHECK(f.info(13).type == FrameType::writable);
    CHECK(f.hooks.log.back() == Flush{"local", 0, true, va});
    CHECK(f.call(Hypercall::update_va_mapping, va, 0, abi::k_uvmf_tlb_flush | abi::k_uvmf_all) == 0);
    CHECK(f.hooks.log.back() == Flush{"vcpus", 3, false, 0});
    CHECK(f.info(13).ref_count == 0);
    f.guest.put(k_guest_base + 0x3000, uint64_t{2});
    CHECK(f.call(Hypercall::update_va_mapping, va, entry(13), abi::k_uvmf_invlpg | (k_guest_base + 0x3000)) == 0);
    CHECK(f.hooks.log.back() == Flush{"vcpus", 2, true, va});

    const auto before = f.snapshot();
    CHECK(f.call(Hypercall::update_va_mapping, va, entry(11, pte::present | pte::rw), 0) == k_ebusy);
    CHECK(f.call(Hypercall::update_va_mapping, va, entry(33), 0) == k_ebusy);
    CHECK(f.call(Hypercall::update_va_mapping, 0x40'0000'0000, entry(13), 0) == k_einval); // no L3 entry
    CHECK(f.call(Hypercall::update_va_mapping, 0x20'0000, entry(13), 0) == k_einval);      // no L2 entry
    CHECK(f.call(Hypercall::update_va_mapping, abi::k_hypervisor_virt_start, entry(13), 0) == k_einval);
    CHECK(f.call(Hypercall::update_va_mapping, 0x0000'8000'0000'0000, entry(13), 0) == k_einval);
    CHECK(f.call(Hypercall::update_va_mapping_otherdomain, va, entry(33), 0, 2) == k_eperm);
    CHECK(f.snapshot() == before);

    f.vcpu1.pv.kernel_cr3 = 0; // (not through the MMU: just "no tables")
    CHECK(f.call(Hypercall::update_va_mapping, va, entry(13), 0) == k_einval);
}

TEST_CASE("writable page tables: stores into an L1 are validated", "[pv_mm]") {
    MmuFixture f;
    boot(f);
    CHECK(f.mmu.is_emulable_pt(f.dom1, 11));
    CHECK_FALSE(f.mmu.is_emulable_pt(f.dom1, 10)); // L2s are not emulated (Xen's ptwr)
    CHECK_FALSE(f.mmu.is_emulable_pt(f.dom2, 11));

    REQUIRE(f.mmu.emulate_pt_write(f.dom1, 11, 5, entry(13, pte::present | pte::rw)));
    CHECK(f.info(13).type == FrameType::writable);
    const auto before = f.snapshot();
    CHECK_FALSE(f.mmu.emulate_pt_write(f.dom1, 11, 6, entry(10, pte::present | pte::rw)));
    CHECK_FALSE(f.mmu.emulate_pt_write(f.dom1, 11, 6, entry(33)));
    CHECK_FALSE(f.mmu.emulate_pt_write(f.dom1, 10, 6, entry(13)));
    CHECK(f.snapshot() == before);

    // CMPXCHG that loses: nothing changes, the current value comes back.
    PtWrite w;
    w.mfn = 11;
    w.offset = 5 * 8;
    w.value = entry(14);
    w.is_cmpxchg = true;
    w.expected = 0x1234;
    uint64_t current = 0;
    CHECK(f.mmu.emulate_pt_write(f.dom1, w, &current) == PtWriteResult::compare_failed);
    CHECK(current == f.at(11, 5));
    CHECK(f.snapshot() == before);
    w.expected = current;
    CHECK(f.mmu.emulate_pt_write(f.dom1, w, &current) == PtWriteResult::done);
    CHECK(pte::mfn_of(f.at(11, 5)) == 14);
    CHECK(f.info(13).ref_count == 0);

    // A 4-byte store of the low half (a locked BTR of RW, say).
    PtWrite low;
    low.mfn = 11;
    low.offset = 5 * 8;
    low.bytes = 4;
    low.value = static_cast<uint32_t>(f.at(11, 5) | pte::rw);
    CHECK(f.mmu.emulate_pt_write(f.dom1, low) == PtWriteResult::done);
    CHECK(f.info(14).type == FrameType::writable);
    low.offset = 5 * 8 + 2; // misaligned
    CHECK(f.mmu.emulate_pt_write(f.dom1, low) == PtWriteResult::refused);
}

TEST_CASE("memory_op: queries", "[pv_mm]") {
    MmuFixture f;
    boot(f);
    const uint64_t arg = k_guest_base + 0x4000;
    CHECK(f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::maximum_ram_page)) == static_cast<long>(k_frames));
    f.guest.put(arg, abi::k_domid_self);
    CHECK(f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::current_reservation), arg) == 24);
    CHECK(f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::maximum_reservation), arg) == 28);
    f.guest.put(arg, uint16_t{2});
    CHECK(f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::current_reservation), arg) == k_eperm);
    f.guest.put(arg, uint16_t{9});
    CHECK(f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::current_reservation), arg) == k_esrch);

    abi::MemoryMap map{};
    map.nr_entries = 8;
    map.buffer.address = arg + 0x100;
    f.guest.put(arg, map);
    CHECK(f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::memory_map), arg) == 0);
    CHECK(f.guest.get<abi::MemoryMap>(arg).nr_entries == 1);
    const auto ram = f.guest.get<abi::E820Entry>(arg + 0x100);
    CHECK(ram.addr == 0);
    CHECK(ram.size == 28 * 4096);
    CHECK(ram.type == 1);

    CHECK(f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::machphys_mapping), arg) == 0);
    const auto m = f.guest.get<abi::MachphysMapping>(arg);
    CHECK(m.v_start == abi::k_hypervisor_virt_start);
    CHECK(m.max_mfn == k_frames - 1);
    CHECK(f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::exchange), arg) == k_enosys);
    CHECK(f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::maximum_ram_page) | (1 << 6)) == k_einval);
}

TEST_CASE("memory_op: machine_memory_map gives Dom0 the machine's E820", "[pv_mm]") {
    MmuFixture f;
    const uint64_t arg = k_guest_base + 0x4000, buffer = arg + 0x100;
    const auto call = [&](uint32_t capacity, uint64_t buf) {
        abi::MemoryMap map{};
        map.nr_entries = capacity;
        map.buffer.address = buf;
        f.guest.put(arg, map);
        return f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::machine_memory_map), arg);
    };
    f.use(f.dom0, f.vcpu0);
    CHECK(call(8, buffer) == k_enosys); // no map known
    f.services.machine_memory = {{0, 0x9fc00, 1}, {0xf0000, 0x10000, 2}, {0x100000, 0x3ff00000, 1}};
    CHECK(call(3, buffer) == k_einval); // Xen wants one entry to spare
    CHECK(call(4, buffer) == 0);
    CHECK(f.guest.get<abi::MemoryMap>(arg).nr_entries == 3);
    const auto e = f.guest.get<abi::E820Entry>(buffer + 2 * sizeof(abi::E820Entry));
    CHECK((e.addr == 0x100000 && e.size == 0x3ff00000 && e.type == 1));
    CHECK(call(0, 0) == 0); // no buffer: just the count
    CHECK(f.guest.get<abi::MemoryMap>(arg).nr_entries == 3);
    CHECK(call(8, k_guest_base + 0x8000 - 20) == k_efault); // runs off guest memory
    f.use(f.dom1, f.vcpu1);
    CHECK(call(8, buffer) == k_eperm); // DomUs see only their own map
}

TEST_CASE("memory_op: reservations within max_pages, frames freed when unmapped", "[pv_mm]") {
    MmuFixture f;
    boot(f);
    const uint64_t arg = k_guest_base + 0x4000, list = k_guest_base + 0x5000;
    abi::MemoryReservation r{};
    r.extent_start.address = list;
    r.nr_extents = 6;
    r.domid = abi::k_domid_self;
    for (uint64_t i = 0; i < 6; ++i) f.guest.put(list + 8 * i, uint64_t{100 + i});
    f.guest.put(arg, r);
    CHECK(f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::populate_physmap), arg) == 4); // max_pages
    CHECK(f.dom1.tot_pages == 28);
    const uint64_t first = f.guest.get<uint64_t>(list);
    CHECK(f.info(first).owner == 1);
    CHECK(f.mmu.m2p(first) == 100);

    r.extent_order = 1;
    f.guest.put(arg, r);
    CHECK(f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::increase_reservation), arg) == 0);

    // Give back frame 13 (mapped read-only at va 0x3000) and frame 20.
    REQUIRE(f.call(Hypercall::update_va_mapping, 0x3000, entry(13), 0) == 0);
    f.guest.put(list, uint64_t{13});
    f.guest.put(list + 8, uint64_t{20});
    f.guest.put(list + 16, uint64_t{33}); // not ours: stops there
    r.extent_order = 0;
    r.nr_extents = 3;
    f.guest.put(arg, r);
    CHECK(f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::decrease_reservation), arg) == 2);
    CHECK(f.pool.freed == 1); // frame 20 at once
    CHECK(f.info(20).owner == k_owner_free);
    CHECK(f.info(13).owner == 1); // still mapped
    CHECK(f.mmu.pin(f.dom1, 13, FrameType::l1) == Status(k_einval_status)); // no new references
    REQUIRE(f.call(Hypercall::update_va_mapping, 0x3000, 0, 0) == 0);
    CHECK(f.pool.freed == 2);
    CHECK(f.info(13).owner == k_owner_free);
    CHECK(f.dom1.tot_pages == 26);

    SECTION("preempted, it continues where it stopped") {
        f.dom1.max_pages = 40;
        r.nr_extents = 3;
        r.extent_start.address = 0;
        f.guest.put(arg, r);
        f.ctx.should_preempt = [](void*) { return true; };
        long rc = f.call(Hypercall::memory_op, abi::raw(abi::MemoryOp::increase_reservation), arg);
        CHECK(rc == k_hypercall_restart);
        CHECK(f.last.as<uint64_t>(0) == (1u << 6));
        while (rc == k_hypercall_restart) rc = f.resume();
        CHECK(rc == 3);
        CHECK(f.dom1.tot_pages == 29);
    }
}
