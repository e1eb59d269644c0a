// The PV start-of-day layout, checked against hand-computed layouts and
// against a direct transcription of Xen's exhaustive page-table search.
//
// Reminders for the arithmetic below (4 KiB pages):
//   start_info area (Dom0) = sizeof(start_info) 1168 + VGA info 40 -> 1 page
//   page tables needed for [lo, hi) = 1 L4 + #512GiB slots (L3 tables)
//                                     + #1GiB slots (L2 tables) + #2MiB slots (L1 tables)
//   virt_end = stack_end rounded up to 4 MiB, plus 4 MiB when that leaves
//              less than 512 KiB (0x80000) of padding.
#include "core/builder/pv_layout.hpp"
#include "include/public/start_info.hpp"

// Catch2 pulls in <cerrno>, whose EINVAL/ENOMEM macros would rewrite the
// Errno names: name the values first.
namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
constexpr pv::Errno k_enomem = pv::Errno::enomem;
} // namespace

#include "test_elf.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace pv;
using namespace pv::builder;
using namespace pv::test;

namespace {

constexpr uint64_t k_linux_base = 0xffffffff80000000;

// A checked guest description without going through an ELF file.
XenGuestInfo guest(uint64_t virt_base, uint64_t kstart, uint64_t kend) {
    XenGuestInfo g;
    g.has_virt_base = true;
    g.virt_base = virt_base;
    g.virt_kstart = kstart;
    g.virt_kend = kend;
    g.virt_entry = kstart;
    g.checked = true;
    return g;
}

XenGuestInfo linux_like() {
    XenGuestInfo g = guest(k_linux_base, 0xffffffff81000000, 0xffffffff82a00000);
    g.has_init_p2m = true;
    g.init_p2m = 0x8000000000; // 512 GiB, as Linux asks
    g.has_mod_start_pfn = true;
    g.mod_start_pfn = 1;
    g.unmapped_initrd = true;
    g.has_hypercall_page = true;
    g.hypercall_page = 0xffffffff81001000;
    return g;
}

std::string rendered(const BuildError& e) {
    char buf[160];
    e.render(buf, sizeof buf);
    return buf;
}

std::string refusal(const XenGuestInfo& g, const LayoutRequest& r) {
    BuildError error;
    auto layout = compute_pv_layout(g, r, &error);
    if (layout) return "";
    return rendered(error);
}

// Xen's dom0_construct_pv search, transcribed literally (linear search from
// 2, Xen's NR() rounding, in 128-bit so nothing wraps).
struct Reference {
    uint64_t nr_pt;
    uint64_t stack_start;
    uint64_t v_end;
};
Reference xen_search(uint64_t v_start, uint64_t pt_start) {
    using u128 = unsigned __int128;
    auto nr = [](u128 l, u128 h, unsigned s) {
        const u128 one = u128{1} << s;
        return static_cast<uint64_t>((((h + one - 1) & ~(one - 1)) - (l & ~(one - 1))) >> s);
    };
    for (uint64_t n = 2;; ++n) {
        const u128 stack_start = u128{pt_start} + n * 4096;
        const u128 stack_end = stack_start + 4096;
        u128 v_end = (stack_end + (1 << 22) - 1) & ~u128{(1 << 22) - 1};
        if (v_end - stack_end < (512 << 10)) v_end += 1 << 22;
        if (1 + nr(v_start, v_end, 39) + nr(v_start, v_end, 30) + nr(v_start, v_end, 21) <= n)
            return {n, static_cast<uint64_t>(stack_start), static_cast<uint64_t>(v_end)};
    }
}

} // namespace

TEST_CASE("Layout of a small kernel at 0 (mini-os style Dom0)", "[builder][layout]") {
    // Kernel [0, 0x25000), 8192 pages (32 MiB), no initrd.
    //   p2m        8192 * 8 = 0x10000 bytes  [0x25000, 0x35000)
    //   start_info                           [0x35000, 0x36000)
    //   tables     from 0x36000. n = 2: stack_end 0x39000 -> virt_end 4 MiB,
    //              needing 1 + 1 + 1 + 2 (two 2 MiB slots) = 5 > 2.
    //              n = 5: stack [0x3b000, 0x3c000), virt_end still 4 MiB,
    //              5 <= 5: done.
    auto l = compute_pv_layout(guest(0, 0, 0x25000), {8192, 0, DomainKind::boot});
    REQUIRE(l);
    CHECK(l->virt_start == 0);
    CHECK(l->kernel_end == 0x25000);
    CHECK(l->p2m_in_mapping);
    CHECK(l->p2m_start == 0x25000);
    CHECK(l->p2m_end == 0x35000);
    CHECK(l->p2m_pages == 16);
    CHECK(l->first_p2m_pfn == 0);
    CHECK(l->nr_p2m_frames == 0);
    CHECK(l->start_info == 0x35000);
    CHECK(l->start_info_pfn == 0x35);
    CHECK(l->xenstore == 0);
    CHECK(l->pt_base == 0x36000);
    CHECK(l->pt_pfn == 0x36);
    CHECK(l->nr_pt_frames == 5);
    CHECK(l->tables.l4 == 1);
    CHECK(l->tables.l3 == 1);
    CHECK(l->tables.l2 == 1);
    CHECK(l->tables.l1 == 2);
    CHECK(l->stack_start == 0x3b000);
    CHECK(l->stack_end == 0x3c000);
    CHECK(l->stack_pfn == 0x3b);
    CHECK(l->virt_end == 0x400000);
    CHECK(l->mapped_pages == 1024);
    CHECK(l->pages_needed == 1024);
    CHECK(l->module_len == 0);
    CHECK(l->start_info_mod_start() == 0);
    CHECK(l->start_info_flags() == 0);
}

TEST_CASE("Layout of the same kernel as a DomU", "[builder][layout]") {
    // As above, plus the xenstore and console pages after start_info:
    //   start_info 0x35000, xenstore 0x36000, console 0x37000, tables from
    //   0x38000; n = 5 again: stack [0x3d000, 0x3e000).
    auto l = compute_pv_layout(guest(0, 0, 0x25000), {8192, 0, DomainKind::guest});
    REQUIRE(l);
    CHECK(l->start_info == 0x35000);
    CHECK(l->xenstore == 0x36000);
    CHECK(l->xenstore_pfn == 0x36);
    CHECK(l->console == 0x37000);
    CHECK(l->console_pfn == 0x37);
    CHECK(l->pt_base == 0x38000);
    CHECK(l->nr_pt_frames == 5);
    CHECK(l->stack_end == 0x3e000);
    CHECK(l->virt_end == 0x400000);
}

TEST_CASE("Layout of a Linux-like kernel: INIT_P2M and MOD_START_PFN", "[builder][layout]") {
    // VIRT_BASE 0xffffffff80000000, kernel [0xffffffff81000000, 0xffffffff82a00000),
    // 0x40000 pages (1 GiB), a 5 MiB initrd passed by pfn, p2m at 512 GiB.
    //   start_info 0xffffffff82a00000 (right after the kernel: nothing else
    //   is mapped in between), tables from 0xffffffff82a01000.
    //   n = 2: stack_end 0xffffffff82a04000 -> virt_end 0xffffffff82c00000
    //          (44 MiB from VIRT_BASE, 0x1fc000 of padding); tables for
    //          [VIRT_BASE, +44 MiB): 1 + 1 + 1 + 22 = 25.
    //   n = 25: stack [0xffffffff82a1a000, 0xffffffff82a1b000), same end. Done.
    //   mapped pages 0x2c00 = 11264; initrd pfns [11264, +1280).
    //   p2m: 0x40000 * 8 = 2 MiB = 512 pages at 0x8000000000, in PML4 slot 1
    //   (the mapping is in slot 511): its own L3, L2 and one L1 = 3 tables;
    //   frames [11264 + 1280, + 515).
    LayoutRequest r{0x40000, 5 << 20, DomainKind::boot};
    BuildError error;
    auto l = compute_pv_layout(linux_like(), r, &error);
    INFO(rendered(error));
    REQUIRE(l);
    CHECK(l->start_info == 0xffffffff82a00000);
    CHECK(l->start_info_pfn == 0x2a00);
    CHECK(l->pt_base == 0xffffffff82a01000);
    CHECK(l->nr_pt_frames == 25);
    CHECK(l->tables.l1 == 22);
    CHECK(l->stack_start == 0xffffffff82a1a000);
    CHECK(l->stack_end == 0xffffffff82a1b000);
    CHECK(l->virt_end == 0xffffffff82c00000);
    CHECK(l->mapped_pages == 11264);

    CHECK(l->module_by_pfn);
    CHECK(l->module_start == 0);
    CHECK(l->module_pfn == 11264);
    CHECK(l->module_pages == 1280);
    CHECK(l->start_info_mod_start() == 11264);
    CHECK(l->start_info_flags() == abi::k_sif_mod_start_pfn);

    CHECK_FALSE(l->p2m_in_mapping);
    CHECK(l->p2m_start == 0x8000000000);
    CHECK(l->p2m_end == 0x8000200000);
    CHECK(l->p2m_pages == 512);
    CHECK(l->p2m_table_pages == 3);
    CHECK(l->first_p2m_pfn == 12544);
    CHECK(l->nr_p2m_frames == 515);
    CHECK(l->pages_needed == 11264 + 1280 + 515);
    CHECK(l->has_hypercall_page);
    CHECK(l->entry == 0xffffffff81000000);
}

TEST_CASE("Layout with a mapped initrd and the p2m inside the mapping", "[builder][layout]") {
    // The Linux-like kernel without INIT_P2M / MOD_START_PFN, initrd 0x500001 bytes.
    //   initrd  [0xffffffff82a00000, +0x500001) -> 0x501 pages, next 0xffffffff82f01000
    //   p2m     0x40000 * 8 = 0x200000         [0xffffffff82f01000, 0xffffffff83101000)
    //   start_info 0xffffffff83101000, tables from 0xffffffff83102000
    //   n = 2: stack_end 0xffffffff83105000 -> virt_end 0xffffffff83400000
    //          (52 MiB): 1 + 1 + 1 + 26 = 29.
    //   n = 29: stack [0xffffffff8311f000, 0xffffffff83120000). Done.
    XenGuestInfo g = guest(k_linux_base, 0xffffffff81000000, 0xffffffff82a00000);
    auto l = compute_pv_layout(g, {0x40000, 0x500001, DomainKind::boot});
    REQUIRE(l);
    CHECK_FALSE(l->module_by_pfn);
    CHECK(l->module_start == 0xffffffff82a00000);
    CHECK(l->module_pfn == 0x2a00);
    CHECK(l->module_pages == 0x501);
    CHECK(l->start_info_mod_start() == 0xffffffff82a00000);
    CHECK(l->start_info_flags() == 0);
    CHECK(l->p2m_in_mapping);
    CHECK(l->p2m_start == 0xffffffff82f01000);
    CHECK(l->p2m_end == 0xffffffff83101000);
    CHECK(l->start_info == 0xffffffff83101000);
    CHECK(l->pt_base == 0xffffffff83102000);
    CHECK(l->nr_pt_frames == 29);
    CHECK(l->stack_start == 0xffffffff8311f000);
    CHECK(l->virt_end == 0xffffffff83400000);
    CHECK(l->mapped_pages == 0x3400);
    CHECK(l->pages_needed == 0x3400);
}

TEST_CASE("The page-table count is the stable one", "[builder][layout]") {
    // Kernel [0, 0x37a000), p2m elsewhere (INIT_P2M), 4096 pages.
    //   start_info 0x37a000, tables from 0x37b000.
    //   n = 2..4: stack_end <= 0x380000, padding to 4 MiB >= 512 KiB:
    //             virt_end 4 MiB, need 1 + 1 + 1 + 2 = 5.
    //   n = 5:    stack_end 0x381000, only 0x7f000 to 4 MiB: virt_end 8 MiB,
    //             need 1 + 1 + 1 + 4 = 7.
    //   n = 7:    stack [0x382000, 0x383000), virt_end 8 MiB, need 7. Stable.
    //   p2m: 32 KiB = 8 pages at 512 GiB + L3 + L2 + L1 = 11 frames after
    //   the 2048 mapped pages.
    XenGuestInfo g = guest(0, 0, 0x37a000);
    g.has_init_p2m = true;
    g.init_p2m = 0x8000000000;
    auto l = compute_pv_layout(g, {4096, 0, DomainKind::boot});
    REQUIRE(l);
    CHECK(l->pt_base == 0x37b000);
    CHECK(l->nr_pt_frames == 7);
    CHECK(l->tables.l1 == 4);
    CHECK(l->stack_start == 0x382000);
    CHECK(l->stack_end == 0x383000);
    CHECK(l->virt_end == 0x800000);
    CHECK(l->mapped_pages == 2048);
    CHECK(l->first_p2m_pfn == 2048);
    CHECK(l->nr_p2m_frames == 11);
    CHECK(l->pages_needed == 2059);

    const Reference ref = xen_search(0, 0x37b000);
    CHECK(ref.nr_pt == 7);
    CHECK(ref.v_end == 0x800000);
}

TEST_CASE("Layouts agree with Xen's search over many sizes", "[builder][layout]") {
    const uint64_t bases[] = {0, k_linux_base, 0x400000000};
    const uint64_t pages[] = {256, 8192, 65536, 0x40000, 1u << 20};
    const uint64_t modules[] = {0, 123457};
    int checked = 0;
    for (uint64_t base : bases)
        for (uint64_t kernel_size = 0x1000; kernel_size < (96ull << 20);
             kernel_size = kernel_size * 3 + 0x1345)
            for (uint64_t nr_pages : pages)
                for (uint64_t module_len : modules)
                    for (DomainKind kind : {DomainKind::boot, DomainKind::guest}) {
                        XenGuestInfo g =
                            guest(base, base + 0x200000, base + 0x200000 + kernel_size);
                        auto l = compute_pv_layout(g, {nr_pages, module_len, kind});
                        if (!l) {
                            CHECK(l.error() == k_enomem);
                            continue;
                        }
                        INFO("base " << base << " kernel " << kernel_size << " pages " << nr_pages);
                        const Reference ref = xen_search(base, l->pt_base);
                        CHECK(l->nr_pt_frames == ref.nr_pt);
                        CHECK(l->stack_start == ref.stack_start);
                        CHECK(l->virt_end == ref.v_end);
                        CHECK(l->nr_pt_frames == l->tables.total());
                        CHECK(l->virt_end % (4 << 20) == 0);
                        CHECK(l->virt_end - l->stack_end >= (512 << 10));
                        CHECK(l->p2m_end - l->p2m_start == nr_pages * 8);
                        CHECK(l->start_info >= l->p2m_end);
                        CHECK(l->pages_needed <= nr_pages);
                        ++checked;
                    }
    CHECK(checked > 100);
}

TEST_CASE("Not enough memory for the layout", "[builder][layout]") {
    // 1000 pages: the p2m is 8000 bytes (2 pages), everything fits below
    // 4 MiB, but the 4 MiB mapping alone is 1024 pages.
    BuildError error;
    auto l = compute_pv_layout(guest(0, 0, 0x25000), {1000, 0, DomainKind::boot}, &error);
    REQUIRE_FALSE(l);
    CHECK(l.error() == k_enomem);
    CHECK(rendered(error) == "not enough memory: 1024 pages needed");
    CHECK(error.number == 1024);

    // The unmapped initrd and the p2m frames outside count too. Linux-like
    // kernel with 12571 pages: mapping 11264 + initrd 1280 + p2m
    // (12571 * 8 = 100568 bytes = 25 pages, + 3 tables) = 12572 > 12571.
    // With 12572 pages the p2m is still 25 pages: it fits exactly.
    error = BuildError{};
    CHECK_FALSE(compute_pv_layout(linux_like(), {12571, 5 << 20, DomainKind::boot}, &error));
    CHECK(rendered(error) == "not enough memory: 12572 pages needed");
    auto exact = compute_pv_layout(linux_like(), {12572, 5 << 20, DomainKind::boot});
    REQUIRE(exact);
    CHECK(exact->pages_needed == 12572);
}

TEST_CASE("Layouts that collide with the address space are refused", "[builder][layout]") {
    const LayoutRequest r{8192, 0, DomainKind::boot};
    SECTION("VIRT_BASE in the hypervisor's range") {
        const uint64_t hole = k_hypervisor_hole_start + 0x40000000;
        CHECK(refusal(guest(hole, hole, hole + 0x1000), r) ==
              "initial mapping overlaps the hypervisor's reserved range");
    }
    SECTION("mapping running into the hypervisor's range from below is non-canonical") {
        const uint64_t base = 0x00007fffffff0000; // 64 KiB below the end of the lower half
        CHECK(refusal(guest(base, base, base + 0x1000), r) ==
              "initial mapping is not canonical (VIRT_BASE)");
    }
    SECTION("non-canonical VIRT_BASE") {
        CHECK(refusal(guest(0x0000800000000000, 0x0000800000000000, 0x0000800000001000), r) ==
              "initial mapping is not canonical (VIRT_BASE)");
    }
    SECTION("just above the hypervisor's range is fine") {
        const uint64_t base = k_hypervisor_hole_end;
        CHECK(refusal(guest(base, base, base + 0x1000), r) == "");
    }
    SECTION("mapping wrapping past 2^64") {
        const uint64_t base = 0xffffffffffc00000;
        CHECK(refusal(guest(base, base, base + 0x1000), r) ==
              "initial mapping wraps past the top of the address space");
    }
    SECTION("VIRT_BASE not page aligned") {
        CHECK(refusal(guest(0x800, 0x800, 0x1000), r) == "VIRT_BASE is not page aligned");
    }
    SECTION("unchecked notes") {
        XenGuestInfo g = guest(0, 0, 0x1000);
        g.checked = false;
        CHECK(refusal(g, r) == "kernel notes were not checked before the layout");
    }
    SECTION("HYPERCALL_PAGE outside the mapping") {
        XenGuestInfo g = guest(0, 0, 0x25000);
        g.has_hypercall_page = true;
        g.hypercall_page = 0x400000; // virt_end
        CHECK(refusal(g, r) == "HYPERCALL_PAGE outside the initial mapping");
        g.hypercall_page = 0x3ff000; // the last mapped page
        CHECK(refusal(g, r) == "");
    }
    SECTION("INIT_P2M overlapping the mapping") {
        XenGuestInfo g = guest(0, 0, 0x25000);
        g.has_init_p2m = true;
        g.init_p2m = 0x3ff000; // inside [0, 4 MiB)
        CHECK(refusal(g, r) == "INIT_P2M area overlaps the initial mapping");
    }
    SECTION("INIT_P2M in the hypervisor's range or non-canonical") {
        XenGuestInfo g = guest(0, 0, 0x25000);
        g.has_init_p2m = true;
        g.init_p2m = 0xffff804000000000;
        CHECK(refusal(g, r) == "INIT_P2M area overlaps the hypervisor's reserved range");
        g.init_p2m = 0x00007ffffffff000; // 64 KiB of p2m runs past the lower half
        CHECK(refusal(g, r) == "INIT_P2M area is not canonical");
        g.init_p2m = 0xfffffffffffff000;
        CHECK(refusal(g, r) == "INIT_P2M area wraps past the top of the address space");
    }
    SECTION("a misaligned INIT_P2M is ignored, as libxenguest does") {
        XenGuestInfo g = guest(0, 0, 0x25000);
        g.has_init_p2m = true;
        g.init_p2m = 0x8000000800;
        auto l = compute_pv_layout(g, r);
        REQUIRE(l);
        CHECK(l->p2m_in_mapping);
        CHECK(l->p2m_start == 0x25000);
    }
    SECTION("absurd page counts") {
        CHECK(refusal(guest(0, 0, 0x1000), {~uint64_t{0}, 0, DomainKind::boot}) ==
              "too many pages for a p2m list");
        CHECK(refusal(guest(0, 0, 0x1000), {(uint64_t{1} << 61) - 1, 0, DomainKind::boot}) ==
              "initial mapping wraps past the top of the address space");
        CHECK(refusal(guest(0, 0, 0x1000), {uint64_t{1} << 60, 0, DomainKind::boot}) ==
              "initial mapping is not canonical (VIRT_BASE)");
    }
}

TEST_CASE("From ELF file to layout", "[builder][layout]") {
    Notes notes = Notes()
                      .str(abi::raw(abi::ElfNote::guest_os), "Mini-OS")
                      .str(abi::raw(abi::ElfNote::loader), "generic")
                      .str(abi::raw(abi::ElfNote::xen_version), "xen-3.0")
                      .u64(abi::raw(abi::ElfNote::virt_base), 0)
                      .u64(abi::raw(abi::ElfNote::entry), 0)
                      .u64(abi::raw(abi::ElfNote::hypercall_page), 0x1000)
                      .str(abi::raw(abi::ElfNote::features), "!writable_page_tables");
    const Bytes file = ElfBuilder()
                           .load(0, 0, 0x2000, 0x1d000)
                           .load(0x1d000, 0x1d000, 0x100, 0x8000, ElfBuilder::k_rw)
                           .note_segment(notes)
                           .build();
    auto image = ElfImage::parse(file.data(), file.size());
    REQUIRE(image);
    const GuestPolicy policy{abi::feature_bit(abi::Feature::writable_page_tables), true};
    auto info = read_xen_guest_info(*image, policy);
    REQUIRE(info);
    auto l = compute_pv_layout(*info, {8192, 0, DomainKind::boot});
    REQUIRE(l);
    // Kernel [0, 0x25000): the first test case's layout.
    CHECK(l->kernel_end == 0x25000);
    CHECK(l->start_info == 0x35000);
    CHECK(l->pt_base == 0x36000);
    CHECK(l->stack_end == 0x3c000);
    CHECK(l->hypercall_page == 0x1000);
}
