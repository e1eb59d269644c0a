// Writes a multiboot2 boot information structure (Multiboot2 Specification
// 2.0, §3.6) into a buffer that lives at a known physical address below
// 4 GiB: the handover to the hypervisor's multiboot2 entry, which turns it
// into the same BootInfo that GRUB's does.
//
// Tags are appended in call order, each 8-byte aligned; the memory map is
// added last, after ExitBootServices, then finish() writes the end tag and
// total_size. Every add returns false, writing nothing, when the tag would not
// fit (leaving room for the end tag).
//
// Pure code over a byte buffer: the host tests parse the result with the
// hypervisor's own parse_multiboot2.
#pragma once

#include "boot/multiboot/multiboot2.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::efi {

// Multiboot2 framebuffer tag (type 8) with direct RGB colour.
struct Framebuffer {
    uint64_t address;
    uint32_t pitch; // bytes per line
    uint32_t width;
    uint32_t height;
    uint8_t bits_per_pixel;
    uint8_t red_position, red_size;
    uint8_t green_position, green_size;
    uint8_t blue_position, blue_size;
};

class InfoBuilder {
public:
    static constexpr uint32_t k_tag_framebuffer = 8;

    InfoBuilder(uint8_t* buffer, size_t capacity);

    bool add_string(uint32_t type, StringView text); // k_tag_cmdline, k_tag_loader_name
    bool add_module(uint32_t start, uint32_t end, StringView cmdline);
    bool add_efi64_system_table(uint64_t address);
    bool add_rsdp(uint32_t type, const void* rsdp, size_t size); // k_tag_acpi_old / _new
    bool add_framebuffer(const Framebuffer& fb);
    bool add_memory_map(const mb2::MmapEntry* entries, size_t count);
    bool finish();

    size_t size() const { return used; }
    // How many memory-map entries would still fit (after a finish()'s room).
    size_t memory_map_room() const;

private:
    // Starts a tag of `payload` bytes after its 8-byte header; nullptr if it
    // does not fit.
    uint8_t* begin_tag(uint32_t type, size_t payload);
    void put(uint8_t* at, const void* src, size_t n);

    uint8_t* buffer;
    size_t capacity;
    size_t used;
};

} // namespace pv::efi
