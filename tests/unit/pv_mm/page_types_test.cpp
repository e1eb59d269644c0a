// The page-type state machine (core/pv_mm/page_types.hpp) with hostile
// sequences, and invariants under random ones.
#include "core/pv_mm/page_types.hpp"
#include "core/pv_mm/pv_mmu.hpp"
#include "include/public/errno.hpp"

constexpr auto k_einval = pv::Errno::einval;
constexpr auto k_ebusy = pv::Errno::ebusy;
constexpr auto k_eperm = pv::Errno::eperm;

#include "tests/unit/pv_mm/mmu_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;

namespace {

// Recount every reference from the page tables, pins and base pointers and
// compare with the frame table (and the type rules).
void check_invariants(MmuFixture& f) {
    std::vector<uint32_t> refs(k_frames, 0), types(k_frames, 0);
    for (uint64_t m = 0; m < k_frames; ++m) {
        const FrameInfo& fi = f.info(m);
        const bool table = is_page_table_type(fi.type);
        // A page table is in use exactly when it is validated.
        if (table) REQUIRE((fi.type_count != 0) == ((fi.flags & k_frame_validated) != 0));
        if (fi.flags & k_frame_pinned) {
            REQUIRE(table);
            ++refs[m];
            ++types[m];
        }
        if (!table || fi.type_count == 0) continue;
        const unsigned level = level_of(fi.type);
        for (unsigned i = 0; i < 512; ++i) {
            const uint64_t e = f.at(m, i);
            if (level == 4 && !is_guest_l4_slot(i)) {
                REQUIRE(e == f.hv_l4[i]);
                continue;
            }
            if (!pte::is_present(e)) continue;
            const uint64_t t = pte::mfn_of(e);
            if (level == 1) {
                if (t >= k_frames || f.info(t).owner == k_owner_reserved) continue;
                ++refs[t];
                if (e & pte::rw) {
                    // Never a writable mapping of anything but a writable frame.
                    REQUIRE(f.info(t).type == FrameType::writable);
                    ++types[t];
                }
            } else if (t == m) {
                // A read-only self-map (linear page table): a general reference only.
                REQUIRE((e & pte::rw) == 0);
                ++refs[t];
            } else {
                REQUIRE((e & pte::pse) == 0);
                REQUIRE(f.info(t).type == table_type(level - 1));
                ++refs[t];
                ++types[t];
            }
        }
    }
    for (Vcpu* v : {&f.vcpu0, &f.vcpu1, &f.vcpu1b})
        for (uint64_t cr3 : {v->pv.kernel_cr3, v->pv.user_cr3})
            if (cr3 != 0) {
                REQUIRE(f.info(cr3 >> 12).type == FrameType::l4);
                ++refs[cr3 >> 12];
                ++types[cr3 >> 12];
            }
    for (uint64_t m = 0; m < k_frames; ++m) {
        INFO("mfn " << m);
        REQUIRE(f.info(m).ref_count == refs[m]);
        REQUIRE(f.info(m).type_count == types[m]);
    }
}

} // namespace

TEST_CASE("a validated four-level tree takes exactly one reference per entry", "[pv_mm]") {
    MmuFixture f;
    f.tree(8, 9, 10, 11, 12);
    REQUIRE(f.mmu.pin(f.dom1, 8, FrameType::l4));
    CHECK(f.info(8).type == FrameType::l4);
    CHECK(f.info(8).type_count == 1);
    CHECK(f.info(9).type == FrameType::l3);
    CHECK(f.info(10).type == FrameType::l2);
    CHECK(f.info(11).type == FrameType::l1);
    CHECK(f.info(12).type == FrameType::writable);
    CHECK(f.info(12).ref_count == 1);
    // Guest kernel entries gain USER, L4 entries Accessed; the hypervisor's
    // slots are installed.
    CHECK((f.at(8, 0) & pte::accessed) != 0);
    CHECK(f.at(8, 256) == f.hv_l4[256]);
    CHECK(f.at(8, 271) == f.hv_l4[271]);
    check_invariants(f);

    REQUIRE(f.mmu.unpin(f.dom1, 8));
    for (uint64_t m = 8; m <= 12; ++m) {
        CHECK(f.info(m).type_count == 0);
        CHECK(f.info(m).ref_count == 0);
    }
    check_invariants(f);
}

TEST_CASE("a frame mapped writable cannot be pinned as a page table", "[pv_mm]") {
    MmuFixture f;
    f.at(9, 0) = entry(10, pte::present | pte::rw); // L1 9 maps frame 10 writable
    REQUIRE(f.mmu.pin(f.dom1, 9, FrameType::l1));
    CHECK(f.info(10).type == FrameType::writable);
    const auto before = f.snapshot();
    for (FrameType t : {FrameType::l1, FrameType::l2, FrameType::l3, FrameType::l4}) {
        CHECK(f.mmu.pin(f.dom1, 10, t) == Status(k_einval));
        CHECK(f.snapshot() == before);
    }
    // Once the mapping is gone the frame may become a table; a possibly
    // stale writable TLB entry is flushed first.
    REQUIRE(f.mmu.emulate_pt_write(f.dom1, 9, 0, 0));
    f.hooks.log.clear();
    REQUIRE(f.mmu.pin(f.dom1, 10, FrameType::l1));
    REQUIRE(!f.hooks.log.empty());
    CHECK(f.hooks.log[0] == Flush{"stale", 10, false, 0});
    check_invariants(f);
}

TEST_CASE("a page table cannot be mapped writable, only read-only", "[pv_mm]") {
    MmuFixture f;
    REQUIRE(f.mmu.pin(f.dom1, 10, FrameType::l1));
    f.at(9, 0) = entry(10, pte::present | pte::rw);
    const auto before = f.snapshot();
    CHECK(f.mmu.pin(f.dom1, 9, FrameType::l1) == Status(k_ebusy));
    CHECK(f.snapshot() == before);
    f.at(9, 0) = entry(10, pte::present);
    REQUIRE(f.mmu.pin(f.dom1, 9, FrameType::l1));
    CHECK(f.info(10).ref_count == 2);
    check_invariants(f);
}

TEST_CASE("pinning an L4 that reaches another domain's frame changes nothing", "[pv_mm]") {
    MmuFixture f;
    f.tree(8, 9, 10, 11, 33); // frame 33 is DomU 2's
    // Some good entries first, so that there is something to undo.
    f.at(11, 1) = entry(12, pte::present | pte::rw);
    f.at(11, 0) = 0;
    f.at(11, 2) = entry(33, pte::present);
    f.at(10, 1) = entry(13, k_table_flags); // a second, good L1
    f.at(13, 0) = entry(14, pte::present | pte::rw);
    f.at(9, 1) = entry(15, k_table_flags); // a second, good L2
    const auto before = f.snapshot();
    CHECK(f.mmu.pin(f.dom1, 8, FrameType::l4) == Status(k_ebusy));
    CHECK(f.snapshot() == before);
    check_invariants(f);

    SECTION("or the hypervisor's, or a free one") {
        for (uint64_t target : {1ull, 70ull}) {
            f.at(11, 2) = entry(target, pte::present);
            CHECK(f.mmu.pin(f.dom1, 8, FrameType::l4) == Status(k_ebusy));
            CHECK(f.snapshot() == before);
        }
    }
    SECTION("or memory that is not RAM") {
        f.at(11, 2) = entry(5, pte::present);
        CHECK(f.mmu.pin(f.dom1, 8, FrameType::l4) == Status(k_eperm));
        CHECK(f.snapshot() == before);
        f.at(11, 2) = entry(1000, pte::present); // beyond the frame table
        CHECK(f.mmu.pin(f.dom1, 8, FrameType::l4) == Status(k_eperm));
        CHECK(f.snapshot() == before);
    }
    SECTION("a table owned by another domain") {
        f.at(11, 2) = 0;
        f.at(9, 2) = entry(40, k_table_flags);
        CHECK(f.mmu.pin(f.dom1, 8, FrameType::l4) == Status(k_einval));
        CHECK(f.snapshot() == before);
    }
    SECTION("and the owner may fix it") {
        f.at(11, 2) = entry(16, pte::present);
        REQUIRE(f.mmu.pin(f.dom1, 8, FrameType::l4));
        check_invariants(f);
    }
}

TEST_CASE("bad entries are refused with Xen's errors", "[pv_mm]") {
    MmuFixture f;
    const auto before = f.snapshot();
    struct Case {
        FrameType type;
        uint64_t entry;
        Errno error;
    };
    const Case cases[] = {
        {FrameType::l2, entry(11, k_table_flags | pte::pse), k_einval},   // superpage
        {FrameType::l3, entry(11, k_table_flags | pte::pse), k_einval},   // 1 GiB page
        {FrameType::l2, entry(11, k_table_flags | pte::pcd), k_einval},   // cache attribute
        {FrameType::l4, entry(11, k_table_flags | pte::global), k_einval},
        {FrameType::l1, entry(12, pte::present | pte::pcd), k_einval},    // DomU: no cache attributes
        {FrameType::l1, entry(12, pte::present | pte::pat), k_einval},
        {FrameType::l1, entry(0xffffffffffull, pte::present), k_einval},   // Xen's "invalid MFN"
        {FrameType::l1, entry(3, pte::present), k_ebusy},                 // hypervisor's
    };
    for (const Case& c : cases) {
        f.at(9, 7) = c.entry;
        CHECK(f.mmu.pin(f.dom1, 9, c.type) == Status(c.error));
        CHECK(f.snapshot() == before);
    }
    // Global and the guest's available bits are fine in an L1.
    f.at(9, 7) = entry(12, pte::present | pte::global | pte::avail | pte::nx | (1ull << 60));
    CHECK(f.mmu.pin(f.dom1, 9, FrameType::l1));
}

TEST_CASE("self-referencing (linear) page tables: read-only allowed, writable refused", "[pv_mm]") {
    // Xen's pv-linear-pt: a table may map itself read-only (one general
    // reference, no type cycle); a writable self-map would bypass validation.
    MmuFixture f;
    const auto before = f.snapshot();
    f.at(8, 5) = entry(8, pte::present | pte::user | pte::rw); // L4 slot -> itself, writable
    CHECK(f.mmu.pin(f.dom1, 8, FrameType::l4) == Status(k_einval));
    CHECK(f.snapshot() == before);
    f.at(8, 5) = entry(8, pte::present | pte::user); // read-only
    REQUIRE(f.mmu.pin(f.dom1, 8, FrameType::l4));
    check_invariants(f);
    REQUIRE(f.mmu.unpin(f.dom1, 8));
    CHECK(f.snapshot() == before); // the self reference went with the type
    f.at(8, 5) = 0;
    f.at(10, 3) = entry(10, pte::present | pte::user);
    REQUIRE(f.mmu.pin(f.dom1, 10, FrameType::l2));
    REQUIRE(f.mmu.unpin(f.dom1, 10));
    CHECK(f.snapshot() == before);
    f.at(10, 3) = 0;
    // An L3 naming an L4 (a level-skipping cycle) is refused.
    REQUIRE(f.mmu.pin(f.dom1, 8, FrameType::l4));
    f.at(9, 0) = entry(8, pte::present);
    CHECK(f.mmu.pin(f.dom1, 9, FrameType::l3) == Status(k_einval));
    // An L1 may map itself read-only (the guest reads its tables), never writable.
    f.at(11, 0) = entry(11, pte::present);
    CHECK(f.mmu.pin(f.dom1, 11, FrameType::l1));
    check_invariants(f);
    f.at(12, 0) = entry(12, pte::present | pte::rw);
    CHECK(f.mmu.pin(f.dom1, 12, FrameType::l1) == Status(k_ebusy));
    check_invariants(f);
}

TEST_CASE("unpinning a table that is still referenced keeps it typed", "[pv_mm]") {
    MmuFixture f;
    f.at(10, 0) = entry(11, k_table_flags);
    REQUIRE(f.mmu.pin(f.dom1, 11, FrameType::l1));
    REQUIRE(f.mmu.pin(f.dom1, 10, FrameType::l2));
    CHECK(f.info(11).type_count == 2);
    CHECK(f.mmu.pin(f.dom1, 11, FrameType::l1) == Status(k_einval)); // already pinned
    REQUIRE(f.mmu.unpin(f.dom1, 11));
    CHECK(f.info(11).type == FrameType::l1);
    CHECK(f.info(11).type_count == 1);
    CHECK(f.mmu.unpin(f.dom1, 11) == Status(k_einval)); // no longer pinned
    CHECK(f.mmu.unpin(f.dom2, 10) == Status(k_einval)); // not DomU 2's
    check_invariants(f);
    REQUIRE(f.mmu.unpin(f.dom1, 10));
    CHECK(f.info(11).type_count == 0);
    CHECK((f.info(11).flags & k_frame_validated) == 0);
    check_invariants(f);
}

TEST_CASE("pinning a frame of another domain or a free one fails", "[pv_mm]") {
    MmuFixture f;
    const auto before = f.snapshot();
    CHECK(f.mmu.pin(f.dom1, 33, FrameType::l1) == Status(k_einval));
    CHECK(f.mmu.pin(f.dom1, 70, FrameType::l1) == Status(k_einval));
    CHECK(f.mmu.pin(f.dom1, 5, FrameType::l1) == Status(k_einval));
    CHECK(f.mmu.pin(f.dom1, 5000, FrameType::l1) == Status(k_einval));
    CHECK(f.snapshot() == before);
}

TEST_CASE("random page-table operations keep every count consistent", "[pv_mm]") {
    MmuFixture f;
    uint64_t seed = 0x9e37'79b9'7f4a'7c15ull;
    auto next = [&seed](uint64_t n) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        return (seed >> 33) % n;
    };
    const uint64_t flag_choices[] = {pte::present, pte::rw, pte::user, pte::pse, pte::pcd, pte::accessed};
    int succeeded = 0, tables_seen = 0;
    for (int step = 0; step < 4000; ++step) {
        const uint64_t mfn = 8 + next(26); // DomU 1's frames, and two of DomU 2's
        const unsigned op = static_cast<unsigned>(next(10));
        Domain& d = f.dom1;
        Status s = k_einval;
        if (op == 0) {
            s = f.mmu.pin(d, mfn, table_type(1 + static_cast<unsigned>(next(4))));
        } else if (op == 1) {
            s = f.mmu.unpin(d, mfn);
        } else if (op == 2) {
            s = f.mmu.new_baseptr(f.vcpu1, mfn);
        } else if (op == 3) {
            s = f.mmu.new_user_baseptr(f.vcpu1b, next(3) == 0 ? 0 : mfn);
        } else {
            uint64_t flags = 0;
            for (uint64_t fl : flag_choices)
                if (next(3) != 0) flags |= fl;
            if (next(4) == 0) flags &= ~pte::present;
            const uint64_t target = next(8) == 0 ? next(k_frames) : 8 + next(24);
            const unsigned index = static_cast<unsigned>(next(8) == 0 ? 256 + next(16) : next(4));
            if (op < 8) {
                s = f.mmu.normal_update(d, d, MmuFixture::ptr(mfn, index), entry(target, flags), next(2) == 0);
            } else {
                s = f.mmu.emulate_pt_write(d, mfn, index, entry(target, flags));
            }
        }
        if (s) ++succeeded;
        for (uint64_t m = 8; m < 32; ++m)
            if (f.info(m).type_count != 0 && level_of(f.info(m).type) >= 2) ++tables_seen;
        if (step % 7 == 0) check_invariants(f);
    }
    check_invariants(f);
    CHECK(succeeded > 1000);  // the sequence does exercise the engine
    CHECK(tables_seen > 1000);
    // And everything can be torn down to nothing.
    f.mmu.relinquish(f.dom1);
    check_invariants(f);
    for (uint64_t m = 8; m < 32; ++m) {
        INFO("mfn " << m);
        CHECK(f.info(m).ref_count == 0);
        CHECK(f.info(m).type_count == 0);
    }
}
