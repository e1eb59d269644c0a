// Multiboot2 boot information writer (see info_builder.hpp).
#include "boot/efi/info_builder.hpp"

namespace pv::efi {

namespace {

constexpr size_t align8(size_t n) {
    return (n + 7) & ~size_t{7};
}

constexpr size_t k_header = sizeof(mb2::TagHeader);
constexpr size_t k_end_tag = sizeof(mb2::TagHeader);

} // namespace

InfoBuilder::InfoBuilder(uint8_t* buffer_, size_t capacity_)
    : buffer(buffer_), capacity(capacity_ & ~size_t{7}), used(sizeof(mb2::InfoHeader)) {
    for (size_t i = 0; i < used && i < capacity; ++i)
        buffer[i] = 0;
}

void InfoBuilder::put(uint8_t* at, const void* src, size_t n) {
    auto* s = static_cast<const uint8_t*>(src);
    for (size_t i = 0; i < n; ++i)
        at[i] = s[i];
}

uint8_t* InfoBuilder::begin_tag(uint32_t type, size_t payload) {
    const size_t size = k_header + payload;
    if (payload > capacity || used + align8(size) + k_end_tag > capacity) return nullptr;
    uint8_t* tag = buffer + used;
    const mb2::TagHeader header{type, static_cast<uint32_t>(size)};
    put(tag, &header, sizeof header);
    for (size_t i = size; i < align8(size); ++i)
        tag[i] = 0; // padding
    used += align8(size);
    return tag + k_header;
}

bool InfoBuilder::add_string(uint32_t type, StringView text) {
    uint8_t* payload = begin_tag(type, text.size() + 1);
    if (!payload) return false;
    put(payload, text.data(), text.size());
    payload[text.size()] = 0;
    return true;
}

bool InfoBuilder::add_module(uint32_t start, uint32_t end, StringView cmdline) {
    uint8_t* payload = begin_tag(mb2::k_tag_module, 8 + cmdline.size() + 1);
    if (!payload) return false;
    put(payload, &start, 4);
    put(payload + 4, &end, 4);
    put(payload + 8, cmdline.data(), cmdline.size());
    payload[8 + cmdline.size()] = 0;
    return true;
}

bool InfoBuilder::add_efi64_system_table(uint64_t address) {
    uint8_t* payload = begin_tag(mb2::k_tag_efi64, 8);
    if (!payload) return false;
    put(payload, &address, 8);
    return true;
}

bool InfoBuilder::add_rsdp(uint32_t type, const void* rsdp, size_t size) {
    uint8_t* payload = begin_tag(type, size);
    if (!payload) return false;
    put(payload, rsdp, size);
    return true;
}

// Layout (§3.6.12): address u64, pitch u32, width u32, height u32, bpp u8,
// type u8 (1 = direct RGB), reserved u16, then position and size of red,
// green and blue.
bool InfoBuilder::add_framebuffer(const Framebuffer& fb) {
    uint8_t* payload = begin_tag(k_tag_framebuffer, 24 + 6);
    if (!payload) return false;
    put(payload, &fb.address, 8);
    put(payload + 8, &fb.pitch, 4);
    put(payload + 12, &fb.width, 4);
    put(payload + 16, &fb.height, 4);
    const uint8_t rest[10] = {fb.bits_per_pixel,
                              1,
                              0,
                              0,
                              fb.red_position,
                              fb.red_size,
                              fb.green_position,
                              fb.green_size,
                              fb.blue_position,
                              fb.blue_size};
    put(payload + 20, rest, sizeof rest);
    return true;
}

size_t InfoBuilder::memory_map_room() const {
    const size_t fixed = used + k_header + 8 + k_end_tag;
    return fixed >= capacity ? 0 : (capacity - fixed) / sizeof(mb2::MmapEntry);
}

// §3.6.8: entry_size 24, entry_version 0, then the entries.
bool InfoBuilder::add_memory_map(const mb2::MmapEntry* entries, size_t count) {
    if (count > memory_map_room()) return false;
    uint8_t* payload = begin_tag(mb2::k_tag_mmap, 8 + count * sizeof(mb2::MmapEntry));
    if (!payload) return false;
    const uint32_t entry_size = sizeof(mb2::MmapEntry), entry_version = 0;
    put(payload, &entry_size, 4);
    put(payload + 4, &entry_version, 4);
    put(payload + 8, entries, count * sizeof(mb2::MmapEntry));
    return true;
}

bool InfoBuilder::finish() {
    if (used + k_end_tag > capacity) return false;
    const mb2::TagHeader end{mb2::k_tag_end, 8};
    put(buffer + used, &end, sizeof end);
    used += k_end_tag;
    const mb2::InfoHeader header{static_cast<uint32_t>(used), 0};
    put(buffer, &header, sizeof header);
    return true;
}

} // namespace pv::efi
