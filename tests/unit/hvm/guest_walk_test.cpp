#include "core/hvm/guest_walk.hpp"

// Named before <catch2/catch.hpp>, whose <cerrno> defines these as macros.
namespace {
constexpr pv::Errno k_efault = pv::Errno::efault;
} // namespace

#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <vector>

using namespace pv;
using namespace pv::hvm;

namespace {

constexpr uint64_t P = 1, W = 2, U = 4, PS = 0x80;
constexpr uint64_t NX = 1ull << 63;

// Guest RAM as separate 4 KiB byte arrays, one per gfn that exists.
class FakeGuestRam final : public GuestFrameMap {
public:
    uint8_t* host_page(uint64_t gfn) override {
        ++lookups;
        auto it = pages.find(gfn);
        return it == pages.end() ? nullptr : it->second.data();
    }
    void add(uint64_t gfn) { pages[gfn].assign(4096, 0); }
    void add_range(uint64_t first_gfn, uint64_t count) {
        for (uint64_t i = 0; i < count; ++i) add(first_gfn + i);
    }
    void put64(uint64_t gpa, uint64_t v) { std::memcpy(&pages.at(gpa >> 12)[gpa & 0xfff], &v, 8); }
    void put32(uint64_t gpa, uint32_t v) { std::memcpy(&pages.at(gpa >> 12)[gpa & 0xfff], &v, 4); }
    uint8_t& byte(uint64_t gpa) { return pages.at(gpa >> 12)[gpa & 0xfff]; }

    std::map<uint64_t, std::vector<uint8_t>> pages;
    size_t lookups = 0;
};

constexpr uint64_t k_cr0_pe_pg_wp = 1 | (1u << 16) | (1ull << 31);
constexpr uint64_t k_cr4_pae = 1u << 5;
constexpr uint64_t k_efer_lme_lma_nxe = (1u << 8) | (1u << 10) | (1u << 11);

// Long-mode tables: PML4 at gfn 1, PDPT 2, PD 3, PT 4; data frames 0x10+.
struct LongModeGuest {
    FakeGuestRam ram;
    PagingState paging{k_cr0_pe_pg_wp, 0x1000, k_cr4_pae, k_efer_lme_lma_nxe, 52};

    LongModeGuest() {
        ram.add_range(1, 4);
        ram.add_range(0x10, 8);
        ram.put64(0x1000 + 0 * 8, 0x2000 | P | W);   // PML4[0]
        ram.put64(0x2000 + 0 * 8, 0x3000 | P | W);   // PDPT[0]
        ram.put64(0x3000 + 0 * 8, 0x4000 | P | W);   // PD[0]
        ram.put64(0x4000 + 5 * 8, 0x10000 | P | W);  // va 0x5000 -> gfn 0x10
        ram.put64(0x4000 + 6 * 8, 0x11000 | P | W);  // va 0x6000 -> gfn 0x11
        ram.put64(0x4000 + 7 * 8, 0x12000 | P);      // va 0x7000 -> gfn 0x12, read-only
        ram.put64(0x4000 + 8 * 8, 0x13000);          // va 0x8000 not present
        ram.put64(0x4000 + 9 * 8, 0x99000 | P | W);  // va 0x9000 -> gfn 0x99: not RAM
        ram.put64(0x4000 + 10 * 8, 0x11000 | P | W | NX | U); // va 0xa000 -> gfn 0x11 again
    }
    Result<uint64_t> translate(uint64_t va, GuestAccess access = GuestAccess::read) {
        FrameMapReader reader(ram);
        return translate_guest_va(paging, reader, va, access);
    }
};

} // namespace

TEST_CASE("guest walk: paging off is identity below 4 GiB", "[hvm][walk]") {
    FakeGuestRam ram;
    FrameMapReader reader(ram);
    const PagingState off{1, 0, 0, 0, 52};
    CHECK(*translate_guest_va(off, reader, 0x12345, GuestAccess::write) == 0x12345);
    CHECK(*translate_guest_va(off, reader, 0xffff'ffff, GuestAccess::read) == 0xffff'ffff);
    CHECK(translate_guest_va(off, reader, 0x1'0000'0000, GuestAccess::read).error() == k_efault);
    CHECK(ram.lookups == 0); // no tables involved
}

TEST_CASE("guest walk: long mode 4 KiB pages, permissions", "[hvm][walk]") {
    LongModeGuest g;
    CHECK(*g.translate(0x5123) == 0x10123);
    CHECK(*g.translate(0x6fff, GuestAccess::write) == 0x11fff);
    CHECK(*g.translate(0x7008) == 0x12008);
    CHECK(g.translate(0x7008, GuestAccess::write).error() == k_efault);
    CHECK(g.translate(0x8000).error() == k_efault);       // not present
    CHECK(*g.translate(0x9000) == 0x99000);               // translation is fine; the copy fails
    CHECK(*g.translate(0xa010, GuestAccess::write) == 0x11010); // U/S and NX do not matter
    CHECK(g.translate(0x20'0000).error() == k_efault);    // PD[1] empty
    CHECK(g.translate(0x8000'0000'0000).error() == k_efault);     // non-canonical
    CHECK(g.translate(0xffff'8000'0000'0000).error() == k_efault); // PML4[256] empty
    // WP = 0: a supervisor write ignores R/W.
    g.paging.cr0 &= ~(1u << 16);
    CHECK(*g.translate(0x7008, GuestAccess::write) == 0x12008);
}

TEST_CASE("guest walk: long mode R/W is needed at every level for writes", "[hvm][walk]") {
    LongModeGuest g;
    g.ram.put64(0x2000, 0x3000 | P); // PDPT[0] read-only
    CHECK(*g.translate(0x5000) == 0x10000);
    CHECK(g.translate(0x5000, GuestAccess::write).error() == k_efault);
    g.ram.put64(0x2000, 0x3000 | P | W);
    g.ram.put64(0x1000, 0x2000 | P); // PML4[0] read-only
    CHECK(g.translate(0x5000, GuestAccess::write).error() == k_efault);
}

TEST_CASE("guest walk: long mode large pages", "[hvm][walk]") {
    LongModeGuest g;
    g.ram.put64(0x3000 + 1 * 8, 0x4020'0000 | P | W | PS);   // va 2 MiB -> gpa 0x40200000
    g.ram.put64(0x2000 + 1 * 8, 0x8000'0000 | P | W | PS);   // va 1 GiB -> gpa 2 GiB
    CHECK(*g.translate(0x20'1234) == 0x4020'1234);
    CHECK(*g.translate(0x3f'ffff) == 0x403f'ffff);
    CHECK(*g.translate(0x4000'0000 + 0x1234'5678) == 0x8000'0000 + 0x1234'5678);
    // Reserved low bits of a large page's address.
    g.ram.put64(0x3000 + 1 * 8, 0x4020'2000 | P | W | PS);
    CHECK(g.translate(0x20'1234).error() == k_efault);
    g.ram.put64(0x2000 + 1 * 8, 0x8010'0000 | P | W | PS);
    CHECK(g.translate(0x4000'0000).error() == k_efault);
    // PS in a PML4 entry is reserved.
    g.ram.put64(0x1000, 0x2000 | P | W | PS);
    CHECK(g.translate(0x5000).error() == k_efault);
}

TEST_CASE("guest walk: reserved bits, NX without NXE, MAXPHYADDR, LA57", "[hvm][walk]") {
    LongModeGuest g;
    g.paging.efer &= ~(1u << 11); // NXE off: bit 63 reserved
    CHECK(g.translate(0xa000).error() == k_efault);
    CHECK(*g.translate(0x5000) == 0x10000);
    g.paging.phys_bits = 36;
    g.ram.put64(0x4000 + 5 * 8, (1ull << 36) | 0x10000 | P | W);
    CHECK(g.translate(0x5000).error() == k_efault);
    g.paging.phys_bits = 52;
    CHECK(*g.translate(0x5000) == (1ull << 36) + 0x10000);
    g.paging.cr4 |= 1u << 12;
    CHECK(g.translate(0x5000).error() == k_efault);
}

TEST_CASE("guest walk: page tables outside guest RAM", "[hvm][walk]") {
    LongModeGuest g;
    g.paging.cr3 = 0x7777'7000;
    CHECK(g.translate(0x5000).error() == k_efault);
    LongModeGuest h;
    h.ram.put64(0x3000, 0xdead'0000 | P | W);
    CHECK(h.translate(0x5000).error() == k_efault);
}

TEST_CASE("guest walk: 32-bit PAE", "[hvm][walk]") {
    FakeGuestRam ram;
    ram.add_range(1, 3);
    ram.add_range(0x10, 2);
    const PagingState pae{k_cr0_pe_pg_wp, 0x1020, k_cr4_pae, 0, 52}; // PDPT at 0x1020 (32-byte aligned)
    ram.put64(0x1020 + 3 * 8, 0x2000 | P);             // PDPTE[3]: 0xc0000000-
    ram.put64(0x2000 + 0 * 8, 0x3000 | P | W);         // PD[0]
    ram.put64(0x2000 + 1 * 8, 0x0060'0000 | P | PS);   // 2 MiB read-only
    ram.put64(0x3000 + 1 * 8, 0x11000 | P | W);
    FrameMapReader reader(ram);
    CHECK(*translate_guest_va(pae, reader, 0xc000'1abc, GuestAccess::write) == 0x11abc);
    CHECK(*translate_guest_va(pae, reader, 0xc020'0010, GuestAccess::read) == 0x60'0010);
    CHECK(translate_guest_va(pae, reader, 0xc020'0010, GuestAccess::write).error() == k_efault);
    CHECK(translate_guest_va(pae, reader, 0x0000'1000, GuestAccess::read).error() == k_efault); // PDPTE[0] absent
    CHECK(translate_guest_va(pae, reader, 0x1'c000'1000, GuestAccess::read).error() == k_efault);
    ram.put64(0x1020 + 3 * 8, 0x2000 | P | W); // bit 1 is reserved in a PDPTE
    CHECK(translate_guest_va(pae, reader, 0xc000'1abc, GuestAccess::read).error() == k_efault);
    ram.put64(0x1020 + 3 * 8, 0x2000 | P);
    ram.put64(0x3000 + 1 * 8, 0x11000 | P | W | NX); // NX without EFER.NXE: reserved
    CHECK(translate_guest_va(pae, reader, 0xc000'1abc, GuestAccess::read).error() == k_efault);
}

TEST_CASE("guest walk: 32-bit non-PAE with 4 MiB pages", "[hvm][walk]") {
    FakeGuestRam ram;
    ram.add_range(1, 2);
    ram.add_range(0x10, 2);
    PagingState flat{k_cr0_pe_pg_wp, 0x1000, 1u << 4, 0, 40}; // CR4.PSE
    ram.put32(0x1000 + 0 * 4, 0x2000 | P | W);                   // PDE[0]
    ram.put32(0x1000 + 3 * 4, 0x00c0'0000 | P | W | PS);          // PDE[3]: 4 MiB at 12 MiB
    ram.put32(0x1000 + 5 * 4, 0x0140'0000 | (0x3u << 13) | P | PS); // PSE-36: gpa 0x3'01400000
    ram.put32(0x2000 + 1 * 4, 0x10000 | P | W);                   // PTE[1] (odd: high half of a quadword)
    ram.put32(0x2000 + 2 * 4, 0x11000 | P);                       // PTE[2] read-only
    FrameMapReader reader(ram);
    CHECK(*translate_guest_va(flat, reader, 0x1004, GuestAccess::write) == 0x10004);
    CHECK(*translate_guest_va(flat, reader, 0x2004, GuestAccess::read) == 0x11004);
    CHECK(translate_guest_va(flat, reader, 0x2004, GuestAccess::write).error() == k_efault);
    CHECK(translate_guest_va(flat, reader, 0x3004, GuestAccess::read).error() == k_efault);
    CHECK(*translate_guest_va(flat, reader, 0x00c1'2345, GuestAccess::write) == 0x00c1'2345);
    CHECK(*translate_guest_va(flat, reader, 0x0140'0001, GuestAccess::read) == 0x3'0140'0001);
    flat.phys_bits = 32; // PSE-36 bits now reserved
    CHECK(translate_guest_va(flat, reader, 0x0140'0001, GuestAccess::read).error() == k_efault);
    // Without CR4.PSE the PS bit is ignored: PDE[3] points at a page table.
    flat.cr4 = 0;
    CHECK(translate_guest_va(flat, reader, 0x00c1'2345, GuestAccess::read).error() == k_efault);
}

TEST_CASE("PvhGuestSpace: copies across pages", "[hvm][walk]") {
    LongModeGuest g;
    PvhGuestSpace space(g.paging, g.ram);
    // va 0x5ff0..0x6010 spans gfn 0x10 and 0x11.
    uint8_t out[32];
    for (int i = 0; i < 32; ++i) out[i] = static_cast<uint8_t>(i + 1);
    REQUIRE(space.copy_to(0x5ff0, out, sizeof out).is_ok());
    CHECK(g.ram.byte(0x10ff0) == 1);
    CHECK(g.ram.byte(0x10fff) == 16);
    CHECK(g.ram.byte(0x11000) == 17);
    CHECK(g.ram.byte(0x1100f) == 32);
    uint8_t back[32] = {};
    REQUIRE(space.copy_from(0x5ff0, back, sizeof back).is_ok());
    CHECK(std::memcmp(out, back, sizeof out) == 0);
    // A whole page and a bit, through the typed helpers too.
    std::vector<uint8_t> big(4096 + 100, 0xab);
    REQUIRE(space.copy_to(0x5000, big.data(), big.size()).is_ok());
    CHECK(g.ram.byte(0x11063) == 0xab);
    uint64_t value = 0x1122334455667788ull;
    REQUIRE(copy_to_guest(space, GuestHandle<uint64_t>(0x5ffc), value).is_ok());
    uint64_t got = 0;
    REQUIRE(copy_from_guest(space, GuestHandle<const uint64_t>(0x5ffc), got).is_ok());
    CHECK(got == value);
    // Zero length touches nothing.
    CHECK(space.copy_to(0x8000, nullptr, 0).is_ok());
    CHECK(space.copy_from(0x8000, nullptr, 0).is_ok());
}

TEST_CASE("PvhGuestSpace: EFAULT for read-only, unmapped, non-RAM and hypervisor-range addresses",
          "[hvm][walk]") {
    LongModeGuest g;
    PvhGuestSpace space(g.paging, g.ram);
    uint8_t buf[16] = {};
    CHECK(space.copy_from(0x7000, buf, 16).is_ok());
    CHECK(space.copy_to(0x7000, buf, 16).error() == k_efault);       // read-only page
    CHECK(space.copy_to(0x6ff8, buf, 16).error() == k_efault);       // crosses into it
    CHECK(space.copy_from(0x8000, buf, 1).error() == k_efault);      // not present
    CHECK(space.copy_from(0x7ff8, buf, 16).error() == k_efault);     // crosses into it
    CHECK(space.copy_from(0x9000, buf, 1).error() == k_efault);      // gpa not guest RAM
    CHECK(space.copy_from(0xffff'8000'0000'0000, buf, 1).error() == k_efault); // hypervisor range
    CHECK(space.copy_from(0xffff'87ff'ffff'fff8, buf, 8).error() == k_efault);
    CHECK(space.copy_from(0x0000'8000'0000'0000, buf, 1).error() == k_efault); // non-canonical
    CHECK(space.copy_from(0x0000'7fff'ffff'fff8, buf, 16).error() == k_efault); // runs off the end
    CHECK(space.copy_from(0xffff'ffff'ffff'fff8, buf, 16).error() == k_efault); // wraps
    // Permission is checked at the time of each call: make 0x7000 writable.
    g.ram.put64(0x4000 + 7 * 8, 0x12000 | P | W);
    CHECK(space.copy_to(0x7000, buf, 16).is_ok());
}

TEST_CASE("FrameMapReader: only aligned quadwords of guest RAM", "[hvm][walk]") {
    FakeGuestRam ram;
    ram.add(2);
    ram.put64(0x2ff8, 0x1122334455667788ull);
    FrameMapReader reader(ram);
    CHECK(*reader.read_gpa_u64(0x2ff8) == 0x1122334455667788ull);
    CHECK(reader.read_gpa_u64(0x2ffc).error() == k_efault);
    CHECK(reader.read_gpa_u64(0x3000).error() == k_efault);
    CHECK(reader.read_gpa_u64(~uint64_t{7}).error() == k_efault);
}

TEST_CASE("PvhGuestSpace: paging off (start of day) copies by physical address below 4 GiB",
          "[hvm][walk]") {
    FakeGuestRam ram;
    ram.add_range(0x100, 2);
    PvhGuestSpace space(PagingState{1, 0, 0, 0, 52}, ram);
    const char text[] = "hello, PVH";
    REQUIRE(space.copy_to(0x100ffa, text, sizeof text).is_ok()); // crosses into gfn 0x101
    char back[sizeof text] = {};
    REQUIRE(space.copy_from(0x100ffa, back, sizeof back).is_ok());
    CHECK(std::memcmp(text, back, sizeof text) == 0);
    char buf[8];
    CHECK(space.copy_from(0x101ffc, buf, 8).error() == k_efault);    // runs into a hole
    CHECK(space.copy_from(0x1'0010'0000, buf, 1).error() == k_efault); // above 4 GiB
    CHECK(space.copy_from(0xffff'fffc, buf, 8).error() == k_efault);
}
