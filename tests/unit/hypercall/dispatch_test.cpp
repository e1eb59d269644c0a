// The hypercall table and dispatch_hypercall, with fake handlers: bounds
// checks, empty slots, argument masking and top-level continuations.
#include "core/hypercall/continuation.hpp"
#include "core/hypercall/hypercall_table.hpp"
#include "core/hypercall/multicall.hpp"
#include "include/public/hypercall.hpp"

namespace {
constexpr long k_enosys = -static_cast<long>(pv::Errno::enosys);
constexpr long k_eperm = -static_cast<long>(pv::Errno::eperm);
constexpr long k_efault = -static_cast<long>(pv::Errno::efault);
constexpr long k_erestart = -static_cast<long>(pv::Errno::erestart);
} // namespace

// The fake pulls in standard headers that define errno macros: after the constants.
#include "tests/unit/hypercall/fake_guest_memory.hpp"
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace pv;
using abi::Hypercall;
using pv::test::FakeGuestMemory;

namespace {

struct Recorder {
    int calls = 0;
    HypercallArgs last;
    HypercallContext* ctx = nullptr;
    std::vector<uint64_t> processed;
};
Recorder g_rec;

long echo_handler(HypercallContext& ctx, const HypercallArgs& args) {
    ++g_rec.calls;
    g_rec.last = args;
    g_rec.ctx = &ctx;
    return static_cast<long>(args.raw(0));
}

long fail_handler(HypercallContext&, const HypercallArgs&) {
    ++g_rec.calls;
    return k_eperm;
}

// A batch: (GuestHandle<uint64_t> items, unsigned count). One item per unit
// of work, the preemption check after each, as an mmu_update would.
long batch_handler(HypercallContext& ctx, const HypercallArgs& args) {
    const auto items = args.handle<const uint64_t>(0);
    const auto count = args.as<uint32_t>(1);
    for (uint32_t i = 0; i < count; ++i) {
        uint64_t item = 0;
        if (!copy_from_guest(ctx.guest, items.offset(i), item)) return k_efault;
        g_rec.processed.push_back(item);
        if (i + 1 < count && ctx.preempt_requested()) {
            HypercallArgs next = args;
            next.set(0, items.offset(i + 1));
            next.set(1, count - (i + 1));
            return hypercall_continuation(ctx, next);
        }
    }
    return 0;
}

// Asks for a continuation and then forgets it: a bug dispatch must contain.
long stale_continuation_handler(HypercallContext& ctx, const HypercallArgs& args) {
    HypercallArgs next = args;
    next.set(0, uint64_t{999});
    (void)hypercall_continuation(ctx, next);
    return 5;
}

long plain_restart_handler(HypercallContext&, const HypercallArgs&) {
    return k_hypercall_restart;
}

constexpr HypercallTable k_table{{
    {Hypercall::console_io, "console_io", echo_handler, 2},
    {Hypercall::sched_op, "sched_op", fail_handler, 2},
    {Hypercall::mmu_update, "mmu_update", batch_handler, 4},
    {Hypercall::set_trap_table, "set_trap_table", echo_handler, 6},
    {Hypercall::vm_assist, "vm_assist", stale_continuation_handler, 2},
    {Hypercall::physdev_op, "physdev_op", plain_restart_handler, 2},
    {Hypercall::arch_7, "arch_7", echo_handler, 1},
    k_multicall_entry,
}};
static_assert(k_table.valid());
static_assert(k_table.lookup(64) == nullptr);
static_assert(k_table.lookup(11) == nullptr);
static_assert(k_table.lookup(abi::raw(Hypercall::multicall))->arg_count == 2);

bool always_preempt(void*) {
    return true;
}

struct Fixture {
    Fixture() { g_rec = Recorder{}; }
    FakeGuestMemory mem{0x10000, 2};
    HypercallContext ctx{k_table, mem};
};

} // namespace

TEST_CASE_METHOD(Fixture, "dispatch: valid numbers reach their handler", "[hypercall]") {
    HypercallArgs args(abi::raw(Hypercall::console_io), 42, 2);
    CHECK(dispatch_hypercall(ctx, args) == 42);
    CHECK(g_rec.calls == 1);
    CHECK(g_rec.ctx == &ctx);
    CHECK(g_rec.last.number() == abi::raw(Hypercall::console_io));

    HypercallArgs fail(abi::raw(Hypercall::sched_op));
    CHECK(dispatch_hypercall(ctx, fail) == k_eperm);

    HypercallArgs last_slot(abi::raw(Hypercall::arch_7), 63);
    CHECK(dispatch_hypercall(ctx, last_slot) == 63);
    CHECK(g_rec.calls == 3);
}

TEST_CASE_METHOD(Fixture, "dispatch: empty slots and out-of-range numbers are -ENOSYS",
                 "[hypercall]") {
    const uint64_t numbers[] = {
        11,                               // unassigned in Xen's numbering
        abi::raw(Hypercall::xen_version), // assigned, but no handler in this table
        43,
        47,
        56, // unassigned and spare
        64, // first beyond the table
        uint64_t{1} << 40,
        ~uint64_t{0}, // -1
        static_cast<uint64_t>(-static_cast<int64_t>(abi::raw(Hypercall::console_io))),
        (uint64_t{1} << 32) | abi::raw(Hypercall::console_io), // junk in the upper half
        uint64_t{1} << 63,
    };
    for (uint64_t n : numbers) {
        INFO("number " << n);
        HypercallArgs args(n, 1, 2, 3, 4, 5, 6);
        CHECK(dispatch_hypercall(ctx, args) == k_enosys);
        CHECK(args == HypercallArgs(n, 1, 2, 3, 4, 5, 6));
    }
    CHECK(g_rec.calls == 0);
}

TEST_CASE_METHOD(Fixture, "dispatch: handlers see only their declared arguments", "[hypercall]") {
    HypercallArgs args(abi::raw(Hypercall::console_io), 1, 2, 3, 4, 5, 6);
    const HypercallArgs before = args;
    CHECK(dispatch_hypercall(ctx, args) == 1);
    CHECK(g_rec.last.raw(0) == 1);
    CHECK(g_rec.last.raw(1) == 2);
    for (unsigned i = 2; i < 6; ++i)
        CHECK(g_rec.last.raw(i) == 0);
    CHECK(args == before); // the caller's view is unchanged without a restart

    HypercallArgs six(abi::raw(Hypercall::set_trap_table), 1, 2, 3, 4, 5, 6);
    (void)dispatch_hypercall(ctx, six);
    CHECK(g_rec.last.raw(5) == 6);
}

TEST_CASE("HypercallTable: bad entries make the table invalid", "[hypercall]") {
    HypercallTable empty;
    CHECK(empty.valid());
    CHECK(empty.lookup(0) == nullptr);

    HypercallTable t;
    CHECK(t.add({Hypercall::console_io, "console_io", echo_handler, 2}));
    CHECK(t.valid());
    CHECK(std::string(t.name(abi::raw(Hypercall::console_io))) == "console_io");
    CHECK(t.name(64) == nullptr);

    SECTION("duplicate") {
        CHECK_FALSE(t.add({Hypercall::console_io, "again", fail_handler, 2}));
        CHECK_FALSE(t.valid());
        CHECK(t.lookup(abi::raw(Hypercall::console_io))->handler == echo_handler); // first one kept
    }
    SECTION("number beyond the table") {
        CHECK_FALSE(t.add({static_cast<Hypercall>(64), "x", echo_handler, 0}));
        CHECK_FALSE(t.valid());
    }
    SECTION("more than six arguments") {
        CHECK_FALSE(t.add({Hypercall::sched_op, "x", echo_handler, 7}));
        CHECK_FALSE(t.valid());
        CHECK(t.lookup(abi::raw(Hypercall::sched_op)) == nullptr);
    }
    SECTION("a null handler is an empty slot") {
        CHECK(t.add({Hypercall::sched_op, "x", nullptr, 0}));
        FakeGuestMemory mem(0x1000, 1);
        HypercallContext ctx(t, mem);
        HypercallArgs args(abi::raw(Hypercall::sched_op));
        CHECK(dispatch_hypercall(ctx, args) == k_enosys);
    }
    constexpr HypercallTable dup{
        {{Hypercall::iret, "iret", echo_handler, 0}, {Hypercall::iret, "iret", echo_handler, 0}}};
    static_assert(!dup.valid());
}

TEST_CASE_METHOD(Fixture, "continuation: a preempted batch resumes with the rest", "[hypercall]") {
    const uint64_t items = mem.base();
    for (uint64_t i = 0; i < 5; ++i)
        mem.put<uint64_t>(items + 8 * i, 100 + i);
    ctx.should_preempt = always_preempt;

    HypercallArgs args(abi::raw(Hypercall::mmu_update), items, 5, 0xaa, 0xbb);
    int entries = 0;
    long rc;
    do {
        rc = dispatch_hypercall(ctx, args);
        ++entries;
        if (rc == k_hypercall_restart) {
            // What the arch code writes back into the registers.
            CHECK(args.number() == abi::raw(Hypercall::mmu_update));
            CHECK(args.raw(0) == items + 8 * static_cast<uint64_t>(entries));
            CHECK(args.as<uint32_t>(1) == 5u - static_cast<uint32_t>(entries));
            CHECK(args.raw(2) == 0xaa); // untouched arguments survive
            CHECK_FALSE(ctx.continuation_pending);
        }
        REQUIRE(entries <= 5);
    } while (rc == k_hypercall_restart);

    CHECK(rc == 0);
    CHECK(entries == 5);
    CHECK(g_rec.processed == std::vector<uint64_t>{100, 101, 102, 103, 104});
    CHECK(k_hypercall_restart == k_erestart);
}

TEST_CASE_METHOD(Fixture, "continuation: without preemption the batch runs in one go",
                 "[hypercall]") {
    for (uint64_t i = 0; i < 3; ++i)
        mem.put<uint64_t>(mem.base() + 8 * i, i);
    HypercallArgs args(abi::raw(Hypercall::mmu_update), mem.base(), 3);
    CHECK(dispatch_hypercall(ctx, args) == 0);
    CHECK(g_rec.processed.size() == 3);
}

TEST_CASE_METHOD(Fixture, "continuation: stale or argument-less restarts", "[hypercall]") {
    SECTION("a continuation not returned is dropped") {
        HypercallArgs args(abi::raw(Hypercall::vm_assist), 1, 2);
        CHECK(dispatch_hypercall(ctx, args) == 5);
        CHECK(args == HypercallArgs(abi::raw(Hypercall::vm_assist), 1, 2));
        CHECK_FALSE(ctx.continuation_pending);
    }
    SECTION("a bare restart re-enters with unchanged arguments") {
        HypercallArgs args(abi::raw(Hypercall::physdev_op), 1, 2, 3);
        CHECK(dispatch_hypercall(ctx, args) == k_hypercall_restart);
        CHECK(args == HypercallArgs(abi::raw(Hypercall::physdev_op), 1, 2, 3));
    }
}
