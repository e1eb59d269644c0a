// do_multicall: results written back per entry, hostile lists, nesting,
// iret, and preemption that resumes exactly where it stopped.
#include "core/hypercall/continuation.hpp"
#include "core/hypercall/hypercall_table.hpp"
#include "core/hypercall/multicall.hpp"
#include "include/public/hypercall.hpp"
#include "include/public/multicall.hpp"

namespace {
constexpr long k_enosys = -static_cast<long>(pv::Errno::enosys);
constexpr long k_eperm = -static_cast<long>(pv::Errno::eperm);
constexpr long k_efault = -static_cast<long>(pv::Errno::efault);
constexpr long k_einval = -static_cast<long>(pv::Errno::einval);
} // namespace

// The fake pulls in standard headers that define errno macros: after the constants.
#include "tests/unit/hypercall/fake_guest_memory.hpp"
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

using namespace pv;
using abi::Hypercall;
using abi::MulticallEntry;
using pv::test::FakeGuestMemory;

namespace {

constexpr uint64_t k_base = 0x0000'0000'0080'0000;
constexpr uint64_t k_page = FakeGuestMemory::k_page;
constexpr long k_iret_rax = 0x1234;

std::vector<uint64_t> g_log; // every unit of work, in execution order

// args[0] is a tag to log, args[1] the result to return.
long record_handler(HypercallContext&, const HypercallArgs& args) {
    g_log.push_back(args.raw(0));
    return static_cast<long>(args.raw(1));
}

long fail_handler(HypercallContext&, const HypercallArgs& args) {
    g_log.push_back(args.raw(0));
    return k_eperm;
}

// The iret stand-in: the guest frame is replaced; rax comes from it.
long iret_handler(HypercallContext&, const HypercallArgs&) {
    g_log.push_back(0x1e7);
    return k_iret_rax;
}

// A batch of guest items (handle, count), one per unit of work, preemptible
// after each as a real batch hypercall would be.
long batch_handler(HypercallContext& ctx, const HypercallArgs& args) {
    const auto items = args.handle<const uint64_t>(0);
    const auto count = args.as<uint32_t>(1);
    for (uint32_t i = 0; i < count; ++i) {
        uint64_t item = 0;
        if (!copy_from_guest(ctx.guest, items.offset(i), item)) return k_efault;
        g_log.push_back(item);
        if (i + 1 < count && ctx.preempt_requested()) {
            HypercallArgs next = args;
            next.set(0, items.offset(i + 1));
            next.set(1, count - (i + 1));
            return hypercall_continuation(ctx, next);
        }
    }
    return 0;
}

constexpr uint64_t k_record = abi::raw(Hypercall::console_io);
constexpr uint64_t k_fail = abi::raw(Hypercall::sched_op);
constexpr uint64_t k_batch = abi::raw(Hypercall::mmu_update);
constexpr uint64_t k_iret = abi::raw(Hypercall::iret);
constexpr uint64_t k_multicall = abi::raw(Hypercall::multicall);

constexpr HypercallTable k_table{{
    {Hypercall::console_io, "console_io", record_handler, 2},
    {Hypercall::sched_op, "sched_op", fail_handler, 2},
    {Hypercall::mmu_update, "mmu_update", batch_handler, 4},
    {Hypercall::iret, "iret", iret_handler, 0},
    k_multicall_entry,
}};
static_assert(k_table.valid());

// Preempts on every ask after the first `free_asks`.
struct Preempter {
    int free_asks = 0;
    int asks = 0;
    static bool ask(void* cookie) {
        auto* p = static_cast<Preempter*>(cookie);
        return ++p->asks > p->free_asks;
    }
};

MulticallEntry entry(uint64_t op, uint64_t a0 = 0, uint64_t a1 = 0) {
    MulticallEntry e{};
    e.op = op;
    e.result = 0x5a5a'5a5a'5a5a'5a5a; // must be overwritten
    e.args[0] = a0;
    e.args[1] = a1;
    return e;
}

struct Fixture {
    Fixture() { g_log.clear(); }

    // The list at `list`, entries one after another.
    void put_list(const std::vector<MulticallEntry>& entries) {
        for (size_t i = 0; i < entries.size(); ++i)
            mem.put(list + i * sizeof(MulticallEntry), entries[i]);
    }
    MulticallEntry at(size_t i) const {
        return mem.get<MulticallEntry>(list + i * sizeof(MulticallEntry));
    }
    uint64_t result(size_t i) const { return at(i).result; }

    long multicall(uint64_t calls, uint64_t count) {
        HypercallArgs args(k_multicall, calls, count);
        return dispatch_hypercall(ctx, args);
    }

    // Dispatches until the batch finishes, as a guest re-executing the
    // hypercall instruction would; counts the entries into the hypervisor.
    long run_to_completion(HypercallArgs& args, int& entries, int limit = 1000) {
        long rc;
        entries = 0;
        do {
            rc = dispatch_hypercall(ctx, args);
            ++entries;
        } while (rc == k_hypercall_restart && entries < limit);
        return rc;
    }

    FakeGuestMemory mem{k_base, 4}; // pages: writable, writable, unmapped, read-only
    uint64_t list = k_base + 0x100;
    uint64_t items = k_base + k_page; // second page
    HypercallContext ctx{k_table, mem};

    Fixture(const Fixture&) = delete;
};

struct HoleyFixture : Fixture {
    HoleyFixture() {
        mem.set_page(k_base + 2 * k_page, FakeGuestMemory::Page::unmapped);
        mem.set_page(k_base + 3 * k_page, FakeGuestMemory::Page::read_only);
    }
};

} // namespace

TEST_CASE_METHOD(HoleyFixture, "multicall: each entry's result is written back", "[hypercall]") {
    put_list({entry(k_record, 1, 10), entry(k_record, 2, static_cast<uint64_t>(-3L)),
              entry(k_record, 3, 0)});
    CHECK(multicall(list, 3) == 0);
    CHECK(g_log == std::vector<uint64_t>{1, 2, 3});
    CHECK(result(0) == 10);
    CHECK(static_cast<long>(result(1)) == -3);
    CHECK(result(2) == 0);
    // Only the result field is written: op and arguments are as the guest left them.
    CHECK(at(1).op == k_record);
    CHECK(at(1).args[0] == 2);
    CHECK_FALSE(ctx.in_multicall);
}

TEST_CASE_METHOD(HoleyFixture, "multicall: a failing entry does not stop the others",
                 "[hypercall]") {
    put_list({entry(k_record, 1, 1), entry(k_fail, 2), entry(k_record, 3, 3), entry(99),
              entry(uint64_t{1} << 40), entry(~uint64_t{0}), entry(11), entry(k_record, 4, 4)});
    CHECK(multicall(list, 8) == 0);
    CHECK(g_log == std::vector<uint64_t>{1, 2, 3, 4});
    CHECK(static_cast<long>(result(1)) == k_eperm);
    CHECK(result(2) == 3);
    for (size_t i = 3; i <= 6; ++i)
        CHECK(static_cast<long>(result(i)) == k_enosys);
    CHECK(result(7) == 4);
}

TEST_CASE_METHOD(HoleyFixture, "multicall: zero entries and the unsigned int count",
                 "[hypercall]") {
    put_list({entry(k_record, 1), entry(k_record, 2), entry(k_record, 3)});
    CHECK(multicall(list, 0) == 0);
    CHECK(multicall(0, 0) == 0);
    CHECK(multicall(list, uint64_t{1} << 32) == 0); // nr_calls is 32 bits: this is 0
    CHECK(g_log.empty());
    CHECK(multicall(list, (uint64_t{1} << 32) | 2) == 0);
    CHECK(g_log == std::vector<uint64_t>{1, 2});
}

TEST_CASE_METHOD(HoleyFixture, "multicall: bad list pointers are -EFAULT", "[hypercall]") {
    put_list({entry(k_record, 1)});
    const uint64_t bad[] = {
        0,                               // null
        k_base + 2 * k_page,             // unmapped
        k_base + 2 * k_page - 32,        // entry straddles into the unmapped page
        abi::k_hypervisor_virt_start,    // hypervisor
        abi::k_hypervisor_virt_end - 64, // last entry-sized piece of it
        0x0000'8000'0000'0000,           // non-canonical
        0xffff'ffff'ffff'ffe0,           // wraps
    };
    for (uint64_t calls : bad) {
        INFO("calls 0x" << std::hex << calls);
        CHECK(multicall(calls, 1) == k_efault);
    }
    CHECK(g_log.empty());
    CHECK_FALSE(ctx.in_multicall);
}

TEST_CASE_METHOD(HoleyFixture, "multicall: a read-only list faults on the first result",
                 "[hypercall]") {
    const uint64_t ro_list = k_base + 3 * k_page;
    mem.put(ro_list, entry(k_record, 1));
    mem.put(ro_list + 64, entry(k_record, 2));
    CHECK(multicall(ro_list, 2) == k_efault);
    CHECK(g_log == std::vector<uint64_t>{1}); // ran, but the batch stops at the failed write
}

TEST_CASE_METHOD(HoleyFixture, "multicall: huge counts end, with bad or good pointers",
                 "[hypercall]") {
    SECTION("the whole array must be plausible before anything runs") {
        put_list({entry(k_record, 1)});
        // 2^32 - 1 entries from the top of the lower half run past 2^47.
        CHECK(multicall(0x0000'7fff'ffff'0000, 0xffff'ffff) == k_efault);
        // ... or into the hypervisor's range from just below it.
        CHECK(multicall(0xffff'7fff'ffff'0000, 0xffff'ffff) == k_efault);
        CHECK(multicall(0xffff'ffff'ffff'0000, 0xffff'ffff) == k_efault); // wraps
        CHECK(mem.reads == 0);
    }
    SECTION("an unmapped list stops at the first entry") {
        CHECK(multicall(k_base + 2 * k_page, 0xffff'ffff) == k_efault);
        CHECK(mem.reads == 1);
    }
    SECTION("a good list followed by a hole stops at the hole") {
        const uint64_t tail = k_base + 2 * k_page - 3 * sizeof(MulticallEntry);
        for (uint64_t i = 0; i < 3; ++i)
            mem.put(tail + i * 64, entry(k_record, 10 + i));
        CHECK(multicall(tail, 0xffff'ffff) == k_efault);
        CHECK(g_log == std::vector<uint64_t>{10, 11, 12});
        CHECK(mem.reads == 4);
    }
}

TEST_CASE_METHOD(HoleyFixture, "multicall: a multicall inside a multicall is refused",
                 "[hypercall]") {
    put_list({entry(k_record, 1), entry(k_multicall, list, 3), entry(k_record, 2)});
    CHECK(multicall(list, 3) == 0);
    CHECK(g_log == std::vector<uint64_t>{1, 2}); // the inner batch ran nothing
    CHECK(static_cast<long>(result(1)) == k_einval);
    CHECK_FALSE(ctx.in_multicall);
    // And the flag is down again: a fresh multicall works.
    CHECK(multicall(list, 1) == 0);
}

TEST_CASE_METHOD(HoleyFixture, "multicall: iret ends the batch with its own result",
                 "[hypercall]") {
    put_list({entry(k_record, 1), entry(k_iret), entry(k_record, 2)});
    CHECK(multicall(list, 3) == k_iret_rax);
    CHECK(g_log == std::vector<uint64_t>{1, 0x1e7});
    CHECK(result(1) == static_cast<uint64_t>(k_iret_rax));
    CHECK(result(2) == 0x5a5a'5a5a'5a5a'5a5a);
}

TEST_CASE_METHOD(HoleyFixture, "multicall: preemption between entries resumes at the next one",
                 "[hypercall]") {
    constexpr uint64_t n = 7;
    std::vector<MulticallEntry> entries;
    for (uint64_t i = 0; i < n; ++i)
        entries.push_back(entry(k_record, i, 100 + i));
    put_list(entries);

    Preempter preempter;
    ctx.should_preempt = Preempter::ask;
    ctx.preempt_cookie = &preempter;

    SECTION("always preempting still runs one entry per entry into the hypervisor") {
        HypercallArgs args(k_multicall, list, n);
        // First entry: entry 0 runs, the check before entry 1 stops the batch.
        CHECK(dispatch_hypercall(ctx, args) == k_hypercall_restart);
        CHECK(g_log == std::vector<uint64_t>{0});
        CHECK(args.number() == k_multicall);
        CHECK(args.raw(0) == list + sizeof(MulticallEntry));
        CHECK(args.as<uint32_t>(1) == n - 1);
        CHECK_FALSE(ctx.in_multicall);

        int entries_in = 0;
        CHECK(run_to_completion(args, entries_in) == 0);
        CHECK(entries_in == static_cast<int>(n) - 1);
    }
    SECTION("preempting every few entries") {
        preempter.free_asks = 2;
        HypercallArgs args(k_multicall, list, n);
        int entries_in = 0;
        CHECK(run_to_completion(args, entries_in) == 0);
        CHECK(entries_in > 1);
    }
    // Every entry ran exactly once, in order, and has its result.
    CHECK(g_log == std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6});
    for (uint64_t i = 0; i < n; ++i)
        CHECK(result(i) == 100 + i);
}

TEST_CASE_METHOD(HoleyFixture, "multicall: a preempted entry is saved in place and resumed",
                 "[hypercall]") {
    for (uint64_t i = 0; i < 5; ++i)
        mem.put<uint64_t>(items + 8 * i, 200 + i);
    put_list({entry(k_record, 1), entry(k_batch, items, 5), entry(k_record, 2)});

    Preempter preempter; // preempts on every ask
    ctx.should_preempt = Preempter::ask;
    ctx.preempt_cookie = &preempter;

    HypercallArgs args(k_multicall, list, 3);
    CHECK(dispatch_hypercall(ctx, args) == k_hypercall_restart); // entry 0, then preempted
    CHECK(dispatch_hypercall(ctx, args) == k_hypercall_restart); // first item of entry 1
    // The batch entry's own progress lives in the guest's list...
    CHECK(at(1).op == k_batch);
    CHECK(at(1).args[0] == items + 8);
    CHECK(at(1).args[1] == 4);
    // ... and the multicall resumes at that entry.
    CHECK(args.raw(0) == list + sizeof(MulticallEntry));
    CHECK(args.as<uint32_t>(1) == 2);

    int entries_in = 0;
    CHECK(run_to_completion(args, entries_in) == 0);
    CHECK(entries_in == 5); // items 2..5 of entry 1, then the check before entry 2, then entry 2
    CHECK(g_log == std::vector<uint64_t>{1, 200, 201, 202, 203, 204, 2});
    CHECK(result(0) == 0);
    CHECK(result(1) == 0);
    CHECK(result(2) == 0);
}

TEST_CASE_METHOD(HoleyFixture, "multicall: without a preemption callback the batch runs whole",
                 "[hypercall]") {
    for (uint64_t i = 0; i < 4; ++i)
        mem.put<uint64_t>(items + 8 * i, 300 + i);
    put_list({entry(k_batch, items, 4), entry(k_record, 9)});
    CHECK(multicall(list, 2) == 0);
    CHECK(g_log == std::vector<uint64_t>{300, 301, 302, 303, 9});
}
