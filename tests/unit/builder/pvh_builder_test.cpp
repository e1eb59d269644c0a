// build_pvh: what a PVH kernel finds at its entry (hvm_start_info, memory
// map, module, command lines, ACPI, the special pages) and where kernels
// load; the refusals are in pvh_builder_refusal_test.cpp.
#include "tests/unit/builder/pvh_fixture.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace pv;
using namespace pv::builder;
using namespace pv::test;
using namespace pv::test::pvh;

TEST_CASE("PVH: hvm_start_info is version 1 with magic, command line, module and RSDP",
          "[builder][pvh]") {
    const Bytes kernel = pvh_kernel();
    const Bytes ramdisk(5000, 0x42);
    GuestRam ram(1024);
    PvhBuildRequest r = request_for(kernel);
    r.cmdline = "console=hvc0 loglevel=8";
    r.ramdisk = ramdisk.data();
    r.ramdisk_size = ramdisk.size();
    r.ramdisk_cmdline = "initrd-args";
    BuildError why;
    auto built = build_pvh(r, ram, why);
    INFO(reason(why));
    REQUIRE(built);
    const PvhBuildResult& b = *built;

    CHECK(b.entry == k_kernel_paddr + 0x10);
    CHECK(b.start_info_gpa == (1024 - 5) * k_page);
    CHECK(b.start_info_gpa % 8 == 0);
    CHECK(b.kernel_start_gpa == k_kernel_paddr);
    CHECK(b.kernel_end_gpa == k_kernel_paddr + k_kernel_memsz);
    CHECK(b.console_gfn == 1022);
    CHECK(b.store_gfn == 1023);
    CHECK(b.ram_end == 1024 * k_page);

    const abi::HvmStartInfo si = start_info(ram, b);
    CHECK(si.magic == 0x336ec578);
    CHECK(si.version == 1);
    CHECK(si.flags == 0);
    CHECK(si.reserved == 0);
    CHECK(ram.string(si.cmdline_paddr) == "console=hvc0 loglevel=8");

    REQUIRE(si.nr_modules == 1);
    const auto module = ram.object<abi::HvmModlistEntry>(si.modlist_paddr);
    CHECK(module.paddr == k_kernel_paddr + k_kernel_memsz); // first page after the kernel
    CHECK(module.paddr % k_page == 0);
    CHECK(module.size == ramdisk.size());
    CHECK(module.reserved == 0);
    CHECK(ram.string(module.cmdline_paddr) == "initrd-args");
    CHECK(ram.all(module.paddr, ramdisk.size(), 0x42));
    CHECK(b.ramdisk_gpa == module.paddr);

    // Everything the kernel is pointed at lies below 4 GiB and outside the
    // kernel and the module.
    for (uint64_t p : {si.cmdline_paddr, si.modlist_paddr, si.memmap_paddr, si.rsdp_paddr,
                       module.cmdline_paddr}) {
        CHECK(p >= b.boot_info_gpa);
        CHECK(p < b.ram_end);
    }
    CHECK(si.rsdp_paddr == b.rsdp_gpa);
    auto rsdp = acpi::parse_rsdp(ram.at(si.rsdp_paddr), acpi::k_rsdp_v2_size);
    REQUIRE(rsdp);
    CHECK(rsdp->revision == 2);
}

TEST_CASE("PVH: hvm_start_info and its tables sit at the documented offsets", "[builder][pvh]") {
    const Bytes kernel = pvh_kernel();
    GuestRam ram(512);
    PvhBuildRequest r = request_for(kernel, 512);
    const Bytes ramdisk(10, 1);
    r.ramdisk = ramdisk.data();
    r.ramdisk_size = ramdisk.size();
    r.ramdisk_cmdline = "m";
    r.cmdline = "k";
    BuildError why;
    auto b = build_pvh(r, ram, why);
    REQUIRE(b);
    const uint64_t info = b->boot_info_gpa;
    CHECK(info == b->start_info_gpa);
    const abi::HvmStartInfo si = start_info(ram, *b);
    CHECK(si.modlist_paddr == info + 0x40);
    CHECK(si.memmap_paddr == info + 0x80);
    CHECK(si.cmdline_paddr == info + 0x1000);
    CHECK(ram.object<abi::HvmModlistEntry>(si.modlist_paddr).cmdline_paddr == info + 0x200);
    CHECK(si.rsdp_paddr == b->acpi_gpa);
    CHECK(b->acpi_gpa == (512 - 3) * k_page);
    // Field offsets as a guest reads them, byte by byte.
    auto u32_at = [&](uint64_t off) { return ram.object<uint32_t>(info + off); };
    auto u64_at = [&](uint64_t off) { return ram.object<uint64_t>(info + off); };
    CHECK(u32_at(0) == 0x336ec578);
    CHECK(u32_at(4) == 1);
    CHECK(u32_at(12) == 1);
    CHECK(u64_at(16) == info + 0x40);
    CHECK(u64_at(24) == info + 0x1000);
    CHECK(u64_at(32) == b->acpi_gpa);
    CHECK(u64_at(40) == info + 0x80);
    CHECK(u32_at(48) == 4);
}

TEST_CASE("PVH: the memory map covers RAM, the builder's pages and the ACPI tables",
          "[builder][pvh]") {
    const Bytes kernel = pvh_kernel();
    GuestRam ram(2048);
    BuildError why;
    auto built = build_pvh(request_for(kernel, 2048), ram, why);
    REQUIRE(built);
    const PvhBuildResult& b = *built;
    const auto map = memmap(ram, b);
    REQUIRE(map.size() == 4);
    CHECK(b.memmap_entries == 4);

    // Sorted, contiguous, covering exactly [0, RAM end), reserved fields zero.
    uint64_t next = 0;
    for (const auto& e : map) {
        CHECK(e.addr == next);
        CHECK(e.size > 0);
        CHECK(e.addr % k_page == 0);
        CHECK(e.size % k_page == 0);
        CHECK(e.reserved == 0);
        next = e.addr + e.size;
    }
    CHECK(next == 2048 * k_page);

    CHECK(map[0].type == k_ram);
    CHECK(type_of(map, b.kernel_start_gpa, b.kernel_end_gpa - b.kernel_start_gpa) == k_ram);
    CHECK(type_of(map, b.start_info_gpa, 2 * k_page) == k_reserved);
    CHECK(type_of(map, b.acpi_gpa, k_page) == k_acpi);
    CHECK(type_of(map, b.console_gfn * k_page, k_page) == k_reserved);
    CHECK(type_of(map, b.store_gfn * k_page, k_page) == k_reserved);
    // Nothing the builder owns is RAM.
    CHECK(map[0].addr + map[0].size == b.boot_info_gpa);
}

TEST_CASE("PVH: the kernel is loaded at its physical addresses with its BSS cleared",
          "[builder][pvh]") {
    const Bytes kernel = pvh_kernel();
    GuestRam ram(1024);
    BuildError why;
    auto b = build_pvh(request_for(kernel), ram, why);
    REQUIRE(b);
    for (uint64_t i = 0; i < k_kernel_filesz; ++i)
        REQUIRE(ram.at(k_kernel_paddr)[i] == static_cast<uint8_t>(0xa0 + i));
    CHECK(ram.all(k_kernel_paddr + k_kernel_filesz, k_kernel_memsz - k_kernel_filesz, 0));
    // Untouched below the kernel and between it and the builder's pages.
    CHECK(ram.all(0, k_kernel_paddr, 0xcc));
    CHECK(ram.all(b->kernel_end_gpa, b->boot_info_gpa - b->kernel_end_gpa, 0xcc));
    // No ramdisk, no command line: "absent" is 0.
    const abi::HvmStartInfo si = start_info(ram, *b);
    CHECK(si.nr_modules == 0);
    CHECK(si.modlist_paddr == 0);
    CHECK(si.cmdline_paddr == 0);
    CHECK(b->ramdisk_gpa == 0);
}

TEST_CASE("PVH: the console and xenstore pages are zeroed and outside RAM", "[builder][pvh]") {
    const Bytes kernel = pvh_kernel();
    GuestRam ram(1024);
    BuildError why;
    auto b = build_pvh(request_for(kernel), ram, why);
    REQUIRE(b);
    CHECK(b->console_gfn != b->store_gfn);
    CHECK(ram.all(b->console_gfn * k_page, k_page, 0));
    CHECK(ram.all(b->store_gfn * k_page, k_page, 0));
    const auto map = memmap(ram, *b);
    for (uint64_t gfn : {b->console_gfn, b->store_gfn}) {
        CHECK(gfn < 1024);
        CHECK(type_of(map, gfn * k_page, k_page) == k_reserved);
        CHECK(gfn * k_page >= b->kernel_end_gpa);
    }
}

TEST_CASE("PVH: the ACPI tables describe one enabled CPU per vCPU", "[builder][pvh]") {
    const Bytes kernel = pvh_kernel();
    for (uint32_t vcpus : {1u, 4u, 8u}) {
        INFO("vcpus " << vcpus);
        GuestRam ram(1024);
        BuildError why;
        auto b = build_pvh(request_for(kernel, 1024, vcpus), ram, why);
        REQUIRE(b);
        auto rsdp = acpi::parse_rsdp(ram.at(b->rsdp_gpa), acpi::k_rsdp_v2_size);
        REQUIRE(rsdp);
        auto madt = acpi::find_table(ram, *rsdp, "APIC");
        REQUIRE(madt);
        CHECK(madt->via_xsdt);
        auto info = std::make_unique<acpi::MadtInfo>();
        REQUIRE(acpi::parse_madt(ram.at(madt->phys), madt->length, *info));
        CHECK(info->enabled_cpu_count() == vcpus);
        CHECK(info->cpus[vcpus - 1].apic_id == vcpus - 1);
        auto fadt = acpi::find_table(ram, *rsdp, "FACP");
        REQUIRE(fadt);
        // The whole ACPI area is inside the ACPI-typed page.
        CHECK(madt->phys >= b->acpi_gpa);
        CHECK(madt->phys + madt->length <= b->acpi_gpa + k_page);
        CHECK(fadt->phys + fadt->length <= b->acpi_gpa + k_page);
    }
}

TEST_CASE("PVH: a Linux-like vmlinux loads at p_paddr 16 MiB, whatever VIRT_BASE says",
          "[builder][pvh]") {
    Notes notes;
    notes.str(note(abi::ElfNote::guest_os), "linux")
        .u64(note(abi::ElfNote::virt_base), 0xffffffff80000000)
        .u64(note(abi::ElfNote::paddr_offset), 0)
        .u32(note(abi::ElfNote::phys32_entry), 0x1000040)
        .str(note(abi::ElfNote::features), "!writable_page_tables");
    const Bytes kernel = ElfBuilder()
                             .entry(0xffffffff81000000)
                             .load(0xffffffff81000000, 0x1000000, 0x200, 0x8000)
                             .load(0xffffffff81200000, 0x1200000, 0x100, 0x2000, ElfBuilder::k_rw)
                             .note_segment(notes)
                             .build();
    GuestRam ram(0x2000); // 32 MiB
    BuildError why;
    auto b = build_pvh(request_for(kernel, 0x2000, 1), ram, why);
    INFO(reason(why));
    REQUIRE(b);
    CHECK(b->entry == 0x1000040);
    CHECK(b->kernel_start_gpa == 0x1000000);
    CHECK(b->kernel_end_gpa == 0x1202000);
    CHECK(ram.at(0x1200000)[0] == 0xa0);
    CHECK(ram.all(0x1200100, 0x1f00, 0));

    // Xen ignores PADDR_OFFSET for PVH when p_paddr is physical: so do we.
    Notes offset_notes;
    offset_notes.u64(note(abi::ElfNote::virt_base), 0xffffffff80000000)
        .u64(note(abi::ElfNote::paddr_offset), 0x800000)
        .u32(note(abi::ElfNote::phys32_entry), 0x1000040);
    const Bytes with_offset = ElfBuilder()
                                  .load(0xffffffff81000000, 0x1000000, 0x200, 0x8000)
                                  .note_segment(offset_notes)
                                  .build();
    GuestRam ram2(0x2000);
    auto b2 = build_pvh(request_for(with_offset, 0x2000, 1), ram2, why);
    REQUIRE(b2);
    CHECK(b2->kernel_start_gpa == 0x1000000);
}

TEST_CASE("PVH: a kernel linked high with p_paddr == p_vaddr loads at p_paddr - PADDR_OFFSET",
          "[builder][pvh]") {
    constexpr uint64_t k_base = 0xffffffff80000000;
    Notes notes;
    notes.u64(note(abi::ElfNote::virt_base), k_base)
        .u64(note(abi::ElfNote::paddr_offset), k_base)
        .u32(note(abi::ElfNote::phys32_entry), 0x100020);
    const Bytes kernel = ElfBuilder()
                             .entry(k_base + 0x100020)
                             .load(k_base + 0x100000, k_base + 0x100000, 0x40, 0x2000)
                             .note_segment(notes)
                             .build();
    GuestRam ram(1024);
    BuildError why;
    auto b = build_pvh(request_for(kernel), ram, why);
    INFO(reason(why));
    REQUIRE(b);
    CHECK(b->kernel_start_gpa == 0x100000);
    CHECK(b->kernel_end_gpa == 0x102000);
    CHECK(b->entry == 0x100020);
    CHECK(ram.at(0x100000)[0] == 0xa0);

    // Without a PADDR_OFFSET note such a kernel has nowhere to go.
    Notes no_offset;
    no_offset.u32(note(abi::ElfNote::phys32_entry), 0x100020);
    const Bytes high = ElfBuilder()
                           .load(k_base + 0x100000, k_base + 0x100000, 0x40, 0x2000)
                           .note_segment(no_offset)
                           .build();
    CHECK(refusal(request_for(high)) == "kernel segment lies above 4 GiB");
}

TEST_CASE("PVH: an ELF32 i386 kernel loads like an ELF64 one", "[builder][pvh]") {
    Notes notes;
    notes.u32(note(abi::ElfNote::phys32_entry), 0x200004);
    const Bytes kernel = elf32_kernel(0x200000, 0x40, 0x1800, notes);
    GuestRam ram(1024);
    BuildError why;
    auto b = build_pvh(request_for(kernel), ram, why);
    INFO(reason(why));
    REQUIRE(b);
    CHECK(b->entry == 0x200004);
    CHECK(b->kernel_start_gpa == 0x200000);
    CHECK(b->kernel_end_gpa == 0x201800);
    for (uint32_t i = 0; i < 0x40; ++i)
        REQUIRE(ram.at(0x200000)[i] == static_cast<uint8_t>(0xa0 + i));
    CHECK(ram.all(0x200040, 0x1800 - 0x40, 0));

    // The PV builder's parser still takes only ELF64.
    BuildError pv_why;
    CHECK_FALSE(ElfImage::parse(kernel.data(), kernel.size(), &pv_why));
    CHECK(reason(pv_why) == "ELF: not 64-bit");
}
