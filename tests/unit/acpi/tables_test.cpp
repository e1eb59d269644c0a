// Walking the RSDT/XSDT to a table.
#include "core/acpi/tables.hpp"

namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
constexpr pv::Errno k_ebadmsg = pv::Errno::ebadmsg;
constexpr pv::Errno k_enoent = pv::Errno::enoent;
constexpr pv::Errno k_enospc = pv::Errno::enospc;
constexpr pv::Errno k_efault = pv::Errno::efault;
} // namespace

#include "../boot/fake_phys_memory.hpp"
#include "acpi_builders.hpp"

#include <catch2/catch.hpp>

using namespace pv;
using namespace pv::acpi;
using pv::test::Bytes;
using pv::test::FakePhysMemory;
using pv::test::make_table;

namespace {

constexpr uint64_t k_base = 0x100000;
constexpr uint64_t k_rsdt = 0x100000, k_xsdt = 0x101000, k_facp = 0x102000, k_apic = 0x103000;
constexpr uint64_t k_apic2 = 0x104000;

Bytes entries(const std::vector<uint64_t>& addresses, int width) {
    Bytes b;
    for (uint64_t a : addresses)
        test::put_le(b, a, width);
    return b;
}

Bytes apic_table(uint32_t marker) {
    Bytes body;
    test::put_le(body, marker, 4);
    test::put_le(body, 1, 4);
    return make_table("APIC", body, 5);
}

// A machine with an RSDT and an XSDT both listing FACP and APIC.
struct Machine {
    FakePhysMemory mem{k_base, 0x10000};
    Rsdp rsdp;
    Machine() {
        put(k_rsdt, make_table("RSDT", entries({k_facp, k_apic}, 4)));
        put(k_xsdt, make_table("XSDT", entries({k_facp, k_apic}, 8)));
        put(k_facp, make_table("FACP", Bytes(100, 0)));
        put(k_apic, apic_table(0xfee00000));
        rsdp.revision = 2;
        rsdp.rsdt_address = k_rsdt;
        rsdp.xsdt_address = k_xsdt;
    }
    void put(uint64_t at, const Bytes& b) { mem.put_bytes(at, b.data(), b.size()); }
};

} // namespace

TEST_CASE("tables: the XSDT is preferred", "[acpi][tables]") {
    Machine m;
    auto where = find_table(m.mem, m.rsdp, "APIC");
    REQUIRE(where);
    CHECK(where->phys == k_apic);
    CHECK(where->length == 44);
    CHECK(where->via_xsdt);
    auto facp = find_table(m.mem, m.rsdp, "FACP");
    REQUIRE(facp);
    CHECK(facp->phys == k_facp);
}

TEST_CASE("tables: an ACPI 1.0 RSDP leads through the RSDT", "[acpi][tables]") {
    Machine m;
    m.rsdp.revision = 0;
    m.rsdp.xsdt_address = 0;
    auto where = find_table(m.mem, m.rsdp, "APIC");
    REQUIRE(where);
    CHECK(where->phys == k_apic);
    CHECK_FALSE(where->via_xsdt);
}

TEST_CASE("tables: a broken XSDT falls back to the RSDT", "[acpi][tables]") {
    Machine m;
    SECTION("bad checksum") {
        m.mem.at(k_xsdt + 40)[0] ^= 0xff;
    }
    SECTION("length not a whole number of entries") {
        Bytes x = make_table("XSDT", entries({k_facp, k_apic}, 8));
        x.push_back(0);
        test::set_le(x, 4, x.size(), 4);
        test::fix_checksum(x, 9, x.size());
        m.put(k_xsdt, x);
    }
    SECTION("wrong signature") {
        m.put(k_xsdt, make_table("RSDT", entries({k_facp, k_apic}, 8)));
    }
    auto where = find_table(m.mem, m.rsdp, "APIC");
    REQUIRE(where);
    CHECK(where->phys == k_apic);
    CHECK_FALSE(where->via_xsdt);
}

TEST_CASE("tables: a good XSDT without the table is final", "[acpi][tables]") {
    Machine m;
    m.put(k_xsdt, make_table("XSDT", entries({k_facp}, 8)));
    CHECK(find_table(m.mem, m.rsdp, "APIC").error() == k_enoent);
    CHECK(find_table(m.mem, m.rsdp, "HPET").error() == k_enoent);
}

TEST_CASE("tables: both root tables broken", "[acpi][tables]") {
    Machine m;
    m.mem.at(k_xsdt + 40)[0] ^= 0xff;
    m.mem.at(k_rsdt + 36)[0] ^= 0xff;
    const char* reason = nullptr;
    CHECK(find_table(m.mem, m.rsdp, "APIC", &reason).error() == k_ebadmsg);
    CHECK(reason != nullptr);
}

TEST_CASE("tables: bad entries are skipped", "[acpi][tables]") {
    Machine m;
    Bytes broken = apic_table(0xfee00000);
    broken[40] ^= 1; // checksum now wrong
    m.put(k_apic, broken);
    SECTION("a second good copy is found") {
        m.put(k_apic2, apic_table(0xfec00000));
        m.put(k_xsdt, make_table("XSDT", entries({0, 0xdead0000, k_facp, k_apic, k_apic2}, 8)));
        auto where = find_table(m.mem, m.rsdp, "APIC");
        REQUIRE(where);
        CHECK(where->phys == k_apic2);
    }
    SECTION("no good copy") {
        CHECK(find_table(m.mem, m.rsdp, "APIC").error() == k_enoent);
    }
}

TEST_CASE("tables: lengths that lie", "[acpi][tables]") {
    Machine m;
    m.rsdp.xsdt_address = 0;
    SECTION("root table shorter than its header") {
        Bytes r = make_table("RSDT", {});
        test::set_le(r, 4, 20, 4);
        test::fix_checksum(r, 9, 36);
        m.put(k_rsdt, r);
        CHECK(find_table(m.mem, m.rsdp, "APIC").error() == k_einval);
    }
    SECTION("root table running off readable memory") {
        Bytes r = make_table("RSDT", entries({k_apic}, 4));
        test::set_le(r, 4, 0x100000, 4);
        m.put(k_rsdt, r);
        CHECK(find_table(m.mem, m.rsdp, "APIC").error() == k_efault);
    }
    SECTION("root table with an absurd length") {
        Bytes r = make_table("RSDT", entries({k_apic}, 4));
        test::set_le(r, 4, 0xfffffff0u, 4);
        m.put(k_rsdt, r);
        CHECK(find_table(m.mem, m.rsdp, "APIC").error() == k_einval);
    }
    SECTION("a table whose length runs off memory is skipped") {
        Bytes a = apic_table(0xfee00000);
        test::set_le(a, 4, 0x20000, 4);
        m.put(k_apic, a);
        CHECK(find_table(m.mem, m.rsdp, "APIC").error() == k_enoent);
    }
    SECTION("root table address unreadable") {
        m.rsdp.rsdt_address = 0x5000;
        CHECK(find_table(m.mem, m.rsdp, "APIC").error() == k_efault);
    }
}

TEST_CASE("tables: load_table copies and re-checks", "[acpi][tables]") {
    Machine m;
    auto where = find_table(m.mem, m.rsdp, "APIC");
    REQUIRE(where);
    uint8_t buf[64] = {};
    auto n = load_table(m.mem, *where, "APIC", buf, sizeof buf);
    REQUIRE(n);
    CHECK(*n == 44);
    CHECK(buf[36] == 0x00);
    CHECK(buf[39] == 0xfe);
    CHECK(load_table(m.mem, *where, "APIC", buf, 43).error() == k_enospc);
    CHECK(load_table(m.mem, *where, "FACP", buf, sizeof buf).error() == k_einval);
    m.mem.at(k_apic + 36)[0] ^= 1; // changed since it was found
    CHECK(load_table(m.mem, *where, "APIC", buf, sizeof buf).error() == k_ebadmsg);
}
