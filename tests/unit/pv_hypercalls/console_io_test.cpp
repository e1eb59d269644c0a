// console_io: write in chunks with continuations, read for the privileged
// domain only, hostile buffers and counts, unknown commands.
#include "include/public/console_io.hpp"
#include "tests/unit/pv_hypercalls/pv_errors.hpp"

#include "tests/unit/pv_hypercalls/pv_fixture.hpp"
#include <catch2/catch.hpp>

#include <string>

using namespace pv;
using namespace pv::test;

namespace {

constexpr uint64_t k_console = abi::raw(abi::Hypercall::console_io);
constexpr uint64_t k_write = abi::raw(abi::ConsoleIoOp::write);
constexpr uint64_t k_read = abi::raw(abi::ConsoleIoOp::read);

void put_text(PvFixture& f, uint64_t va, const std::string& s) {
    for (size_t i = 0; i < s.size(); ++i)
        f.mem.put<char>(va + i, s[i]);
}

std::string pattern(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i)
        s.push_back(static_cast<char>('a' + i % 26));
    return s;
}

} // namespace

TEST_CASE("console_io write prints the guest's bytes", "[pv_hypercalls]") {
    PvFixture f;
    put_text(f, f.at(0x100), "hello\n");
    CHECK(f.call(k_console, k_write, 6, f.at(0x100)) == 0);
    CHECK(f.services.output == "hello\n");

    SECTION("bytes are passed on unfiltered, NULs included") {
        f.mem.put<char>(f.at(0x200), 'x');
        f.mem.put<char>(f.at(0x201), '\0');
        f.mem.put<char>(f.at(0x202), 'y');
        CHECK(f.call(k_console, k_write, 3, f.at(0x200)) == 0);
        CHECK(f.services.output == std::string("hello\nx\0y", 9));
    }
    SECTION("count 0 writes nothing, whatever the buffer") {
        CHECK(f.call(k_console, k_write, 0, 0) == 0);
        CHECK(f.call(k_console, k_write, 0, k_hv_address) == 0);
        CHECK(f.services.chunks.size() == 1);
    }
    SECTION("count is an unsigned int: upper bits ignored") {
        CHECK(f.call(k_console, k_write, 0x1'0000'0002ull, f.at(0x100)) == 0);
        CHECK(f.services.output == "hello\nhe");
    }
    SECTION("an unprivileged domain may write") {
        CHECK_FALSE(f.domain.privileged());
    }
}

TEST_CASE("console_io write copies in 128-byte chunks", "[pv_hypercalls]") {
    PvFixture f;
    const std::string text = pattern(300);
    put_text(f, f.at(0), text);
    CHECK(f.call(k_console, k_write, 300, f.at(0)) == 0);
    CHECK(f.services.output == text);
    CHECK(f.services.chunks == std::vector<size_t>{128, 128, 44});
}

TEST_CASE("console_io write resumes through continuations when preempted", "[pv_hypercalls]") {
    PvFixture f;
    f.always_preempt();
    const std::string text = pattern(1000);
    put_text(f, f.at(0x10), text);

    // First entry: one chunk, then a continuation naming the rest.
    CHECK(f.call(k_console, k_write, 1000, f.at(0x10)) == k_hypercall_restart);
    CHECK(f.services.output == text.substr(0, 128));
    CHECK(f.last == HypercallArgs(k_console, k_write, 1000 - 128, f.at(0x10 + 128)));

    long rc = k_hypercall_restart;
    int entries = 1;
    while (rc == k_hypercall_restart) {
        rc = f.resume();
        ++entries;
    }
    CHECK(rc == 0);
    CHECK(entries == 8); // ceil(1000 / 128)
    CHECK(f.services.output == text);
}

TEST_CASE("console_io write refuses hostile buffers", "[pv_hypercalls]") {
    PvFixture f;
    SECTION("unmapped") {
        CHECK(f.call(k_console, k_write, 4, 0x1000) == k_efault);
    }
    SECTION("hypervisor range") {
        CHECK(f.call(k_console, k_write, 4, k_hv_address) == k_efault);
    }
    SECTION("non-canonical") {
        CHECK(f.call(k_console, k_write, 4, k_noncanonical) == k_efault);
    }
    SECTION("running into an unmapped page") {
        f.mem.set_page(f.at(FakeGuestMemory::k_page), FakeGuestMemory::Page::unmapped);
        CHECK(f.call(k_console, k_write, 100, f.at(FakeGuestMemory::k_page - 10)) == k_efault);
    }
    SECTION("wrapping past the top of the address space") {
        CHECK(f.call(k_console, k_write, 0x100, 0xffff'ffff'ffff'ff80) == k_efault);
    }
    SECTION("a huge count stops at the first unmapped byte") {
        put_text(f, f.at(0), pattern(k_guest_pages * FakeGuestMemory::k_page));
        CHECK(f.call(k_console, k_write, 0xffff'ffff, f.at(0)) == k_efault);
        CHECK(f.services.output.size() == k_guest_pages * FakeGuestMemory::k_page);
    }
    CHECK(f.services.output.empty() == (f.services.chunks.empty()));
}

TEST_CASE("console_io read is for the privileged domain", "[pv_hypercalls]") {
    SECTION("unprivileged: -EPERM, input untouched") {
        PvFixture f(false);
        f.services.input = "abc";
        CHECK(f.call(k_console, k_read, 10, f.at(0)) == k_eperm);
        CHECK(f.services.input == "abc");
        CHECK(f.mem.get<char>(f.at(0)) == 0);
    }
    SECTION("privileged: returns the bytes read") {
        PvFixture f(true);
        f.services.input = "abc";
        CHECK(f.call(k_console, k_read, 10, f.at(0x20)) == 3);
        CHECK(f.mem.get<char>(f.at(0x20)) == 'a');
        CHECK(f.mem.get<char>(f.at(0x22)) == 'c');
        CHECK(f.services.input.empty());
        CHECK(f.call(k_console, k_read, 10, f.at(0x20)) == 0);
    }
    SECTION("privileged: at most count bytes") {
        PvFixture f(true);
        f.services.input = "abcdef";
        CHECK(f.call(k_console, k_read, 2, f.at(0)) == 2);
        CHECK(f.services.input == "cdef");
        CHECK(f.mem.get<char>(f.at(2)) == 0);
    }
    SECTION("privileged: more than one chunk") {
        PvFixture f(true);
        f.services.input = pattern(300);
        CHECK(f.call(k_console, k_read, 1000, f.at(0)) == 300);
        CHECK(f.mem.get<char>(f.at(299)) == pattern(300)[299]);
    }
    SECTION("privileged: a faulting buffer loses no input") {
        PvFixture f(true);
        f.services.input = "abc";
        CHECK(f.call(k_console, k_read, 3, k_hv_address) == k_efault);
        f.mem.set_page(f.at(0), FakeGuestMemory::Page::read_only);
        CHECK(f.call(k_console, k_read, 3, f.at(0)) == k_efault);
        CHECK(f.services.input == "abc");
    }
    SECTION("privileged: counts that would look negative are -E2BIG") {
        PvFixture f(true);
        f.services.input = "abc";
        CHECK(f.call(k_console, k_read, 0x8000'0000, f.at(0)) == k_e2big);
        CHECK(f.call(k_console, k_read, 0xffff'ffff, f.at(0)) == k_e2big);
        CHECK(f.services.input == "abc");
    }
}

TEST_CASE("console_io unknown commands", "[pv_hypercalls]") {
    PvFixture unpriv(false), priv(true);
    for (uint64_t cmd : {2ull, 3ull, 0xffff'ffffull}) {
        CHECK(unpriv.call(k_console, cmd, 1, unpriv.at(0)) == k_eperm);
        CHECK(priv.call(k_console, cmd, 1, priv.at(0)) == k_enosys);
    }
    // cmd is an unsigned int: 2^32 + write is a write.
    CHECK(unpriv.call(k_console, 0x1'0000'0000ull, 0, 0) == 0);
}
