// Xen ELF notes: parsing (sizes, padding, truncation, owners, where notes
// live) and the acceptance rules Xen's libelf applies.
#include "core/builder/xen_notes.hpp"

// Catch2 pulls in <cerrno>, whose EINVAL macro would rewrite Errno::einval:
// name the value first.
namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
} // namespace

#include "test_elf.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace pv;
using namespace pv::builder;
using namespace pv::test;
using abi::ElfNote;

namespace {

constexpr uint32_t note(ElfNote n) {
    return abi::raw(n);
}
constexpr uint32_t bit(abi::Feature f) {
    return abi::feature_bit(f);
}

constexpr uint64_t k_linux_base = 0xffffffff80000000;
constexpr uint32_t k_wpt = bit(abi::Feature::writable_page_tables);
constexpr uint32_t k_pae_above_4g = bit(abi::Feature::pae_pgdir_above_4gb);
constexpr uint32_t k_dom0 = bit(abi::Feature::dom0);

// What Paravane offers a PV guest in these tests.
const GuestPolicy k_policy{k_wpt | k_pae_above_4g | bit(abi::Feature::writable_descriptor_tables),
                           true};

// The notes every acceptable kernel carries.
Notes base_notes() {
    return Notes()
        .str(note(ElfNote::guest_os), "Mini-OS")
        .str(note(ElfNote::loader), "generic")
        .str(note(ElfNote::xen_version), "xen-3.0");
}

// A mini-os-like kernel: linked at 0, one segment [0, 0x25000).
Bytes kernel(const Notes& notes, uint64_t entry = 0x10) {
    return ElfBuilder().entry(entry).load(0, 0, 0x100, 0x25000).note_segment(notes).build();
}

// Keeps the file alive beside the parsed view.
struct Parsed {
    Bytes file;
    ElfImage image;
};

Parsed parse_image(const Bytes& file) {
    Parsed p{file, {}};
    auto image = ElfImage::parse(p.file.data(), p.file.size());
    REQUIRE(image);
    p.image = *image;
    return p;
}

std::string rendered(const BuildError& e) {
    char buf[160];
    e.render(buf, sizeof buf);
    return buf;
}

// The refusal message of read_xen_guest_info, or "" if accepted.
std::string refusal(const Bytes& file, const GuestPolicy& policy = k_policy) {
    Parsed p = parse_image(file);
    BuildError error;
    auto info = read_xen_guest_info(p.image, policy, &error);
    if (info) return "";
    CHECK(info.error() == k_einval);
    return rendered(error);
}

} // namespace

TEST_CASE("Xen notes of a Linux-like kernel", "[builder][notes]") {
    // As Linux's xen-head.S emits them (FEATURES without a NUL).
    Bytes l1_pair;
    append64(l1_pair, 1);
    append64(l1_pair, 1);
    const Notes notes =
        Notes()
            .str(note(ElfNote::guest_os), "linux")
            .str(note(ElfNote::guest_version), "2.6")
            .str(note(ElfNote::xen_version), "xen-3.0")
            .u64(note(ElfNote::virt_base), k_linux_base)
            .u64(note(ElfNote::init_p2m), 0x8000000000)
            .u64(note(ElfNote::entry), 0xffffffff81000040)
            .u64(note(ElfNote::hypercall_page), 0xffffffff81001000)
            .str(note(ElfNote::features), "!writable_page_tables|pae_pgdir_above_4gb", false)
            .u32(note(ElfNote::supported_features), k_wpt | k_dom0)
            .str(note(ElfNote::pae_mode), "yes")
            .str(note(ElfNote::loader), "generic")
            .xen(note(ElfNote::l1_mfn_valid), l1_pair)
            .u32(note(ElfNote::suspend_cancel), 1)
            .u32(note(ElfNote::mod_start_pfn), 1)
            .u64(note(ElfNote::hv_start_low), 0xffff800000000000)
            .u64(note(ElfNote::paddr_offset), 0);
    Parsed p = parse_image(ElfBuilder()
                               .entry(0x1000000)
                               .load(0xffffffff81000000, 0x1000000, 0x100, 0x1a00000)
                               .note_segment(notes)
                               .build());
    BuildError error;
    auto info = read_xen_guest_info(p.image, k_policy, &error);
    INFO(rendered(error));
    REQUIRE(info);
    CHECK(info->xen_note_count == 16);
    CHECK(info->guest_os == "linux");
    CHECK(info->guest_version == "2.6");
    CHECK(info->loader == "generic");
    CHECK(info->pae_mode == "yes");
    CHECK(info->has_init_p2m);
    CHECK(info->init_p2m == 0x8000000000);
    CHECK(info->hypercall_page == 0xffffffff81001000);
    CHECK(info->has_l1_mfn_valid);
    CHECK(info->l1_mfn_valid_mask == 1);
    CHECK(info->l1_mfn_valid_value == 1);
    CHECK(info->suspend_cancel == 1);
    CHECK(info->hv_start_low == 0xffff800000000000);
    CHECK(info->features_required == k_wpt);
    CHECK(info->features_supported == (k_wpt | k_pae_above_4g | k_dom0));
    CHECK(info->supported_features_note == (k_wpt | k_dom0));
    // Resolved: [0x1000000, 0x2a00000) + VIRT_BASE - PADDR_OFFSET (0).
    CHECK(info->checked);
    CHECK(info->virt_kstart == 0xffffffff81000000);
    CHECK(info->virt_kend == 0xffffffff82a00000);
    CHECK(info->virt_entry == 0xffffffff81000040);
    CHECK(info->unmapped_initrd);
}

TEST_CASE("Numeric notes may be 4 or 8 bytes", "[builder][notes]") {
    Notes four = base_notes().u32(note(ElfNote::entry), 0x20).u32(note(ElfNote::virt_base), 0);
    Notes eight = base_notes().u64(note(ElfNote::entry), 0x20).u64(note(ElfNote::virt_base), 0);
    for (const Notes* n : {&four, &eight}) {
        Parsed p = parse_image(kernel(*n));
        auto info = read_xen_guest_info(p.image, k_policy);
        REQUIRE(info);
        CHECK(info->has_entry);
        CHECK(info->virt_entry == 0x20);
        CHECK(info->has_virt_base);
    }

    Bytes two = {0x20, 0};
    CHECK(refusal(kernel(base_notes().xen(note(ElfNote::entry), two))) ==
          "Xen ELF note: numeric value is not 4 or 8 bytes");
    CHECK(refusal(kernel(base_notes().xen(note(ElfNote::l1_mfn_valid), Bytes(12)))) ==
          "Xen ELF note: L1_MFN_VALID is not (mask, value) pairs");
}

TEST_CASE("Malformed note data is refused", "[builder][notes]") {
    // A Xen ENTRY note header claiming a 100-byte descriptor.
    Bytes header;
    append32(header, 4);   // namesz
    append32(header, 100); // descsz
    append32(header, note(ElfNote::entry));

    SECTION("descriptor runs past the segment") {
        Bytes bad = header;
        bad.insert(bad.end(), {'X', 'e', 'n', 0, 1, 2, 3, 4});
        CHECK(refusal(kernel(base_notes().append(bad))) == "ELF: truncated note");
    }
    SECTION("name runs past the segment") {
        Bytes bad;
        append32(bad, 64); // namesz
        append32(bad, 0);
        append32(bad, 1);
        bad.insert(bad.end(), {'X', 'e', 'n', 0});
        CHECK(refusal(kernel(base_notes().append(bad))) == "ELF: truncated note");
    }
    SECTION("header cut short") {
        CHECK(refusal(kernel(base_notes().append(Bytes(8)))) == "ELF: truncated note");
    }
    SECTION("huge sizes do not wrap the bounds check") {
        Bytes bad;
        append32(bad, 0xfffffffd); // namesz rounds to 2^32
        append32(bad, 0xffffffff);
        append32(bad, 1);
        CHECK(refusal(kernel(base_notes().append(bad))) == "ELF: truncated note");
    }
    SECTION("misaligned note segment") {
        const Bytes file = ElfBuilder()
                               .load(0, 0, 0x100, 0x25000)
                               .note_segment(base_notes().u64(note(ElfNote::entry), 0), true)
                               .build();
        CHECK(refusal(file) == "ELF: note data misaligned");
    }
    SECTION("the padding after the last descriptor may be missing") {
        Notes n = base_notes().str(note(ElfNote::guest_version), "4.5"); // desc 4 bytes
        Bytes unpadded = n.bytes();
        // A final note with a 5-byte descriptor and the segment ending right
        // after it, without the 3 bytes of padding.
        append32(unpadded, 4);
        append32(unpadded, 5);
        append32(unpadded, note(ElfNote::bsd_symtab));
        unpadded.insert(unpadded.end(), {'X', 'e', 'n', 0, 'n', 'o', 0, 0, 0});
        Parsed p = parse_image(kernel(Notes().append(unpadded)));
        auto info = parse_xen_notes(p.image);
        REQUIRE(info);
        CHECK(info->bsd_symtab == "no");
    }
}

TEST_CASE("Only notes owned by Xen count", "[builder][notes]") {
    Bytes build_id(20, 0x11);
    SECTION("other owners are skipped") {
        Notes n = Notes().raw("GNU", 3, build_id).raw("Linux", 0x100, Bytes(4));
        Notes all = n;
        all.append(base_notes().bytes());
        Parsed p = parse_image(kernel(all));
        auto info = parse_xen_notes(p.image);
        REQUIRE(info);
        CHECK(info->xen_note_count == 3);
    }
    SECTION("a name that only starts with Xen is another owner") {
        const Bytes file = kernel(Notes().raw("Xenon", note(ElfNote::entry), Bytes(8)));
        CHECK(refusal(file) == "kernel has no Xen ELF notes (not built for Xen PV)");
    }
    SECTION("no notes at all") {
        const Bytes file = ElfBuilder().load(0, 0, 0x10, 0x1000).build();
        CHECK(refusal(file) == "kernel has no Xen ELF notes (not built for Xen PV)");
    }
    SECTION("only foreign notes") {
        CHECK(refusal(kernel(Notes().raw("GNU", 3, build_id))) ==
              "kernel has no Xen ELF notes (not built for Xen PV)");
    }
    SECTION("unknown Xen note types are ignored") {
        Notes n = base_notes().u32(0x7777, 1).xen(note(ElfNote::info), Bytes(3));
        Parsed p = parse_image(kernel(n));
        auto info = parse_xen_notes(p.image);
        REQUIRE(info);
        CHECK(info->xen_note_count == 5);
    }
}

TEST_CASE("Notes in SHT_NOTE sections are used when no segment has any", "[builder][notes]") {
    const Notes notes = base_notes().u64(note(ElfNote::entry), 0x40);
    SECTION("section only") {
        Parsed p = parse_image(ElfBuilder().load(0, 0, 0x100, 0x1000).note_section(notes).build());
        auto info = read_xen_guest_info(p.image, k_policy);
        REQUIRE(info);
        CHECK(info->virt_entry == 0x40);
    }
    SECTION("segment notes win; sections are then not read") {
        Notes other = base_notes().u64(note(ElfNote::entry), 0x80);
        Bytes broken;
        append32(broken, 4);
        append32(broken, 400); // truncated: would fail if it were read
        append32(broken, 1);
        Parsed p = parse_image(ElfBuilder()
                                   .load(0, 0, 0x100, 0x1000)
                                   .note_segment(other)
                                   .note_section(Notes().append(broken))
                                   .build());
        auto info = read_xen_guest_info(p.image, k_policy);
        REQUIRE(info);
        CHECK(info->virt_entry == 0x80);
    }
    SECTION("a note section outside the file") {
        Bytes file = ElfBuilder().load(0, 0, 0x100, 0x1000).note_section(notes).build();
        const size_t shoff = static_cast<size_t>(file[ehdr::shoff] | file[ehdr::shoff + 1] << 8);
        put64(file, shoff + 64 + 32, 0x100000); // sh_size of section 1
        CHECK(refusal(file) == "ELF: note section outside the file");
    }
}

TEST_CASE("Entry point and address notes follow Xen's defaults", "[builder][notes]") {
    SECTION("missing ENTRY: the ELF entry point") {
        Parsed p = parse_image(kernel(base_notes(), 0x1234));
        auto info = read_xen_guest_info(p.image, k_policy);
        REQUIRE(info);
        CHECK_FALSE(info->has_entry);
        CHECK(info->virt_entry == 0x1234);
        // VIRT_BASE and PADDR_OFFSET default to 0: the kernel sits at its paddrs.
        CHECK(info->virt_kstart == 0);
        CHECK(info->virt_kend == 0x25000);
    }
    SECTION("entry outside the image") {
        CHECK(refusal(kernel(base_notes(), 0x30000)) ==
              "kernel entry point outside the kernel image");
        CHECK(refusal(kernel(base_notes().u64(note(ElfNote::entry), 0x25001))) ==
              "kernel entry point outside the kernel image");
    }
    SECTION("entry at the very end is accepted, as in Xen") {
        CHECK(refusal(kernel(base_notes().u64(note(ElfNote::entry), 0x25000))) == "");
    }
    SECTION("legacy PADDR_OFFSET == VIRT_BASE with p_paddr == p_vaddr") {
        const Notes n = base_notes()
                            .u64(note(ElfNote::virt_base), k_linux_base)
                            .u64(note(ElfNote::paddr_offset), k_linux_base);
        Parsed p = parse_image(ElfBuilder()
                                   .entry(0xffffffff80100000)
                                   .load(0xffffffff80100000, 0xffffffff80100000, 0x10, 0x1000)
                                   .note_segment(n)
                                   .build());
        auto info = read_xen_guest_info(p.image, k_policy);
        REQUIRE(info);
        CHECK(info->virt_kstart == 0xffffffff80100000);
    }
    SECTION("PADDR_OFFSET without VIRT_BASE") {
        CHECK(refusal(kernel(base_notes().u64(note(ElfNote::paddr_offset), 0))) ==
              "kernel has a PADDR_OFFSET note but no VIRT_BASE");
    }
    SECTION("kernel below VIRT_BASE") {
        const Notes n = base_notes()
                            .u64(note(ElfNote::virt_base), 0x200000)
                            .u64(note(ElfNote::paddr_offset), 0x100000)
                            .u64(note(ElfNote::entry), 0x100000);
        CHECK(refusal(kernel(n)) == "kernel starts below its VIRT_BASE");
    }
    SECTION("kernel range wraps") {
        const Notes n = base_notes().u64(note(ElfNote::virt_base), 0xfffffffffffff000);
        CHECK(refusal(kernel(n)) == "kernel address range wraps around");
    }
    SECTION("INIT_P2M inside the kernel") {
        CHECK(refusal(kernel(base_notes().u64(note(ElfNote::init_p2m), 0x1000))) ==
              "INIT_P2M address inside the kernel image");
    }
    SECTION("MOD_START_PFN 0 keeps the initrd mapped") {
        Parsed p = parse_image(kernel(base_notes().u32(note(ElfNote::mod_start_pfn), 0)));
        auto info = read_xen_guest_info(p.image, k_policy);
        REQUIRE(info);
        CHECK(info->has_mod_start_pfn);
        CHECK_FALSE(info->unmapped_initrd);
    }
    SECTION("a later note overrides an earlier one") {
        Parsed p = parse_image(
            kernel(base_notes().u64(note(ElfNote::entry), 0x100).u64(note(ElfNote::entry), 0x200)));
        auto info = read_xen_guest_info(p.image, k_policy);
        REQUIRE(info);
        CHECK(info->virt_entry == 0x200);
    }
}

TEST_CASE("Loader, guest OS and Xen version acceptance", "[builder][notes]") {
    const std::string not_generic =
        "kernel is neither for the generic loader nor Linux (LOADER/GUEST_OS notes)";
    SECTION("linux without a LOADER note") {
        Notes n = Notes()
                      .str(note(ElfNote::guest_os), "linux")
                      .str(note(ElfNote::xen_version), "xen-3.0");
        CHECK(refusal(kernel(n)) == "");
    }
    SECTION("another OS with the generic loader") {
        Notes n = Notes()
                      .str(note(ElfNote::guest_os), "NetBSD")
                      .str(note(ElfNote::loader), "generic")
                      .str(note(ElfNote::xen_version), "xen-3.0");
        CHECK(refusal(kernel(n)) == "");
    }
    SECTION("another OS without a loader") {
        Notes n = Notes()
                      .str(note(ElfNote::guest_os), "NetBSD")
                      .str(note(ElfNote::xen_version), "xen-3.0");
        CHECK(refusal(kernel(n)) == not_generic);
    }
    SECTION("only XEN_VERSION") {
        CHECK(refusal(kernel(Notes().str(note(ElfNote::xen_version), "xen-3.0"))) == not_generic);
    }
    SECTION("missing or wrong XEN_VERSION") {
        Notes none = Notes().str(note(ElfNote::loader), "generic");
        CHECK(refusal(kernel(none)) == "kernel is not built for the xen-3.0 interface");
        Notes old = Notes()
                        .str(note(ElfNote::loader), "generic")
                        .str(note(ElfNote::xen_version), "xen-2.0");
        CHECK(refusal(kernel(old)) == "kernel is not built for the xen-3.0 interface");
    }
}

TEST_CASE("FEATURES and SUPPORTED_FEATURES", "[builder][notes]") {
    SECTION("optional unknown names are ignored, empty entries too") {
        Parsed p = parse_image(kernel(
            base_notes().str(note(ElfNote::features), "|flying||writable_descriptor_tables|")));
        auto info = read_xen_guest_info(p.image, k_policy);
        REQUIRE(info);
        CHECK(info->features_supported == bit(abi::Feature::writable_descriptor_tables));
        CHECK(info->features_required == 0);
    }
    SECTION("an unknown required feature") {
        CHECK(refusal(kernel(base_notes().str(note(ElfNote::features), "dom0|!flying"))) ==
              "kernel requires unknown feature 'flying'");
    }
    SECTION("a known required feature the hypervisor lacks") {
        CHECK(refusal(kernel(base_notes().str(note(ElfNote::features),
                                              "!writable_page_tables|!supervisor_mode_kernel"))) ==
              "kernel requires unsupported feature 'supervisor_mode_kernel'");
        const GuestPolicy bare{0, false};
        CHECK(refusal(kernel(base_notes().str(note(ElfNote::features), "!writable_page_tables")),
                      bare) == "kernel requires unsupported feature 'writable_page_tables'");
    }
    SECTION("FEATURES notes accumulate") {
        Parsed p = parse_image(kernel(base_notes()
                                          .str(note(ElfNote::features), "!writable_page_tables")
                                          .str(note(ElfNote::features), "pae_pgdir_above_4gb")));
        auto info = read_xen_guest_info(p.image, k_policy);
        REQUIRE(info);
        CHECK(info->features_required == k_wpt);
        CHECK(info->features_supported == (k_wpt | k_pae_above_4g));
    }
    SECTION("Dom0 needs XENFEAT_dom0 once SUPPORTED_FEATURES is given") {
        const GuestPolicy domu{k_policy.hypervisor_features, false};
        const Bytes without = kernel(base_notes().u32(note(ElfNote::supported_features), k_wpt));
        CHECK(refusal(without) == "kernel does not support running as Dom0");
        CHECK(refusal(without, domu) == "");
        CHECK(refusal(kernel(base_notes().u32(note(ElfNote::supported_features), k_dom0))) == "");
        CHECK(refusal(kernel(base_notes()
                                 .str(note(ElfNote::features), "dom0")
                                 .u32(note(ElfNote::supported_features), 0))) == "");
        CHECK(refusal(kernel(base_notes())) == ""); // no SUPPORTED_FEATURES: no check
    }
}

TEST_CASE("check_xen_guest works on parsed notes", "[builder][notes]") {
    Parsed p = parse_image(kernel(base_notes()));
    auto info = parse_xen_notes(p.image);
    REQUIRE(info);
    CHECK_FALSE(info->checked);
    XenGuestInfo copy = *info;
    REQUIRE(check_xen_guest(p.image, copy, k_policy));
    CHECK(copy.checked);
    CHECK(feature_name(0) == "writable_page_tables");
    CHECK(feature_name(12).empty());
}
