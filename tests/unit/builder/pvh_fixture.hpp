// What the build_pvh tests share: the guest's RAM as one buffer (also a
// PhysReader for the ACPI parsers), small kernels, requests, and readers of
// what the builder wrote. Include it first: it names the errno values
// before any standard header can define them as macros.
#pragma once

#include "core/builder/pvh_builder.hpp"

namespace pv::test::pvh {
inline constexpr pv::Errno k_einval = pv::Errno::einval;
inline constexpr pv::Errno k_efault = pv::Errno::efault;
} // namespace pv::test::pvh

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
#include <string>
#include <vector>

namespace pv::test::pvh {

using namespace pv::builder;


inline constexpr uint64_t k_page = 4096;

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

inline uint32_t note(abi::ElfNote n) {
    return static_cast<uint32_t>(n);
}

// A kernel like ours will be: linked at 1 MiB physical, entry 0x100010.
inline constexpr uint64_t k_kernel_paddr = 0x100000;
inline constexpr uint64_t k_kernel_filesz = 0x180;
inline constexpr uint64_t k_kernel_memsz = 0x3000; // BSS after the file bytes

inline Bytes pvh_kernel(uint64_t paddr = k_kernel_paddr, uint64_t entry = k_kernel_paddr + 0x10,
                 uint64_t memsz = k_kernel_memsz) {
    Notes notes;
    notes.u32(note(abi::ElfNote::phys32_entry), static_cast<uint32_t>(entry));
    return ElfBuilder()
        .entry(0xffffffff80000000 + (entry - paddr))
        .load(0xffffffff80000000, paddr, k_kernel_filesz, memsz)
        .note_segment(notes)
        .build();
}

inline Bytes notes_only_kernel(const Notes& notes) {
    return ElfBuilder()
        .entry(k_kernel_paddr)
        .load(k_kernel_paddr, k_kernel_paddr, 0x80, 0x1000)
        .note_segment(notes)
        .build();
}

// An ELF32 i386 file (Elf32_Ehdr 52 bytes, Elf32_Phdr 32 bytes): one
// PT_LOAD of `filesz` pattern bytes at `paddr`, then a PT_NOTE with `notes`.
inline Bytes elf32_kernel(uint32_t paddr, uint32_t filesz, uint32_t memsz, const Notes& notes) {
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

inline PvhBuildRequest request_for(const Bytes& kernel, uint64_t pages = 1024, uint32_t vcpus = 2) {
    PvhBuildRequest r;
    r.kernel = kernel.data();
    r.kernel_size = kernel.size();
    r.memory_pages = pages;
    r.vcpu_count = vcpus;
    return r;
}

inline std::string reason(const BuildError& why) {
    char buf[160];
    why.render(buf, sizeof buf);
    return buf;
}

// Builds and expects a refusal; returns its reason.
inline std::string refusal(const PvhBuildRequest& r, Errno expected = k_einval) {
    GuestRam ram(r.memory_pages <= 0x10000 ? r.memory_pages : 1);
    BuildError why;
    auto built = build_pvh(r, ram, why);
    REQUIRE_FALSE(built);
    CHECK(built.error() == expected);
    return reason(why);
}

inline abi::HvmStartInfo start_info(const GuestRam& ram, const PvhBuildResult& b) {
    return ram.object<abi::HvmStartInfo>(b.start_info_gpa);
}

inline std::vector<abi::HvmMemmapTableEntry> memmap(const GuestRam& ram, const PvhBuildResult& b) {
    const abi::HvmStartInfo si = start_info(ram, b);
    std::vector<abi::HvmMemmapTableEntry> map;
    for (uint32_t i = 0; i < si.memmap_entries; ++i)
        map.push_back(ram.object<abi::HvmMemmapTableEntry>(si.memmap_paddr + 24 * i));
    return map;
}

// The type of the memory-map entry holding [gpa, gpa + len), or 0 if no
// single entry holds it.
inline uint32_t type_of(const std::vector<abi::HvmMemmapTableEntry>& map, uint64_t gpa, uint64_t len) {
    for (const auto& e : map)
        if (gpa >= e.addr && gpa + len <= e.addr + e.size) return e.type;
    return 0;
}

inline constexpr uint32_t k_ram = 1, k_reserved = 2, k_acpi = 3;

} // namespace pv::test::pvh
