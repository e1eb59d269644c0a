// RSDP validation and the legacy BIOS-area scan.
#include "core/acpi/rsdp.hpp"

// <cerrno> (pulled in by the standard headers and Catch2) defines EINVAL &
// co. as macros: name the values before including them.
namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
constexpr pv::Errno k_ebadmsg = pv::Errno::ebadmsg;
constexpr pv::Errno k_enoent = pv::Errno::enoent;
} // namespace

#include "../boot/fake_phys_memory.hpp"
#include "acpi_builders.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::acpi;
using pv::test::Bytes;
using pv::test::FakePhysMemory;
using pv::test::make_rsdp;

TEST_CASE("rsdp: ACPI 1.0 structure", "[acpi][rsdp]") {
    Bytes b = make_rsdp(0, 0x7fe1234);
    auto r = parse_rsdp(b.data(), b.size());
    REQUIRE(r);
    CHECK(r->revision == 0);
    CHECK(r->rsdt_address == 0x7fe1234);
    CHECK(r->xsdt_address == 0);
    CHECK(std::string(r->oem_id) == "PVOEM!");
}

TEST_CASE("rsdp: ACPI 2.0 structure gives the XSDT", "[acpi][rsdp]") {
    Bytes b = make_rsdp(2, 0x7fe1234, 0x1'2345'6780);
    auto r = parse_rsdp(b.data(), b.size());
    REQUIRE(r);
    CHECK(r->revision == 2);
    CHECK(r->rsdt_address == 0x7fe1234);
    CHECK(r->xsdt_address == 0x1'2345'6780);
}

TEST_CASE("rsdp: a 20-byte copy of a revision 2 RSDP uses the RSDT only", "[acpi][rsdp]") {
    Bytes b = make_rsdp(2, 0x1000, 0x2000);
    auto r = parse_rsdp(b.data(), 20);
    REQUIRE(r);
    CHECK(r->revision == 2);
    CHECK(r->xsdt_address == 0);
}

TEST_CASE("rsdp: malformed structures are refused", "[acpi][rsdp]") {
    const char* reason = nullptr;
    SECTION("too short") {
        Bytes b = make_rsdp(0, 0x1000);
        CHECK(parse_rsdp(b.data(), 19, &reason).error() == k_einval);
        CHECK(parse_rsdp(nullptr, 0).error() == k_einval);
    }
    SECTION("wrong signature") {
        Bytes b = make_rsdp(0, 0x1000);
        b[0] = 'X';
        test::fix_checksum(b, 8, 20);
        CHECK(parse_rsdp(b.data(), b.size(), &reason).error() == k_einval);
    }
    SECTION("bad checksum of the first 20 bytes") {
        Bytes b = make_rsdp(0, 0x1000);
        b[16] ^= 0x40;
        CHECK(parse_rsdp(b.data(), b.size(), &reason).error() == k_ebadmsg);
    }
    SECTION("bad extended checksum") {
        Bytes b = make_rsdp(2, 0x1000, 0x2000);
        b[24] ^= 1; // XSDT address: the first checksum still holds
        CHECK(parse_rsdp(b.data(), b.size(), &reason).error() == k_ebadmsg);
    }
    SECTION("length field below 36 or beyond the bytes given") {
        Bytes b = make_rsdp(2, 0x1000, 0x2000);
        test::set_le(b, 20, 24, 4);
        test::fix_checksum(b, 32, 36);
        CHECK(parse_rsdp(b.data(), b.size(), &reason).error() == k_einval);
        test::set_le(b, 20, 40, 4);
        test::fix_checksum(b, 32, 36);
        CHECK(parse_rsdp(b.data(), b.size(), &reason).error() == k_einval);
    }
    SECTION("revision 2 with a cut-off extension") {
        Bytes b = make_rsdp(2, 0x1000, 0x2000);
        CHECK(parse_rsdp(b.data(), 30, &reason).error() == k_einval);
    }
    SECTION("no root table at all") {
        Bytes b = make_rsdp(2, 0, 0);
        CHECK(parse_rsdp(b.data(), b.size(), &reason).error() == k_einval);
    }
    CHECK(reason != nullptr);
}

TEST_CASE("rsdp: found in the first KiB of the EBDA", "[acpi][rsdp]") {
    FakePhysMemory mem(0, 0x100000);
    mem.put16(0x40e, 0x9fc0); // EBDA at 0x9fc00
    Bytes b = make_rsdp(2, 0x3000, 0x4000);
    mem.put_bytes(0x9fc00 + 0x30, b.data(), b.size());
    uint64_t at = 0;
    auto r = scan_bios_for_rsdp(mem, &at);
    REQUIRE(r);
    CHECK(at == 0x9fc30);
    CHECK(r->xsdt_address == 0x4000);
    CHECK(ebda_address(mem) == 0x9fc00);
}

TEST_CASE("rsdp: found in the BIOS ROM area on a 16-byte boundary", "[acpi][rsdp]") {
    FakePhysMemory mem(0, 0x100000);
    Bytes b = make_rsdp(0, 0x3000);
    mem.put_bytes(0xf5a08, b.data(), b.size()); // misaligned: ignored
    CHECK(scan_bios_for_rsdp(mem).error() == k_enoent);
    mem.put_bytes(0xffff0 - 16, b.data(), b.size());
    uint64_t at = 0;
    auto r = scan_bios_for_rsdp(mem, &at);
    REQUIRE(r);
    CHECK(at == 0xfffe0);
}

TEST_CASE("rsdp: the scan skips stray signatures and prefers the EBDA", "[acpi][rsdp]") {
    FakePhysMemory mem(0, 0x100000);
    mem.put16(0x40e, 0x9fc0);
    Bytes broken = make_rsdp(0, 0x3000);
    broken[16] ^= 1;
    mem.put_bytes(0x9fc00, broken.data(), broken.size());
    Bytes rom = make_rsdp(0, 0x5000);
    mem.put_bytes(0xe0000, broken.data(), broken.size());
    mem.put_bytes(0xe0010, rom.data(), rom.size());
    uint64_t at = 0;
    auto r = scan_bios_for_rsdp(mem, &at);
    REQUIRE(r);
    CHECK(at == 0xe0010);
    CHECK(r->rsdt_address == 0x5000);

    Bytes ebda = make_rsdp(0, 0x6000);
    mem.put_bytes(0x9fc00, ebda.data(), ebda.size()); // replaces the broken one
    r = scan_bios_for_rsdp(mem, &at);
    REQUIRE(r);
    CHECK(at == 0x9fc00);
    CHECK(r->rsdt_address == 0x6000);
}

TEST_CASE("rsdp: an implausible EBDA pointer is ignored", "[acpi][rsdp]") {
    FakePhysMemory mem(0, 0x100000);
    Bytes b = make_rsdp(0, 0x3000);
    mem.put_bytes(0x1000, b.data(), b.size());
    mem.put16(0x40e, 0x0100); // 0x1000: not where an EBDA lives
    CHECK(ebda_address(mem) == 0);
    CHECK(scan_bios_for_rsdp(mem).error() == k_enoent);
}

TEST_CASE("rsdp: unreadable memory is not an RSDP", "[acpi][rsdp]") {
    FakePhysMemory mem(0x80000, 0x1000); // neither the BDA nor the ROM area exists
    CHECK(scan_bios_for_rsdp(mem).error() == k_enoent);
}
