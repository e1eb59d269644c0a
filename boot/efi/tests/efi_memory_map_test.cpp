// EFI memory map → multiboot2 entries: types after ExitBootServices, the
// firmware's descriptor stride, merging and truncation.
#include "boot/efi/efi_memory_map.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

using namespace pv;
using namespace pv::efi;

namespace {

// A map with OVMF's 48-byte descriptors.
struct FakeMap {
    size_t stride = 48;
    std::vector<uint8_t> bytes;

    void add(EfiMemoryType type, uint64_t base, uint64_t pages) {
        EfiMemoryDescriptor d{static_cast<uint32_t>(type), 0, base, 0, pages, 0xf};
        const size_t at = bytes.size();
        bytes.resize(at + stride, 0xa5); // the tail beyond 40 bytes is not ours to read
        std::memcpy(bytes.data() + at, &d, sizeof d);
    }
};

} // namespace

TEST_CASE("efi memory map: types once boot services have exited", "[efi][memory]") {
    CHECK(e820_type_of(0) == k_e820_reserved);
    for (uint32_t usable : {1u, 2u, 3u, 4u, 7u})
        CHECK(e820_type_of(usable) == k_e820_usable);
    CHECK(e820_type_of(5) == k_e820_reserved); // runtime services code
    CHECK(e820_type_of(6) == k_e820_reserved); // runtime services data
    CHECK(e820_type_of(8) == k_e820_bad);
    CHECK(e820_type_of(9) == k_e820_acpi_reclaimable);
    CHECK(e820_type_of(10) == k_e820_acpi_nvs);
    for (uint32_t other : {11u, 12u, 13u, 14u, 15u, 16u, 0x70000000u, 0x80000000u})
        CHECK(e820_type_of(other) == k_e820_reserved);
}

TEST_CASE("efi memory map: neighbours of one type merge, holes and other types split",
          "[efi][memory]") {
    FakeMap map;
    map.add(EfiMemoryType::boot_services_code, 0x0, 1);
    map.add(EfiMemoryType::conventional, 0x1000, 0x9f);    // merges: both usable
    map.add(EfiMemoryType::conventional, 0x100000, 0x100); // hole before: new entry
    map.add(EfiMemoryType::loader_data, 0x200000, 0x10);   // merges
    map.add(EfiMemoryType::acpi_nvs, 0x210000, 0x8);
    map.add(EfiMemoryType::runtime_services_data, 0x218000, 0); // empty: dropped
    map.add(EfiMemoryType::mmio, 0xfee00000, 1);
    mb2::MmapEntry out[8];
    const ConvertedMap r =
        convert_memory_map(map.bytes.data(), map.bytes.size(), map.stride, out, 8);
    REQUIRE(r.count == 4);
    CHECK_FALSE(r.truncated);
    CHECK(out[0].base_addr == 0);
    CHECK(out[0].length == 0xa0000);
    CHECK(out[0].type == k_e820_usable);
    CHECK(out[1].base_addr == 0x100000);
    CHECK(out[1].length == 0x110000);
    CHECK(out[1].type == k_e820_usable);
    CHECK(out[2].base_addr == 0x210000);
    CHECK(out[2].length == 0x8000);
    CHECK(out[2].type == k_e820_acpi_nvs);
    CHECK(out[3].base_addr == 0xfee00000);
    CHECK(out[3].type == k_e820_reserved);
    CHECK(out[3].reserved == 0);
}

TEST_CASE("efi memory map: too many ranges, odd strides, partial descriptors", "[efi][memory]") {
    FakeMap map;
    map.stride = 40;
    for (uint64_t i = 0; i < 6; ++i)
        map.add(i % 2 ? EfiMemoryType::reserved : EfiMemoryType::conventional, i * 0x1000, 1);
    mb2::MmapEntry out[4];
    ConvertedMap r = convert_memory_map(map.bytes.data(), map.bytes.size(), map.stride, out, 4);
    CHECK(r.count == 4);
    CHECK(r.truncated);
    CHECK(out[3].base_addr == 0x3000);

    // A trailing partial descriptor is ignored; a stride below 40 converts nothing.
    r = convert_memory_map(map.bytes.data(), 40 + 39, 40, out, 4);
    CHECK(r.count == 1);
    CHECK(convert_memory_map(map.bytes.data(), map.bytes.size(), 32, out, 4).count == 0);
}
