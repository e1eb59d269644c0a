// Mutated kernel images: whatever the bytes, parsing, note reading and the
// layout either succeed or fail with a message; they never read outside the
// image (run under ASan to see that) and never loop forever.
#include "core/builder/pv_layout.hpp"

#include "test_elf.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace pv;
using namespace pv::builder;
using namespace pv::test;

TEST_CASE("Mutated kernels are accepted or refused with a reason", "[builder][robustness]") {
    using abi::ElfNote;
    const Notes notes = Notes()
                            .str(abi::raw(ElfNote::guest_os), "linux")
                            .str(abi::raw(ElfNote::xen_version), "xen-3.0")
                            .u64(abi::raw(ElfNote::virt_base), 0xffffffff80000000)
                            .u64(abi::raw(ElfNote::entry), 0xffffffff81000000)
                            .u64(abi::raw(ElfNote::init_p2m), 0x8000000000)
                            .u32(abi::raw(ElfNote::mod_start_pfn), 1)
                            .str(abi::raw(ElfNote::features), "!writable_page_tables|dom0");
    const Bytes original = ElfBuilder()
                               .load(0xffffffff81000000, 0x1000000, 0x80, 0x200000)
                               .load(0xffffffff81200000, 0x1200000, 0x40, 0x100000)
                               .note_segment(notes)
                               .note_section(notes)
                               .build();
    const GuestPolicy policy{abi::feature_bit(abi::Feature::writable_page_tables), true};

    std::mt19937_64 random(12345);
    int accepted = 0, refused = 0;
    for (int round = 0; round < 20000; ++round) {
        Bytes file = original;
        mutate(file, random);
        // A copy of exactly the file's size, so ASan catches any over-read.
        std::vector<uint8_t> exact(file.begin(), file.end());
        BuildError error;
        bool ok = false;
        if (auto image = ElfImage::parse(exact.data(), exact.size(), &error)) {
            if (auto info = read_xen_guest_info(*image, policy, &error)) {
                ok = static_cast<bool>(
                    compute_pv_layout(*info, {0x40000, 1 << 20, DomainKind::boot}, &error));
            }
        }
        if (ok) {
            ++accepted;
        } else {
            ++refused;
            REQUIRE(error.message != nullptr);
            char text[200];
            REQUIRE(error.render(text, sizeof text) > 0);
        }
    }
    CHECK(accepted > 0);
    CHECK(refused > 0);
}
