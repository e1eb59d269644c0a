// The grant-table state machine: grants, maps (host and device, read-only
// and writable), status bits, unmaps, copies and domain release, checked
// against the PV MMU's reference counts.
#include "core/grant/grant_table.hpp"
#include "core/pv_mm/pv_mmu.hpp"
#include "include/public/errno.hpp"

constexpr auto k_einval = pv::Errno::einval;

#include "tests/unit/grant/grant_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::test;
using GS = abi::GrantStatus;

namespace {

constexpr uint32_t k_host = abi::k_gntmap_host_map;
constexpr uint32_t k_ro = abi::k_gntmap_readonly;
constexpr uint32_t k_dev = abi::k_gntmap_device_map;
constexpr uint16_t k_permit = abi::k_gtf_permit_access;
constexpr uint16_t k_reading = abi::k_gtf_reading;
constexpr uint16_t k_writing = abi::k_gtf_writing;

} // namespace

TEST_CASE("grant: map rw sets both status bits, takes the PTE's references; unmap undoes all",
          "[grant]") {
    GrantFixture f;
    f.grant(5);
    const auto before = f.snapshot();

    auto op = f.map(5, k_host);
    REQUIRE(op.status == st(GS::okay));
    CHECK(op.handle == 0);
    CHECK(op.dev_bus_addr == k_granted << 12);
    CHECK(f.flags(5) == (k_permit | k_reading | k_writing));
    CHECK(f.info(k_granted).ref_count == 1);
    CHECK(f.info(k_granted).type == FrameType::writable);
    CHECK(f.info(k_granted).type_count == 1);
    CHECK(f.l1(1) == grant::grant_pte(k_granted, k_host));
    CHECK((f.l1(1) & (pte::present | pte::rw | pte::nx)) == (pte::present | pte::rw | pte::nx));
    CHECK(f.t2.pinned_grants() == 1);
    CHECK(f.t1.mappings_held() == 1);

    // The granter cannot make the mapped frame a page table meanwhile.
    CHECK_FALSE(f.mmu.pin(f.dom2, k_granted, FrameType::l1));
    // The mapper cannot copy the foreign entry anywhere else.
    CHECK_FALSE(f.mmu.normal_update(f.dom1, f.dom1, MmuFixture::ptr(11, 2), f.l1(1), false));

    CHECK(f.unmap(op.handle) == st(GS::okay));
    CHECK(f.flags(5) == k_permit);
    CHECK(f.l1(1) == 0);
    CHECK(f.snapshot() == before);
    CHECK(f.t2.pinned_grants() == 0);
    CHECK(f.t1.mappings_held() == 0);
    REQUIRE_FALSE(f.hooks.log.empty());
    CHECK(f.hooks.log.back().what == "vcpus"); // the mapper's TLBs, before the references went
}

TEST_CASE("grant: read-only maps set only GTF_reading; a writer adds GTF_writing until it goes", "[grant]") {
    GrantFixture f;
    f.grant(3);
    const auto before = f.snapshot();

    auto ro = f.map(3, k_host | k_ro);
    REQUIRE(ro.status == st(GS::okay));
    CHECK(f.flags(3) == (k_permit | k_reading));
    CHECK(f.info(k_granted).ref_count == 1);
    CHECK(f.info(k_granted).type_count == 0);
    CHECK((f.l1(1) & pte::rw) == 0);

    auto rw = f.map(3, k_host, k_map_va + 0x1000);
    REQUIRE(rw.status == st(GS::okay));
    CHECK(rw.handle != ro.handle);
    CHECK(f.flags(3) == (k_permit | k_reading | k_writing));
    CHECK(f.info(k_granted).ref_count == 2);
    CHECK(f.info(k_granted).type_count == 1);

    CHECK(f.unmap(rw.handle, k_map_va + 0x1000) == st(GS::okay));
    CHECK(f.flags(3) == (k_permit | k_reading));
    CHECK(f.unmap(ro.handle) == st(GS::okay));
    CHECK(f.flags(3) == k_permit);
    CHECK(f.snapshot() == before);
}

TEST_CASE("grant: device maps hold their own references and answer dev_bus_addr", "[grant]") {
    GrantFixture f;
    f.grant(1);
    const auto before = f.snapshot();
    auto op = f.map(1, k_dev, 0);
    REQUIRE(op.status == st(GS::okay));
    CHECK(op.dev_bus_addr == k_granted << 12);
    CHECK(f.info(k_granted).ref_count == 1);
    CHECK(f.info(k_granted).type_count == 1);
    CHECK(f.flags(1) == (k_permit | k_reading | k_writing));

    CHECK(f.unmap(op.handle, 0, (k_granted + 1) << 12) == st(GS::general_error));
    CHECK(f.info(k_granted).ref_count == 1);
    CHECK(f.unmap(op.handle, 0, k_granted << 12) == st(GS::okay));
    CHECK(f.snapshot() == before);
    CHECK(f.flags(1) == k_permit);

    // Host and device at once: two sets of references, one handle.
    auto both = f.map(1, k_dev | k_host);
    REQUIRE(both.status == st(GS::okay));
    CHECK(f.info(k_granted).ref_count == 2);
    CHECK(f.info(k_granted).type_count == 2);
    CHECK(f.unmap(both.handle, k_map_va, 0) == st(GS::okay)); // host half only
    CHECK(f.t1.mapping(both.handle) != nullptr);
    CHECK(f.flags(1) == (k_permit | k_reading | k_writing));
    CHECK(f.unmap(both.handle, 0, k_granted << 12) == st(GS::okay));
    CHECK(f.t1.mapping(both.handle) == nullptr);
    CHECK(f.snapshot() == before);
}

TEST_CASE("grant: refused maps give Xen's status and change nothing", "[grant]") {
    GrantFixture f;
    f.grant(2);
    f.grant(4, k_granted, 0);                 // granted to Dom0, not DomU 1
    f.grant(6, k_granted, 1, true);           // read-only grant
    f.grant(7, 12);                           // DomU 1's own frame: not the granter's
    const auto before = f.snapshot();

    // Xen's _set_status: a grant for another domain is GNTST_general_error.
    CHECK(f.map(4, k_host).status == st(GS::general_error));
    CHECK(f.map(512 * 1, k_host).status == st(GS::bad_gntref)); // one frame: refs 0-511
    CHECK(f.map(2, 0).status == st(GS::bad_gntref));           // neither host nor device
    CHECK(f.map(2, k_host, k_map_va, 77).status == st(GS::bad_domain));
    CHECK(f.map(6, k_host).status == st(GS::general_error));   // write-pin of a r/o grant
    CHECK(f.map(7, k_host).status == st(GS::bad_page));
    CHECK(f.map(2, k_host, 0x7fff'ffff'f000).status == st(GS::general_error)); // no L1 there
    CHECK(f.map(2, k_host | abi::k_gntmap_contains_pte, (11u << 12) + 3).status == st(GS::general_error));
    CHECK(f.flags(2) == k_permit);
    CHECK(f.flags(4) == k_permit);
    CHECK(f.flags(6) == (k_permit | abi::k_gtf_readonly));
    CHECK(f.flags(7) == k_permit);
    CHECK(f.snapshot() == before);
    CHECK(f.t1.mappings_held() == 0);
    CHECK(f.t2.pinned_grants() == 0);

    // A granted page table cannot be mapped writable.
    REQUIRE(f.mmu.pin(f.dom2, 41, FrameType::l1));
    f.grant(8, 41);
    const auto pinned = f.snapshot();
    CHECK(f.map(8, k_host).status == st(GS::general_error));
    CHECK(f.snapshot() == pinned);
    CHECK(f.flags(8) == k_permit);
    CHECK(f.map(8, k_host | k_ro).status == st(GS::okay));
}

TEST_CASE("grant: the maptrack runs out with no_device_space", "[grant]") {
    GrantFixture f;
    f.grant(0);
    for (unsigned i = 0; i < 4; ++i) CHECK(f.map(0, k_host | k_ro, k_map_va + i * 0x1000).status == st(GS::okay));
    CHECK(f.map(0, k_host | k_ro, k_map_va + 0x5000).status == st(GS::no_device_space));
    CHECK(f.info(k_granted).ref_count == 4);
}

TEST_CASE("grant: contains_pte maps name the L1 entry by machine address", "[grant]") {
    GrantFixture f;
    f.grant(9);
    const uint64_t pte_maddr = (11u << 12) + 7 * 8;
    const uint32_t flags = k_host | abi::k_gntmap_contains_pte | abi::k_gntmap_application_map;
    auto op = f.map(9, flags, pte_maddr);
    REQUIRE(op.status == st(GS::okay));
    CHECK(f.l1(7) == grant::grant_pte(k_granted, flags));
    CHECK((f.l1(7) & pte::guest_kernel) == 0); // a user mapping
    CHECK(f.unmap(op.handle, pte_maddr) == st(GS::okay));
    CHECK(f.l1(7) == 0);
    CHECK(f.info(k_granted).ref_count == 0);
}

TEST_CASE("grant: revoking while mapped leaves the page referenced until the unmap", "[grant]") {
    GrantFixture f;
    f.grant(5);
    auto op = f.map(5, k_host);
    REQUIRE(op.status == st(GS::okay));

    // A well-behaved granter's compare-and-swap would fail; this one just
    // clears the entry and gives the frame back.
    f.entry_of(f.t2, 5).flags = 0;
    REQUIRE(f.mmu.release_frame(f.dom2, k_granted));
    const int freed = f.pool.freed;
    CHECK(f.info(k_granted).ref_count == 1);
    CHECK((f.info(k_granted).flags & k_frame_released) != 0);
    CHECK(f.info(k_granted).owner == 2);

    CHECK(f.unmap(op.handle) == st(GS::okay));
    CHECK(f.pool.freed == freed + 1); // the last reference was the mapping's
    CHECK(f.info(k_granted).owner == k_owner_free);
}

TEST_CASE("grant: unmap by a bad handle, at the wrong address, or twice", "[grant]") {
    GrantFixture f;
    f.grant(5);
    auto op = f.map(5, k_host);
    REQUIRE(op.status == st(GS::okay));
    CHECK(f.unmap(99) == st(GS::bad_handle));
    CHECK(f.unmap(3) == st(GS::bad_handle)); // in range, not in use
    CHECK(f.unmap(op.handle, k_map_va + 0x1000) == st(GS::general_error));
    CHECK(f.unmap(op.handle, 0, 0) == st(GS::okay)); // nothing named: nothing done
    CHECK(f.t1.mapping(op.handle) != nullptr);
    CHECK(f.info(k_granted).ref_count == 1);
    CHECK(f.unmap(op.handle) == st(GS::okay));
    CHECK(f.unmap(op.handle) == st(GS::bad_handle));
    CHECK(f.info(k_granted).ref_count == 0);
}

TEST_CASE("grant: a guest that overwrites its grant PTE drops its references once", "[grant]") {
    GrantFixture f;
    f.grant(5);
    const auto before = f.snapshot();
    auto op = f.map(5, k_host);
    REQUIRE(op.status == st(GS::okay));
    // The PV MMU drops the entry's references like any L1 entry's.
    REQUIRE(f.mmu.normal_update(f.dom1, f.dom1, MmuFixture::ptr(11, 1), 0, false));
    CHECK(f.info(k_granted).ref_count == 0);
    // As in Xen: the unmap no longer finds its entry; the grant stays pinned...
    CHECK(f.unmap(op.handle) == st(GS::general_error));
    CHECK(f.flags(5) == (k_permit | k_reading | k_writing));
    // ...until the domain goes, which drops nothing twice.
    f.grants.release_domain(f.dom1);
    CHECK(f.flags(5) == k_permit);
    CHECK(f.snapshot() == before);
}

TEST_CASE("grant: copy within a page, by reference and by frame", "[grant]") {
    GrantFixture f;
    f.grant(5);
    f.grant(6, 41, 1, true); // read-only
    auto* src = reinterpret_cast<uint8_t*>(f.memory.frames.at(13).data());
    auto* dst = reinterpret_cast<uint8_t*>(f.memory.frames.at(k_granted).data());
    for (unsigned i = 0; i < 4096; ++i) src[i] = static_cast<uint8_t>(i * 7);
    const auto before = f.snapshot();

    abi::GnttabCopy op{};
    op.source.u.gmfn = 13;
    op.source.domid = abi::k_domid_self;
    op.source.offset = 100;
    op.dest.u.ref = 5;
    op.dest.domid = 2;
    op.dest.offset = 3000;
    op.len = 1096; // exactly to the end of the destination page
    op.flags = abi::k_gntcopy_dest_gref;
    CHECK(f.grants.copy(f.dom1, op) == GS::okay);
    for (unsigned i = 0; i < 1096; ++i) REQUIRE(dst[3000 + i] == src[100 + i]);
    CHECK(dst[2999] == 0);
    CHECK(f.flags(5) == k_permit); // status bits only while copying
    CHECK(f.snapshot() == before);

    // Back out of the grant into the caller's frame, by reference as source.
    abi::GnttabCopy back{};
    back.source = op.dest;
    back.dest.u.gmfn = 14;
    back.dest.domid = abi::k_domid_self;
    back.len = 8;
    back.flags = abi::k_gntcopy_source_gref;
    CHECK(f.grants.copy(f.dom1, back) == GS::okay);
    CHECK(reinterpret_cast<uint8_t*>(f.memory.frames.at(14).data())[3] == src[103]);

    // A read-only grant may be a source, not a destination.
    abi::GnttabCopy ro = op;
    ro.dest.u.ref = 6;
    CHECK(f.grants.copy(f.dom1, ro) == GS::general_error);
    CHECK(f.flags(6) == (k_permit | abi::k_gtf_readonly));
    CHECK(f.snapshot() == before);
}

TEST_CASE("grant: copies that cross a page end or name the wrong things are refused", "[grant]") {
    GrantFixture f;
    f.grant(5);
    auto* dst = reinterpret_cast<uint8_t*>(f.memory.frames.at(k_granted).data());
    const auto before = f.snapshot();

    abi::GnttabCopy op{};
    op.source.u.gmfn = 13;
    op.source.domid = abi::k_domid_self;
    op.dest.u.ref = 5;
    op.dest.domid = 2;
    op.flags = abi::k_gntcopy_dest_gref;
    op.len = 8;

    auto with = [&](auto change) {
        abi::GnttabCopy c = op;
        change(c);
        return f.grants.copy(f.dom1, c);
    };
    CHECK(with([](abi::GnttabCopy& c) { c.dest.offset = 4090; }) == GS::bad_copy_arg);
    CHECK(with([](abi::GnttabCopy& c) { c.source.offset = 4089; }) == GS::bad_copy_arg);
    CHECK(with([](abi::GnttabCopy& c) { c.source.domid = 1; }) == GS::permission_denied); // frames: DOMID_SELF only
    CHECK(with([](abi::GnttabCopy& c) { c.dest.domid = 77; }) == GS::bad_domain);
    CHECK(with([](abi::GnttabCopy& c) { c.dest.u.ref = 600; }) == GS::bad_gntref);
    CHECK(with([](abi::GnttabCopy& c) { c.source.u.gmfn = 40; }) == GS::bad_page); // not the caller's
    CHECK(with([](abi::GnttabCopy& c) { c.dest.domid = 1; }) == GS::bad_gntref); // DomU 1 has no table frames
    f.grant(9, k_granted, 0);
    CHECK(with([](abi::GnttabCopy& c) { c.dest.u.ref = 9; }) == GS::general_error); // granted to Dom0
    CHECK(dst[0] == 0);
    CHECK(f.flags(5) == k_permit);
    CHECK(f.flags(9) == k_permit);
    CHECK(f.snapshot() == before);
}

TEST_CASE("grant: releasing a mapper with live mappings leaves every count at zero", "[grant]") {
    GrantFixture f;
    f.grant(1);
    f.grant(2);
    f.grant(3, 41);
    const auto before = f.snapshot();
    REQUIRE(f.map(1, k_host).status == st(GS::okay));
    REQUIRE(f.map(2, k_host | k_ro, k_map_va + 0x1000).status == st(GS::okay));
    REQUIRE(f.map(3, k_dev, 0).status == st(GS::okay));
    CHECK(f.info(k_granted).ref_count == 2);
    CHECK(f.info(41).ref_count == 1);

    const bool mmu_first = GENERATE(false, true);
    if (mmu_first) f.mmu.relinquish(f.dom1); // the page tables go first
    f.grants.release_domain(f.dom1);
    if (!mmu_first) f.mmu.relinquish(f.dom1);

    CHECK(f.info(k_granted).ref_count == 0);
    CHECK(f.info(k_granted).type_count == 0);
    CHECK(f.info(41).ref_count == 0);
    CHECK(f.info(41).type_count == 0);
    CHECK(f.flags(1) == k_permit);
    CHECK(f.flags(2) == k_permit);
    CHECK(f.flags(3) == k_permit);
    CHECK(f.t1.mappings_held() == 0);
    CHECK(f.t2.pinned_grants() == 0);
    CHECK(f.t1.idle());
    // DomU 1's own tables devalidated too: nothing anywhere holds a count
    // that was not there before the maps, except what relinquish released.
    for (uint64_t m = 32; m < 48; ++m) CHECK(std::get<1>(f.snapshot()[m]) == std::get<1>(before[m]));
}

TEST_CASE("grant: releasing a granter keeps mapped pages until their mappers unmap", "[grant]") {
    GrantFixture f;
    f.grant(5);
    auto op = f.map(5, k_host);
    REQUIRE(op.status == st(GS::okay));
    const uint64_t table_frame = f.t2.frame(0);
    const int freed = f.pool.freed;

    f.grants.release_domain(f.dom2);
    CHECK(f.t2.dying());
    CHECK_FALSE(f.t2.idle());
    CHECK(f.t2.nr_frames() == 1); // the unmap still writes its status bits
    f.grant(6);
    CHECK(f.map(6, k_host, k_map_va + 0x1000).status == st(GS::bad_domain));
    // The domain destroyer gives its frames back; the mapped one survives.
    REQUIRE(f.mmu.release_frame(f.dom2, k_granted));
    CHECK(f.pool.freed == freed);

    CHECK(f.unmap(op.handle) == st(GS::okay));
    CHECK(f.t2.idle());
    CHECK(f.pool.freed == freed + 2); // the granted frame and the table frame
    CHECK(f.info(k_granted).owner == k_owner_free);
    CHECK(f.info(table_frame).owner == k_owner_free);
}

TEST_CASE("grant: table frames are the granter's, mappable, never retyped, freed on release", "[grant]") {
    GrantFixture f;
    const uint64_t frame = f.t2.frame(0);
    CHECK(f.info(frame).owner == 2);
    CHECK(f.info(frame).type == FrameType::writable);
    CHECK(f.info(frame).ref_count == 1);
    // The granter maps it writable in its own tables...
    CHECK(f.mmu.types().get_l1e(entry(frame, pte::present | pte::rw), f.dom2, f.dom2, nullptr));
    f.mmu.types().put_l1e(entry(frame, pte::present | pte::rw));
    // ...but cannot make it a page table, and no one else can map it.
    CHECK_FALSE(f.mmu.pin(f.dom2, frame, FrameType::l1));
    CHECK_FALSE(f.mmu.types().get_l1e(entry(frame), f.dom1, f.dom1, nullptr));
    CHECK(f.grants.grow(f.t2, 3) == GS::general_error); // max 2 frames here
    CHECK(f.grants.grow(f.t2, 2) == GS::okay);
    CHECK(f.t2.nr_frames() == 2);
    const int freed = f.pool.freed;
    f.grants.release_domain(f.dom2);
    CHECK(f.pool.freed == freed + 2);
    CHECK(f.t2.idle());
}
