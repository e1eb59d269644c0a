// Generated PVH ACPI tables: read back with our own parsers (which check
// signatures, lengths and checksums), plus the fields the parsers ignore.
#include "core/acpi/build_tables.hpp"

namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
constexpr pv::Errno k_enospc = pv::Errno::enospc;
} // namespace

#include "core/acpi/madt.hpp"
#include "core/acpi/rsdp.hpp"
#include "core/acpi/sdt.hpp"
#include "core/acpi/tables.hpp"

#include "../boot/fake_phys_memory.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace pv;
using namespace pv::acpi;
using pv::test::FakePhysMemory;

namespace {

constexpr uint64_t k_base = 0x7f000;

uint64_t le(const uint8_t* p, int bytes) {
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = v << 8 | p[i];
    return v;
}

// The tables built for `vcpus` and placed at k_base in fake memory.
struct Built {
    FakePhysMemory mem{k_base, 4096};
    PvhAcpiTables at;
    explicit Built(uint32_t vcpus) {
        std::vector<uint8_t> buf(4096, 0xee);
        auto r = build_pvh_tables(PvhAcpiRequest{k_base, vcpus}, buf.data(), buf.size());
        REQUIRE(r);
        at = *r;
        mem.put_bytes(k_base, buf.data(), at.size);
    }
    uint8_t* table(uint64_t gpa) { return mem.at(gpa); }
    Rsdp rsdp() {
        auto r = parse_rsdp(mem.at(at.rsdp), k_rsdp_v2_size);
        REQUIRE(r);
        return *r;
    }
};

} // namespace

TEST_CASE("PVH ACPI: RSDP revision 2 with good checksums, naming XSDT and RSDT", "[acpi][build]") {
    Built b(2);
    const uint8_t* p = b.table(b.at.rsdp);
    CHECK(std::memcmp(p, "RSD PTR ", 8) == 0);
    CHECK(p[15] == 2);
    CHECK(le(p + 20, 4) == k_rsdp_v2_size);
    CHECK(byte_sum(p, k_rsdp_v1_size) == 0);
    CHECK(byte_sum(p, k_rsdp_v2_size) == 0);
    const Rsdp rsdp = b.rsdp();
    CHECK(rsdp.xsdt_address == b.at.xsdt);
    CHECK(rsdp.rsdt_address == b.at.rsdt);
    CHECK(std::string(rsdp.oem_id) == "PRVANE");
    CHECK(b.at.rsdp == k_base);
}

TEST_CASE("PVH ACPI: every table checksums, has its length and is 16-byte aligned",
          "[acpi][build]") {
    Built b(8);
    struct Expect {
        uint64_t at;
        const char* sig;
        uint32_t length;
    };
    const Expect tables[] = {
        {b.at.rsdt, "RSDT", 36 + 2 * 4},
        {b.at.xsdt, "XSDT", 36 + 2 * 8},
        {b.at.fadt, "FACP", k_fadt_length},
        {b.at.madt, "APIC", 36 + 8 + 8 * 8},
        {b.at.dsdt, "DSDT", 36},
    };
    for (const Expect& t : tables) {
        INFO(t.sig);
        CHECK(t.at % 16 == 0);
        auto h = read_checked_header(b.mem, t.at, t.sig);
        REQUIRE(h);
        CHECK(h->length == t.length);
        CHECK(t.at + t.length <= k_base + b.at.size);
        CHECK(std::string(h->oem_id, 6) == "PRVANE");
    }
    CHECK(b.at.size == pvh_tables_size(8));
}

TEST_CASE("PVH ACPI: both root tables lead to the FADT and the MADT", "[acpi][build]") {
    Built b(3);
    Rsdp rsdp = b.rsdp();
    for (const char* sig : {"FACP", "APIC"}) {
        auto via_xsdt = find_table(b.mem, rsdp, sig);
        REQUIRE(via_xsdt);
        CHECK(via_xsdt->via_xsdt);
        Rsdp only_rsdt = rsdp;
        only_rsdt.xsdt_address = 0;
        auto via_rsdt = find_table(b.mem, only_rsdt, sig);
        REQUIRE(via_rsdt);
        CHECK(via_rsdt->phys == via_xsdt->phys);
    }
    CHECK(find_table(b.mem, rsdp, "FACP")->phys == b.at.fadt);
    CHECK(find_table(b.mem, rsdp, "APIC")->phys == b.at.madt);
    CHECK(find_table(b.mem, rsdp, "HPET").error() == Errno::enoent);
}

TEST_CASE("PVH ACPI: the FADT is hardware-reduced, revision 6, and names the DSDT",
          "[acpi][build]") {
    Built b(1);
    const uint8_t* f = b.table(b.at.fadt);
    CHECK(f[8] == 6);
    CHECK(f[k_fadt_minor_revision_offset] == 0);
    CHECK(le(f + k_fadt_flags_offset, 4) == (1u << 20));
    CHECK(le(f + k_fadt_dsdt_offset, 4) == b.at.dsdt);
    CHECK(le(f + k_fadt_x_dsdt_offset, 8) == b.at.dsdt);
    CHECK(le(f + k_fadt_iapc_boot_arch_offset, 2) == ((1u << 2) | (1u << 5)));
    // No FACS, no SCI, no PM1a event block: nothing fixed-hardware.
    CHECK(le(f + 36, 4) == 0);  // FIRMWARE_CTRL
    CHECK(le(f + 46, 2) == 0);  // SCI_INT
    CHECK(le(f + 56, 4) == 0);  // PM1a_EVT_BLK
    CHECK(le(f + 132, 8) == 0); // X_FIRMWARE_CTRL
    auto dsdt = read_checked_header(b.mem, b.at.dsdt, "DSDT");
    REQUIRE(dsdt);
    CHECK(dsdt->length == 36);
    CHECK(dsdt->revision == 2);
}

TEST_CASE("PVH ACPI: the MADT has one enabled local APIC per vCPU, id = vCPU", "[acpi][build]") {
    for (uint32_t vcpus : {1u, 2u, 8u}) {
        INFO("vcpus " << vcpus);
        Built b(vcpus);
        auto h = read_checked_header(b.mem, b.at.madt, "APIC");
        REQUIRE(h);
        auto info = std::make_unique<MadtInfo>();
        REQUIRE(parse_madt(b.table(b.at.madt), h->length, *info));
        CHECK(info->lapic_address == 0xfee00000);
        CHECK_FALSE(info->pcat_compat);
        CHECK(info->ioapic_count == 0);
        CHECK(info->override_count == 0);
        REQUIRE(info->cpu_count == vcpus);
        CHECK(info->enabled_cpu_count() == vcpus);
        for (uint32_t i = 0; i < vcpus; ++i) {
            CHECK(info->cpus[i].apic_id == i);
            CHECK(info->cpus[i].acpi_uid == i);
            CHECK_FALSE(info->cpus[i].x2apic_entry);
        }
    }
}

TEST_CASE("PVH ACPI: bad requests are refused", "[acpi][build]") {
    std::vector<uint8_t> buf(4096);
    CHECK(build_pvh_tables({k_base, 0}, buf.data(), buf.size()).error() == k_einval);
    CHECK(build_pvh_tables({k_base, 256}, buf.data(), buf.size()).error() == k_einval);
    CHECK(build_pvh_tables({k_base + 8, 1}, buf.data(), buf.size()).error() == k_einval);
    CHECK(build_pvh_tables({uint64_t{1} << 32, 1}, buf.data(), buf.size()).error() == k_einval);
    CHECK(build_pvh_tables({(uint64_t{1} << 32) - 256, 1}, buf.data(), buf.size()).error() ==
          k_einval);
    CHECK(build_pvh_tables({k_base, 1}, buf.data(), pvh_tables_size(1) - 1).error() == k_enospc);
    CHECK(build_pvh_tables({k_base, 1}, nullptr, 4096).error() == k_enospc);
    // Exactly enough is enough, and nothing past it is touched.
    std::vector<uint8_t> exact(pvh_tables_size(1) + 1, 0x5a);
    REQUIRE(build_pvh_tables({k_base, 1}, exact.data(), exact.size() - 1));
    CHECK(exact.back() == 0x5a);
}
