// build_pvh: what a PVH kernel finds at its entry (hvm_start_info, memory
// map, module, command lines, ACPI, the special pages) and every request it
// must refuse.
#include "core/builder/pvh_builder.hpp"

namespace {
constexpr pv::Errno k_einval = pv::Errno::einval;
constexpr pv::Errno k_efault = pv::Errno::efault;
} // namespace

#include "boot/multiboot/phys_reader.hpp"
#include "core/acpi/madt.hpp"
#include "core/acpi/rsdp.hpp"
#include "core/acpi/tables.hpp"
#include "core/builder/elf_image.hpp"
#include "include/public/elfnote.hpp"
#include "include/public/hvm_start_info.hpp"
#include "test_elf.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace pv;
using namespace pv::builder;
using namespace pv::test;

namespace {

constexpr uint64_t k_page = 4096;

// The guest's RAM as one buffer, filled with junk so that whatever the
// builder must clear shows. Also a PhysReader, for the ACPI parsers.
class GuestRam final : public GuestPhysicalMemory, public PhysReader {
public:
    explicit GuestRam(uint64_t pages) : bytes_(pages * k_page, 0xcc) {}

    Status write(uint64_t gpa, const void* src, size_t len) override {
        if (!inside(gpa, len)) {
            ++out_of_range;
            return Errno::efault;
        }
        if (fail_writes_at_or_above != 0 && gpa + len > fail_writes_at_or_above)
            return Errno::efault;
        std::memcpy(bytes_.data() + gpa, src, len);
        return Status::ok();
    }
    Status fill(uint64_t gpa, uint8_t byte, size_t len) override {
        if (!inside(gpa, len)) {
            ++out_of_range;
            return Errno::efault;
        }
        std::memset(bytes_.data() + gpa, byte, len);
        return Status::ok();
    }
    bool read(uint64_t phys, void* dst, size_t len) override {
        if (!inside(phys, len)) return false;
        std::memcpy(dst, bytes_.data() + phys, len);
        return true;
    }

    const uint8_t* at(uint64_t gpa) const { return bytes_.data() + gpa; }
    template <typename T> T object(uint64_t gpa) const {
        REQUIRE(inside(gpa, sizeof(T)));
        T t;
        std::memcpy(&t, at(gpa), sizeof t);
        return t;
    }
    std::string string(uint64_t gpa) const {
        return std::string(reinterpret_cast<const char*>(at(gpa)));
    }
    bool all(uint64_t gpa, size_t len, uint8_t byte) const {
        for (size_t i = 0; i < len; ++i)
            if (at(gpa)[i] != byte) return false;
        return true;
    }

    uint64_t fail_writes_at_or_above = 0;
    int out_of_range = 0; // writes the builder should never have tried

private:
    bool inside(uint64_t gpa, uint64_t len) const {
        return gpa <= bytes_.size() && len <= bytes_.size() - gpa;
    }
    std::vector<uint8_t> bytes_;
};

uint32_t note(abi::ElfNote n) {
    return static_cast<uint32_t>(n);
}

// A kernel like ours will be: linked at 1 MiB physical, entry 0x100010.
constexpr uint64_t k_kernel_paddr = 0x100000;
constexpr uint64_t k_kernel_filesz = 0x180;
constexpr uint64_t k_kernel_memsz = 0x3000; // BSS after the file bytes

Bytes pvh_kernel(uint64_t paddr = k_kernel_paddr, uint64_t entry = k_kernel_paddr + 0x10,
                 uint64_t memsz = k_kernel_memsz) {
    Notes notes;
    notes.u32(note(abi::ElfNote::phys32_entry), static_cast<uint32_t>(entry));
    return ElfBuilder()
        .entry(0xffffffff80000000 + (entry - paddr))
        .load(0xffffffff80000000, paddr, k_kernel_filesz, memsz)
        .note_segment(notes)
        .build();
}

Bytes notes_only_kernel(const Notes& notes) {
    return ElfBuilder()
        .entry(k_kernel_paddr)
        .load(k_kernel_paddr, k_kernel_paddr, 0x80, 0x1000)
        .note_segment(notes)
        .build();
}

// An ELF32 i386 file (Elf32_Ehdr 52 bytes, Elf32_Phdr 32 bytes): one
// PT_LOAD of `filesz` pattern bytes at `paddr`, then a PT_NOTE with `notes`.
Bytes elf32_kernel(uint32_t paddr, uint32_t filesz, uint32_t memsz, const Notes& notes) {
    Bytes b(52 + 2 * 32);
    b[0] = 0x7f, b[1] = 'E', b[2] = 'L', b[3] = 'F';
    b[4] = 1; // ELFCLASS32
    b[5] = 1;
    b[6] = 1;
    put16(b, 16, 2); // ET_EXEC
    put16(b, 18, 3); // EM_386
    put32(b, 20, 1);
    put32(b, 24, paddr); // e_entry
    put32(b, 28, 52);    // e_phoff
    put16(b, 40, 52);    // e_ehsize
    put16(b, 42, 32);    // e_phentsize
    put16(b, 44, 2);     // e_phnum
    const size_t load_at = b.size();
    for (uint32_t i = 0; i < filesz; ++i)
        b.push_back(static_cast<uint8_t>(0xa0 + i));
    pad4(b);
    const size_t note_at = b.size();
    b.insert(b.end(), notes.bytes().begin(), notes.bytes().end());
    auto phdr = [&](size_t i, uint32_t type, uint32_t offset, uint32_t addr, uint32_t fsz,
                    uint32_t msz, uint32_t flags) {
        const size_t at = 52 + 32 * i;
        put32(b, at + 0, type);
        put32(b, at + 4, offset);
        put32(b, at + 8, addr);
        put32(b, at + 12, addr);
        put32(b, at + 16, fsz);
        put32(b, at + 20, msz);
        put32(b, at + 24, flags);
        put32(b, at + 28, 4);
    };
    phdr(0, 1, static_cast<uint32_t>(load_at), paddr, filesz, memsz, 5);
    const uint32_t note_size = static_cast<uint32_t>(notes.bytes().size());
    phdr(1, 4, static_cast<uint32_t>(note_at), 0, note_size, note_size, 4);
    return b;
}

PvhBuildRequest request_for(const Bytes& kernel, uint64_t pages = 1024, uint32_t vcpus = 2) {
    PvhBuildRequest r;
    r.kernel = kernel.data();
    r.kernel_size = kernel.size();
    r.memory_pages = pages;
    r.vcpu_count = vcpus;
    return r;
}

std::string reason(const BuildError& why) {
    char buf[160];
    why.render(buf, sizeof buf);
    return buf;
}

// Builds and expects a refusal; returns its reason.
std::string refusal(const PvhBuildRequest& r, Errno expected = k_einval) {
    GuestRam ram(r.memory_pages <= 0x10000 ? r.memory_pages : 1);
    BuildError why;
    auto built = build_pvh(r, ram, why);
    REQUIRE_FALSE(built);
    CHECK(built.error() == expected);
    return reason(why);
}

abi::HvmStartInfo start_info(const GuestRam& ram, const PvhBuildResult& b) {
    return ram.object<abi::HvmStartInfo>(b.start_info_gpa);
}

std::vector<abi::HvmMemmapTableEntry> memmap(const GuestRam& ram, const PvhBuildResult& b) {
    const abi::HvmStartInfo si = start_info(ram, b);
    std::vector<abi::HvmMemmapTableEntry> map;
    for (uint32_t i = 0; i < si.memmap_entries; ++i)
        map.push_back(ram.object<abi::HvmMemmapTableEntry>(si.memmap_paddr + 24 * i));
    return map;
}

// The type of the memory-map entry holding [gpa, gpa + len), or 0 if no
// single entry holds it.
uint32_t type_of(const std::vector<abi::HvmMemmapTableEntry>& map, uint64_t gpa, uint64_t len) {
    for (const auto& e : map)
        if (gpa >= e.addr && gpa + len <= e.addr + e.size) return e.type;
    return 0;
}

constexpr uint32_t k_ram = 1, k_reserved = 2, k_acpi = 3;

} // namespace

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
