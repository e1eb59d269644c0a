// build_pvh: every request it must refuse, each with a reason, and kernels
// mutated at random that must be built inside RAM or refused.
#include "tests/unit/builder/pvh_fixture.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace pv;
using namespace pv::builder;
using namespace pv::test;
using namespace pv::test::pvh;

TEST_CASE("PVH: kernels without a PHYS32_ENTRY or with a broken ELF image are refused",
          "[builder][pvh]") {
    Notes pv_only;
    pv_only.str(note(abi::ElfNote::guest_os), "Mini-OS")
        .str(note(abi::ElfNote::loader), "generic")
        .str(note(abi::ElfNote::xen_version), "xen-3.0");
    const Bytes pv_kernel = notes_only_kernel(pv_only);
    CHECK(refusal(request_for(pv_kernel)) ==
          "kernel has no PHYS32_ENTRY note (not built for Xen PVH)");

    const Bytes no_notes = ElfBuilder().load(k_kernel_paddr, k_kernel_paddr, 0x80, 0x1000).build();
    CHECK_FALSE(refusal(request_for(no_notes)).empty());

    // Truncated: cut inside the program headers, inside the segment data.
    const Bytes good = pvh_kernel();
    for (size_t cut : {size_t{10}, size_t{64}, size_t{100}, good.size() - 1}) {
        INFO("cut at " << cut);
        const Bytes truncated(good.begin(), good.begin() + static_cast<long>(cut));
        CHECK_FALSE(refusal(request_for(truncated)).empty());
    }
    Bytes not_elf = good;
    not_elf[1] = 'X';
    CHECK_FALSE(refusal(request_for(not_elf)).empty());

    PvhBuildRequest none = request_for(good);
    none.kernel = nullptr;
    CHECK(refusal(none) == "no kernel image given");
    none = request_for(good);
    none.kernel_size = 0;
    CHECK(refusal(none) == "no kernel image given");
}

TEST_CASE("PVH: kernels outside RAM or over the builder's pages are refused", "[builder][pvh]") {
    // Beyond the end of RAM (4 MiB of RAM, kernel at 16 MiB).
    CHECK(refusal(request_for(pvh_kernel(0x1000000, 0x1000010))) ==
          "kernel segment lies beyond the domain's RAM");
    // Its BSS reaching into the boot information at the top of RAM.
    const uint64_t ram_end = 1024 * k_page;
    const Bytes into_info = pvh_kernel(k_kernel_paddr, k_kernel_paddr + 0x10,
                                       ram_end - 5 * k_page - k_kernel_paddr + 1);
    CHECK(refusal(request_for(into_info)) ==
          "kernel segment overlaps the start-of-day pages at the top of RAM");
    // Ending exactly where the builder's pages start is fine.
    const Bytes up_to_info =
        pvh_kernel(k_kernel_paddr, k_kernel_paddr + 0x10, ram_end - 5 * k_page - k_kernel_paddr);
    GuestRam ram(1024);
    BuildError why;
    CHECK(build_pvh(request_for(up_to_info), ram, why));
    // The entry point must be inside the loaded kernel.
    CHECK(refusal(request_for(pvh_kernel(k_kernel_paddr, k_kernel_paddr - 1))) ==
          "PHYS32_ENTRY lies outside the loaded kernel");
    CHECK(refusal(request_for(pvh_kernel(k_kernel_paddr, k_kernel_paddr + k_kernel_memsz))) ==
          "PHYS32_ENTRY lies outside the loaded kernel");
}

TEST_CASE("PVH: vCPU counts, memory sizes and ramdisks that do not fit are refused",
          "[builder][pvh]") {
    const Bytes kernel = pvh_kernel();
    CHECK(refusal(request_for(kernel, 1024, 0)) == "a PVH domain needs at least one vCPU");
    CHECK(refusal(request_for(kernel, 1024, 9)) == "a PVH domain has at most 8 vCPUs");
    CHECK(refusal(request_for(kernel, 255)) == "a PVH domain needs at least 256 pages of memory");
    CHECK(refusal(request_for(kernel, 0)) == "a PVH domain needs at least 256 pages of memory");
    CHECK(refusal(request_for(kernel, k_pvh_max_memory_pages + 1)) ==
          "a PVH domain has at most 983040 pages of memory");

    // 1 MiB of RAM is the minimum, but the kernel at 1 MiB does not fit in it.
    CHECK(refusal(request_for(kernel, 256)) == "kernel segment lies beyond the domain's RAM");

    // Ramdisk: from the page after the kernel up to the boot information.
    const uint64_t room = (1024 - 5) * k_page - (k_kernel_paddr + k_kernel_memsz);
    const Bytes fits(room, 7), too_big(room + 1, 7);
    PvhBuildRequest r = request_for(kernel);
    r.ramdisk = fits.data();
    r.ramdisk_size = fits.size();
    GuestRam ram(1024);
    BuildError why;
    auto b = build_pvh(r, ram, why);
    REQUIRE(b);
    CHECK(b->ramdisk_gpa + fits.size() == b->boot_info_gpa);
    r.ramdisk = too_big.data();
    r.ramdisk_size = too_big.size();
    CHECK(refusal(r) == "ramdisk does not fit in the domain's memory: 1 more pages needed");
}

TEST_CASE("PVH: inconsistent ramdisks and over-long command lines are refused", "[builder][pvh]") {
    const Bytes kernel = pvh_kernel();
    const Bytes ramdisk(100, 1);
    PvhBuildRequest r = request_for(kernel);
    r.ramdisk = ramdisk.data();
    CHECK(refusal(r) == "ramdisk address and size disagree");
    r = request_for(kernel);
    r.ramdisk_size = 100;
    CHECK(refusal(r) == "ramdisk address and size disagree");
    r = request_for(kernel);
    r.ramdisk_cmdline = "orphan";
    CHECK(refusal(r) == "ramdisk command line given without a ramdisk");

    const std::string longest(k_pvh_max_cmdline - 1, 'c'), too_long(k_pvh_max_cmdline, 'c');
    r = request_for(kernel);
    r.cmdline = too_long.c_str();
    CHECK(refusal(r) == "kernel command line longer than 4095 characters");
    r.cmdline = longest.c_str();
    GuestRam ram(1024);
    BuildError why;
    auto b = build_pvh(r, ram, why);
    REQUIRE(b);
    CHECK(ram.string(start_info(ram, *b).cmdline_paddr) == longest);

    const std::string module_too_long(k_pvh_max_module_cmdline, 'm');
    r = request_for(kernel);
    r.ramdisk = ramdisk.data();
    r.ramdisk_size = ramdisk.size();
    r.ramdisk_cmdline = module_too_long.c_str();
    CHECK(refusal(r) == "ramdisk command line longer than 3583 characters");

    // An empty command line is present (a pointer to a NUL), not absent.
    r = request_for(kernel);
    r.cmdline = "";
    GuestRam ram2(1024);
    auto e = build_pvh(r, ram2, why);
    REQUIRE(e);
    const abi::HvmStartInfo si = start_info(ram2, *e);
    CHECK(si.cmdline_paddr != 0);
    CHECK(ram2.string(si.cmdline_paddr).empty());
}

TEST_CASE("PVH: a failing guest-memory write is passed on with a reason", "[builder][pvh]") {
    const Bytes kernel = pvh_kernel();
    GuestRam ram(1024);
    ram.fail_writes_at_or_above = (1024 - 3) * k_page; // the ACPI page
    BuildError why;
    auto b = build_pvh(request_for(kernel), ram, why);
    REQUIRE_FALSE(b);
    CHECK(b.error() == k_efault);
    CHECK(reason(why) == "cannot write the ACPI tables to guest memory");
}

TEST_CASE("PVH: malformed ELF32 kernels are refused", "[builder][pvh]") {
    Notes notes;
    notes.u32(note(abi::ElfNote::phys32_entry), 0x200004);
    const Bytes good = elf32_kernel(0x200000, 0x40, 0x1800, notes);
    Bytes wrong_machine = good;
    put16(wrong_machine, 18, 62);
    CHECK(refusal(request_for(wrong_machine)) == "ELF: 32-bit image not for i386");
    Bytes wide_phdrs = good;
    put16(wide_phdrs, 42, 56);
    CHECK(refusal(request_for(wide_phdrs)) == "ELF: program header entry size is not 32");
    Bytes bad_class = good;
    bad_class[4] = 3;
    CHECK(refusal(request_for(bad_class)) == "ELF: neither 32- nor 64-bit");
    Bytes load_outside = good;
    put32(load_outside, 52 + 16, 0x10000); // p_filesz past the end of the file
    put32(load_outside, 52 + 20, 0x10000);
    CHECK(refusal(request_for(load_outside)) == "ELF: segment file data outside the file");
    for (size_t cut : {size_t{51}, size_t{60}, good.size() - 1}) {
        INFO("cut at " << cut);
        const Bytes truncated(good.begin(), good.begin() + static_cast<long>(cut));
        CHECK_FALSE(refusal(request_for(truncated)).empty());
    }
}

TEST_CASE("PVH: mutated kernels are built inside RAM or refused with a reason",
          "[builder][pvh][robustness]") {
    Notes notes;
    notes.u64(note(abi::ElfNote::virt_base), 0xffffffff80000000)
        .u64(note(abi::ElfNote::paddr_offset), 0)
        .u32(note(abi::ElfNote::phys32_entry), 0x100010)
        .str(note(abi::ElfNote::features), "!writable_page_tables");
    const Bytes elf64 = ElfBuilder()
                            .load(0xffffffff80100000, 0x100000, 0x80, 0x4000)
                            .load(0xffffffff80200000, 0x200000, 0x40, 0x1000, ElfBuilder::k_rw)
                            .note_segment(notes)
                            .note_section(notes)
                            .build();
    const Bytes elf32 = elf32_kernel(0x100000, 0x80, 0x4000, notes);
    const Bytes ramdisk(3000, 9);

    std::mt19937_64 random(6);
    GuestRam ram(2048);
    int accepted = 0, refused = 0;
    for (int round = 0; round < 10000; ++round) {
        Bytes file = round % 2 ? elf64 : elf32;
        mutate(file, random);
        const std::vector<uint8_t> exact(file.begin(), file.end()); // ASan sees over-reads
        PvhBuildRequest r = request_for(exact, 2048, 1);
        r.ramdisk = ramdisk.data();
        r.ramdisk_size = ramdisk.size();
        BuildError why;
        auto b = build_pvh(r, ram, why);
        if (b) {
            ++accepted;
            REQUIRE(b->kernel_end_gpa <= b->boot_info_gpa);
            REQUIRE(b->entry >= b->kernel_start_gpa);
            REQUIRE(b->entry < b->kernel_end_gpa);
            REQUIRE(b->ramdisk_gpa >= b->kernel_end_gpa);
            REQUIRE(b->ramdisk_gpa + ramdisk.size() <= b->boot_info_gpa);
        } else {
            ++refused;
            REQUIRE(why.message != nullptr);
            REQUIRE_FALSE(reason(why).empty());
        }
        REQUIRE(ram.out_of_range == 0);
    }
    CHECK(accepted > 0);
    CHECK(refused > 0);
}
