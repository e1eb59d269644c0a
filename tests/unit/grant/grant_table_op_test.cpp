// grant_table_op through the PV hypercall table: the single-op commands,
// batches with per-op status, preemption, and guest-pointer faults.
#include "core/grant/grant_table_op.hpp"
#include "include/public/errno.hpp"

constexpr auto k_einval = pv::Errno::einval;
namespace {
constexpr long err(pv::Errno e) {
    return -static_cast<long>(e);
}
constexpr long k_rc_einval = err(pv::Errno::einval);
constexpr long k_rc_enosys = err(pv::Errno::enosys);
constexpr long k_rc_esrch = err(pv::Errno::esrch);
constexpr long k_rc_eperm = err(pv::Errno::eperm);
constexpr long k_rc_efault = err(pv::Errno::efault);
} // namespace

#include "tests/unit/grant/grant_fixture.hpp"

#include <catch2/catch.hpp>

#include <array>

using namespace pv;
using namespace pv::test;
using GS = abi::GrantStatus;
using abi::GnttabOp;
using abi::Hypercall;

namespace {

constexpr uint64_t k_ops = k_guest_base + 0x1000;
constexpr uint64_t k_list = k_guest_base + 0x3000;

long op(GrantFixture& f, GnttabOp cmd, uint64_t uop, uint64_t count) {
    return f.call(Hypercall::grant_table_op, abi::raw(cmd), uop, count);
}

} // namespace

TEST_CASE("grant_table_op: setup_table, query_size and versions", "[grant]") {
    GrantFixture f;
    f.use(f.dom2, f.vcpu1); // DomU 2's call (the vCPU only serves as a context)
    f.ctx.services = &f.gservices;

    abi::GnttabSetupTable setup{};
    setup.dom = abi::k_domid_self;
    setup.nr_frames = 2;
    setup.frame_list.address = k_list;
    f.guest.put(k_ops, setup);
    CHECK(op(f, GnttabOp::setup_table, k_ops, 1) == 0);
    CHECK(f.guest.get<abi::GnttabSetupTable>(k_ops).status == st(GS::okay));
    CHECK(f.guest.get<uint64_t>(k_list) == f.t2.frame(0));
    CHECK(f.guest.get<uint64_t>(k_list + 8) == f.t2.frame(1));
    CHECK(op(f, GnttabOp::setup_table, k_ops, 2) == k_rc_einval);

    setup.nr_frames = 3; // above the limit
    f.guest.put(k_ops, setup);
    CHECK(op(f, GnttabOp::setup_table, k_ops, 1) == 0);
    CHECK(f.guest.get<abi::GnttabSetupTable>(k_ops).status == st(GS::general_error));
    setup.dom = 1; // another domain, unprivileged
    setup.nr_frames = 1;
    f.guest.put(k_ops, setup);
    CHECK(op(f, GnttabOp::setup_table, k_ops, 1) == 0);
    CHECK(f.guest.get<abi::GnttabSetupTable>(k_ops).status == st(GS::permission_denied));
    setup.dom = 99;
    f.guest.put(k_ops, setup);
    CHECK(op(f, GnttabOp::setup_table, k_ops, 1) == 0);
    CHECK(f.guest.get<abi::GnttabSetupTable>(k_ops).status == st(GS::bad_domain));

    abi::GnttabQuerySize q{};
    q.dom = abi::k_domid_self;
    f.guest.put(k_ops, q);
    CHECK(op(f, GnttabOp::query_size, k_ops, 1) == 0);
    q = f.guest.get<abi::GnttabQuerySize>(k_ops);
    CHECK(q.status == st(GS::okay));
    CHECK(q.nr_frames == 2);
    CHECK(q.max_nr_frames == 2);

    abi::GnttabGetVersion gv{};
    gv.dom = abi::k_domid_self;
    f.guest.put(k_ops, gv);
    CHECK(op(f, GnttabOp::get_version, k_ops, 1) == 0);
    CHECK(f.guest.get<abi::GnttabGetVersion>(k_ops).version == 1);
    gv.dom = 99;
    f.guest.put(k_ops, gv);
    CHECK(op(f, GnttabOp::get_version, k_ops, 1) == k_rc_esrch);
    gv.dom = 0;
    f.guest.put(k_ops, gv);
    CHECK(op(f, GnttabOp::get_version, k_ops, 1) == k_rc_eperm);

    f.guest.put(k_ops, abi::GnttabSetVersion{2});
    CHECK(op(f, GnttabOp::set_version, k_ops, 1) == k_rc_enosys);
    CHECK(f.guest.get<abi::GnttabSetVersion>(k_ops).version == 1);
    f.guest.put(k_ops, abi::GnttabSetVersion{3});
    CHECK(op(f, GnttabOp::set_version, k_ops, 1) == k_rc_einval);
    f.guest.put(k_ops, abi::GnttabSetVersion{1});
    CHECK(op(f, GnttabOp::set_version, k_ops, 1) == 0);

    CHECK(op(f, GnttabOp::transfer, k_ops, 1) == k_rc_enosys);
    CHECK(f.call(Hypercall::grant_table_op, 0x1000 | abi::raw(GnttabOp::map_grant_ref), k_ops, 1) ==
          k_rc_einval);
    CHECK(op(f, GnttabOp::map_grant_ref, k_ops, 0x8000'0000) == k_rc_einval);
}

TEST_CASE("grant_table_op: a batch with a failing op in the middle reports per-op status", "[grant]") {
    GrantFixture f;
    f.grant(1);
    f.grant(2);
    std::array<abi::GnttabMapGrantRef, 3> maps{};
    for (unsigned i = 0; i < 3; ++i) {
        maps[i].host_addr = k_map_va + i * 0x1000;
        maps[i].flags = abi::k_gntmap_host_map;
        maps[i].dom = 2;
        maps[i].ref = i == 1 ? 700 : (i == 0 ? 1 : 2);
    }
    f.guest.put(k_ops, maps);
    CHECK(op(f, GnttabOp::map_grant_ref, k_ops, 3) == 0);
    const auto out = f.guest.get<decltype(maps)>(k_ops);
    CHECK(out[0].status == st(GS::okay));
    CHECK(out[1].status == st(GS::bad_gntref));
    CHECK(out[2].status == st(GS::okay));
    CHECK(out[2].handle == 1);
    CHECK(f.info(k_granted).ref_count == 2);

    std::array<abi::GnttabUnmapGrantRef, 3> unmaps{};
    auto unmap_op = [](uint64_t addr, uint32_t handle) {
        abi::GnttabUnmapGrantRef u{};
        u.host_addr = addr;
        u.handle = handle;
        return u;
    };
    unmaps[0] = unmap_op(k_map_va, out[0].handle);
    unmaps[1] = unmap_op(k_map_va, 3); // never mapped
    unmaps[2] = unmap_op(k_map_va + 0x2000, out[2].handle);
    f.guest.put(k_ops, unmaps);
    CHECK(op(f, GnttabOp::unmap_grant_ref, k_ops, 3) == 0);
    const auto back = f.guest.get<decltype(unmaps)>(k_ops);
    CHECK(back[0].status == st(GS::okay));
    CHECK(back[1].status == st(GS::bad_handle));
    CHECK(back[2].status == st(GS::okay));
    CHECK(f.info(k_granted).ref_count == 0);

    std::array<abi::GnttabCopy, 2> copies{};
    for (auto& c : copies) {
        c.source.u.gmfn = 13;
        c.source.domid = abi::k_domid_self;
        c.dest.u.ref = 1;
        c.dest.domid = 2;
        c.flags = abi::k_gntcopy_dest_gref;
        c.len = 16;
    }
    copies[0].dest.offset = 4090;
    f.guest.put(k_ops, copies);
    CHECK(op(f, GnttabOp::copy, k_ops, 2) == 0);
    const auto copied = f.guest.get<decltype(copies)>(k_ops);
    CHECK(copied[0].status == st(GS::bad_copy_arg));
    CHECK(copied[1].status == st(GS::okay));

    // An op array the guest cannot read.
    CHECK(op(f, GnttabOp::copy, k_guest_base + 8 * 4096 - 40, 2) == k_rc_efault);
}

TEST_CASE("grant_table_op: batches resume through continuations", "[grant]") {
    GrantFixture f;
    f.grant(1);
    std::array<abi::GnttabMapGrantRef, 3> maps{};
    for (unsigned i = 0; i < 3; ++i) {
        maps[i].host_addr = k_map_va + i * 0x1000;
        maps[i].flags = abi::k_gntmap_host_map | abi::k_gntmap_readonly;
        maps[i].dom = 2;
        maps[i].ref = 1;
    }
    f.guest.put(k_ops, maps);
    bool preempt = true;
    f.ctx.should_preempt = [](void* p) { return *static_cast<bool*>(p); };
    f.ctx.preempt_cookie = &preempt;

    CHECK(op(f, GnttabOp::map_grant_ref, k_ops, 3) == k_hypercall_restart);
    CHECK(f.last.raw(1) == k_ops + sizeof(abi::GnttabMapGrantRef));
    CHECK(f.last.raw(2) == 2);
    CHECK(f.info(k_granted).ref_count == 1); // one op done, one unit of progress
    preempt = false;
    CHECK(f.resume() == 0);
    const auto out = f.guest.get<decltype(maps)>(k_ops);
    for (const auto& m : out) CHECK(m.status == st(GS::okay));
    CHECK(f.info(k_granted).ref_count == 3);
}
