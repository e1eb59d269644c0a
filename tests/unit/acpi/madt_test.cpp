// MADT parsing: CPUs, I/O APICs, overrides, and every way a table can lie.
#include "core/acpi/madt.hpp"

namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
constexpr pv::Errno k_ebadmsg = pv::Errno::ebadmsg;
} // namespace

#include "acpi_builders.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <random>

using namespace pv;
using namespace pv::acpi;
using pv::test::Bytes;
using pv::test::put_le;

namespace {

// Builds the MADT body (everything after the common header).
class MadtBuilder {
public:
    explicit MadtBuilder(uint32_t lapic = 0xfee00000, uint32_t flags = 1) {
        put_le(body_, lapic, 4);
        put_le(body_, flags, 4);
    }
    MadtBuilder& lapic(uint8_t uid, uint8_t apic_id, uint32_t flags) {
        body_.insert(body_.end(), {0, 8, uid, apic_id});
        put_le(body_, flags, 4);
        return *this;
    }
    MadtBuilder& x2apic(uint32_t id, uint32_t flags, uint32_t uid) {
        body_.insert(body_.end(), {9, 16, 0, 0});
        put_le(body_, id, 4);
        put_le(body_, flags, 4);
        put_le(body_, uid, 4);
        return *this;
    }
    MadtBuilder& ioapic(uint8_t id, uint32_t address, uint32_t gsi_base) {
        body_.insert(body_.end(), {1, 12, id, 0});
        put_le(body_, address, 4);
        put_le(body_, gsi_base, 4);
        return *this;
    }
    MadtBuilder& override_irq(uint8_t source, uint32_t gsi, uint16_t flags) {
        body_.insert(body_.end(), {2, 10, 0, source});
        put_le(body_, gsi, 4);
        put_le(body_, flags, 2);
        return *this;
    }
    MadtBuilder& lapic_override(uint64_t address) {
        body_.insert(body_.end(), {5, 12, 0, 0});
        put_le(body_, address, 8);
        return *this;
    }
    MadtBuilder& raw(const Bytes& bytes) {
        body_.insert(body_.end(), bytes.begin(), bytes.end());
        return *this;
    }
    Bytes table() const { return test::make_table("APIC", body_, 5); }

private:
    Bytes body_;
};

// MadtInfo is several KiB: keep it off the test's stack frame.
std::unique_ptr<MadtInfo> parse(const Bytes& t, Status& status, size_t len = SIZE_MAX) {
    auto info = std::make_unique<MadtInfo>();
    status = parse_madt(t.data(), len == SIZE_MAX ? t.size() : len, *info);
    return info;
}

} // namespace

TEST_CASE("madt: a QEMU-like table", "[acpi][madt]") {
    Bytes t = MadtBuilder()
                  .lapic(0, 0, 1)
                  .lapic(1, 1, 1)
                  .lapic(2, 2, 1)
                  .lapic(3, 3, 1)
                  .ioapic(0, 0xfec00000, 0)
                  .override_irq(0, 2, 0)
                  .override_irq(9, 9, 0xd)
                  .table();
    Status s;
    auto info = parse(t, s);
    REQUIRE(s);
    CHECK(info->lapic_address == 0xfee00000);
    CHECK_FALSE(info->lapic_address_overridden);
    CHECK(info->pcat_compat);
    REQUIRE(info->cpu_count == 4);
    CHECK(info->enabled_cpu_count() == 4);
    for (uint32_t i = 0; i < 4; ++i) {
        CHECK(info->cpus[i].apic_id == i);
        CHECK(info->cpus[i].acpi_uid == i);
        CHECK(info->cpus[i].enabled);
        CHECK_FALSE(info->cpus[i].x2apic_entry);
    }
    REQUIRE(info->ioapic_count == 1);
    CHECK(info->ioapics[0].address == 0xfec00000);
    CHECK(info->ioapics[0].gsi_base == 0);
    REQUIRE(info->override_count == 2);
    CHECK(info->overrides[0].source == 0);
    CHECK(info->overrides[0].gsi == 2);
    CHECK(info->overrides[1].flags == 0xd);
    CHECK_FALSE(info->truncated);
}

TEST_CASE("madt: disabled CPUs are skipped, online-capable ones kept as not enabled",
          "[acpi][madt]") {
    Bytes t = MadtBuilder()
                  .lapic(0, 0, 1)
                  .lapic(1, 1, 0) // disabled, not online capable: ignore
                  .lapic(2, 2, 2) // online capable (hot-pluggable)
                  .lapic(3, 3, 1)
                  .lapic(4, 0xff, 1) // the broadcast ID is no CPU
                  .table();
    Status s;
    auto info = parse(t, s);
    REQUIRE(s);
    REQUIRE(info->cpu_count == 3);
    CHECK(info->cpus[0].apic_id == 0);
    CHECK(info->cpus[1].apic_id == 2);
    CHECK_FALSE(info->cpus[1].enabled);
    CHECK(info->cpus[2].apic_id == 3);
    CHECK(info->enabled_cpu_count() == 2);
}

TEST_CASE("madt: x2APIC entries", "[acpi][madt]") {
    Bytes t = MadtBuilder()
                  .lapic(0, 0, 1)
                  .x2apic(0x100, 1, 256)
                  .x2apic(0x12345, 1, 257)
                  .x2apic(0x200, 0, 258)      // disabled
                  .x2apic(0xffffffff, 1, 259) // invalid ID
                  .x2apic(0, 1, 0)            // the same CPU again
                  .table();
    Status s;
    auto info = parse(t, s);
    REQUIRE(s);
    REQUIRE(info->cpu_count == 3);
    CHECK(info->cpus[1].apic_id == 0x100);
    CHECK(info->cpus[1].acpi_uid == 256);
    CHECK(info->cpus[1].x2apic_entry);
    CHECK(info->cpus[2].apic_id == 0x12345);
    CHECK(info->enabled_cpu_count() == 3);
}

TEST_CASE("madt: the local APIC address override wins", "[acpi][madt]") {
    Bytes t = MadtBuilder(0xfee00000).lapic(0, 0, 1).lapic_override(0x1'fee0'0000).table();
    Status s;
    auto info = parse(t, s);
    REQUIRE(s);
    CHECK(info->lapic_address == 0x1'fee0'0000);
    CHECK(info->lapic_address_overridden);
}

TEST_CASE("madt: unknown entry types are skipped", "[acpi][madt]") {
    Bytes t = MadtBuilder()
                  .lapic(0, 0, 1)
                  .raw({4, 6, 0xff, 5, 0, 1}) // local APIC NMI
                  .raw({0x7f, 3, 0})          // some future type
                  .lapic(1, 1, 1)
                  .table();
    Status s;
    auto info = parse(t, s);
    REQUIRE(s);
    CHECK(info->cpu_count == 2);
}

TEST_CASE("madt: too many entries are cut off, not overflowed", "[acpi][madt]") {
    MadtBuilder b;
    for (uint32_t i = 0; i < MadtInfo::k_max_cpus + 10; ++i)
        b.x2apic(i, 1, i);
    for (uint8_t i = 0; i < MadtInfo::k_max_ioapics + 2; ++i)
        b.ioapic(i, 0xfec00000 + i * 0x1000, i * 24);
    Status s;
    auto info = parse(b.table(), s);
    REQUIRE(s);
    CHECK(info->cpu_count == MadtInfo::k_max_cpus);
    CHECK(info->ioapic_count == MadtInfo::k_max_ioapics);
    CHECK(info->truncated);
}

TEST_CASE("madt: malformed tables are refused", "[acpi][madt]") {
    Bytes good = MadtBuilder().lapic(0, 0, 1).lapic(1, 1, 1).table();
    Status s;
    const char* reason = nullptr;
    MadtInfo* info_raw = nullptr;
    auto info = std::make_unique<MadtInfo>();
    info_raw = info.get();
    auto run = [&](const Bytes& t, size_t len) {
        return parse_madt(t.data(), len, *info_raw, &reason);
    };

    SECTION("bad checksum") {
        Bytes t = good;
        t[44 + 3] ^= 1;
        CHECK(run(t, t.size()).error() == k_ebadmsg);
    }
    SECTION("wrong signature") {
        Bytes t = good;
        t[0] = 'X';
        test::fix_checksum(t, 9, t.size());
        CHECK(run(t, t.size()).error() == k_einval);
    }
    SECTION("buffer shorter than the fixed part") {
        CHECK(run(good, 43).error() == k_einval);
        CHECK(parse_madt(nullptr, 0, *info).error() == k_einval);
    }
    SECTION("header length beyond the buffer (truncated table)") {
        CHECK(run(good, good.size() - 1).error() == k_einval);
    }
    SECTION("header length below the fixed part") {
        Bytes t = good;
        test::set_le(t, 4, 40, 4);
        test::fix_checksum(t, 9, 40);
        CHECK(run(t, t.size()).error() == k_einval);
    }
    SECTION("entry length 0") {
        Bytes t = MadtBuilder().lapic(0, 0, 1).raw({0, 0, 0, 0, 0, 0, 0, 0}).table();
        CHECK(run(t, t.size()).error() == k_einval);
    }
    SECTION("entry length 1") {
        Bytes t = MadtBuilder().raw({0x7f, 1}).table();
        CHECK(run(t, t.size()).error() == k_einval);
    }
    SECTION("entry running past the end") {
        Bytes t = MadtBuilder().lapic(0, 0, 1).raw({1, 12, 0, 0, 0, 0}).table();
        CHECK(run(t, t.size()).error() == k_einval);
    }
    SECTION("unknown entry running past the end") {
        Bytes t = MadtBuilder().lapic(0, 0, 1).raw({0x7f, 200, 0}).table();
        CHECK(run(t, t.size()).error() == k_einval);
    }
    SECTION("a lone trailing byte") {
        Bytes t = MadtBuilder().lapic(0, 0, 1).raw({0}).table();
        CHECK(run(t, t.size()).error() == k_einval);
    }
    SECTION("entry too short for its type") {
        Bytes t = MadtBuilder().raw({0, 6, 0, 0, 1, 0}).table();
        CHECK(run(t, t.size()).error() == k_einval);
        t = MadtBuilder().raw({9, 12, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}).table();
        CHECK(run(t, t.size()).error() == k_einval);
    }
    CHECK(reason != nullptr);
}

TEST_CASE("madt: bytes beyond the header's length are not parsed", "[acpi][madt]") {
    Bytes t = MadtBuilder().lapic(0, 0, 1).table();
    Bytes padded = t;
    padded.insert(padded.end(), {0, 0, 0, 0}); // would be a bad entry if parsed
    Status s;
    auto info = parse(padded, s);
    REQUIRE(s);
    CHECK(info->cpu_count == 1);
}

// Random corruption, checksum made right again so the entry walk runs on
// it: whatever the bytes, the parser must return (ASan builds catch reads
// out of bounds; the table is copied into an exactly sized heap block).
TEST_CASE("madt: corrupted tables never read out of bounds", "[acpi][madt]") {
    Bytes base = MadtBuilder()
                     .lapic(0, 0, 1)
                     .x2apic(0x100, 1, 9)
                     .ioapic(0, 0xfec00000, 0)
                     .override_irq(0, 2, 0)
                     .lapic_override(0xfee00000)
                     .table();
    std::mt19937 rng(1234);
    auto info = std::make_unique<MadtInfo>();
    for (int round = 0; round < 20000; ++round) {
        Bytes t = base;
        int edits = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < edits; ++i)
            t[36 + rng() % (t.size() - 36)] = static_cast<uint8_t>(rng());
        if (rng() % 4 == 0) t.resize(44 + rng() % (t.size() - 44));
        test::fix_checksum(t, 9, t.size());
        auto exact = std::make_unique<uint8_t[]>(t.size());
        std::copy(t.begin(), t.end(), exact.get());
        Status s = parse_madt(exact.get(), t.size(), *info);
        if (s) CHECK(info->cpu_count <= MadtInfo::k_max_cpus);
    }
}
