// Multiboot2 information → BootInfo (Multiboot2 Specification 2.0, §3.6).
#include "boot/multiboot/multiboot2.hpp"

#include "boot/multiboot/multiboot.hpp"
#include "core/boot/memory_map.hpp"

namespace pv {

namespace {

using detail::fail;

// What the tag walk remembers across tags.
struct WalkState {
    bool have_mmap = false;
    bool have_meminfo = false;
    uint32_t mem_lower = 0; // KiB
    uint32_t mem_upper = 0; // KiB above 1 MiB
};

// A string that fills the rest of its tag. A missing terminator is tolerated:
// the string simply ends with the tag.
Status read_tag_string(PhysReader& mem, uint64_t phys, size_t bytes_left, char* dst, size_t dst_size) {
    return read_string(mem, phys, bytes_left, dst, dst_size);
}

Status parse_module(PhysReader& mem, uint64_t tag_phys, uint32_t size, BootInfo& out, const char** reason) {
    mb2::ModuleTag tag{};
    if (size < sizeof(tag)) return fail(reason, Errno::einval, "multiboot2 module tag too small");
    if (!read_object(mem, tag_phys, tag)) return fail(reason, Errno::efault, "multiboot2 module tag unreadable");
    if (tag.mod_end < tag.mod_start) return fail(reason, Errno::einval, "multiboot2 module ends before it starts");
    if (out.module_count >= BootInfo::k_max_modules) {
        out.modules_truncated = true;
        return Status::ok();
    }
    BootModule& dst = out.modules[out.module_count];
    dst.start = tag.mod_start;
    dst.end = tag.mod_end;
    if (!read_tag_string(mem, tag_phys + sizeof(tag), size - sizeof(tag), dst.cmdline, sizeof(dst.cmdline)))
        return fail(reason, Errno::efault, "multiboot2 module string unreadable");
    ++out.module_count;
    return Status::ok();
}

// Entries are entry_size bytes apart (>= 24; later versions may append
// fields, which we skip) and must fill the tag exactly.
Status parse_mmap(PhysReader& mem, uint64_t tag_phys, uint32_t size, BootInfo& out, WalkState& state,
                  const char** reason) {
    mb2::MmapTag tag{};
    if (size < sizeof(tag)) return fail(reason, Errno::einval, "multiboot2 memory map tag too small");
    if (!read_object(mem, tag_phys, tag)) return fail(reason, Errno::efault, "multiboot2 memory map unreadable");
    if (tag.entry_size < sizeof(mb2::MmapEntry))
        return fail(reason, Errno::einval, "multiboot2 memory map entry_size below 24");
    const uint32_t bytes = size - static_cast<uint32_t>(sizeof(tag));
    if (bytes % tag.entry_size != 0)
        return fail(reason, Errno::einval, "multiboot2 memory map size not a multiple of entry_size");
    if (state.have_mmap) return Status::ok(); // the first map wins
    state.have_mmap = true;
    const uint32_t count = bytes / tag.entry_size; // <= total_size / 24
    for (uint32_t i = 0; i < count; ++i) {
        mb2::MmapEntry entry{};
        const uint64_t phys = tag_phys + sizeof(tag) + uint64_t{i} * tag.entry_size;
        if (!read_object(mem, phys, entry)) return fail(reason, Errno::efault, "multiboot2 memory map unreadable");
        add_memory_range(out, entry.base_addr, entry.length, memory_type_from_e820(entry.type));
    }
    return Status::ok();
}

// A copy of the ACPI RSDP: 20 bytes (ACPI 1.0, tag 14) or 36 (ACPI 2.0+,
// tag 15). The newer one wins whatever the order of the tags.
Status parse_rsdp(PhysReader& mem, uint64_t tag_phys, uint32_t size, size_t rsdp_size, BootInfo& out,
                  const char** reason) {
    if (size - sizeof(mb2::TagHeader) < rsdp_size)
        return fail(reason, Errno::einval, "multiboot2 ACPI RSDP tag too small");
    if (out.rsdp_length >= rsdp_size) return Status::ok();
    uint8_t copy[mb2::k_rsdp_v2_size] = {};
    if (!mem.read(tag_phys + sizeof(mb2::TagHeader), copy, rsdp_size))
        return fail(reason, Errno::efault, "multiboot2 ACPI RSDP tag unreadable");
    for (size_t i = 0; i < sizeof(out.rsdp); ++i) out.rsdp[i] = i < rsdp_size ? copy[i] : 0;
    out.rsdp_length = rsdp_size;
    return Status::ok();
}

Status parse_tag(PhysReader& mem, uint64_t tag_phys, const mb2::TagHeader& header, BootInfo& out,
                 WalkState& state, const char** reason) {
    const uint32_t size = header.size; // checked: >= 8 and inside total_size
    const uint64_t payload = tag_phys + sizeof(mb2::TagHeader);
    const size_t payload_size = size - sizeof(mb2::TagHeader);
    switch (header.type) {
    case mb2::k_tag_cmdline:
        if (!read_tag_string(mem, payload, payload_size, out.cmdline, sizeof(out.cmdline)))
            return fail(reason, Errno::efault, "multiboot2 command line unreadable");
        return Status::ok();
    case mb2::k_tag_loader_name:
        if (!read_tag_string(mem, payload, payload_size, out.loader_name, sizeof(out.loader_name)))
            return fail(reason, Errno::efault, "multiboot2 boot loader name unreadable");
        return Status::ok();
    case mb2::k_tag_module: return parse_module(mem, tag_phys, size, out, reason);
    case mb2::k_tag_basic_meminfo: {
        mb2::BasicMeminfoTag tag{};
        if (size < sizeof(tag)) return fail(reason, Errno::einval, "multiboot2 basic meminfo tag too small");
        if (!read_object(mem, tag_phys, tag)) return fail(reason, Errno::efault, "multiboot2 basic meminfo unreadable");
        state.have_meminfo = true;
        state.mem_lower = tag.mem_lower;
        state.mem_upper = tag.mem_upper;
        return Status::ok();
    }
    case mb2::k_tag_mmap: return parse_mmap(mem, tag_phys, size, out, state, reason);
    case mb2::k_tag_efi64: {
        mb2::Efi64Tag tag{};
        if (size < sizeof(tag)) return fail(reason, Errno::einval, "multiboot2 EFI64 tag too small");
        if (!read_object(mem, tag_phys, tag)) return fail(reason, Errno::efault, "multiboot2 EFI64 tag unreadable");
        out.efi_system_table = tag.pointer;
        return Status::ok();
    }
    case mb2::k_tag_acpi_old: return parse_rsdp(mem, tag_phys, size, mb2::k_rsdp_v1_size, out, reason);
    case mb2::k_tag_acpi_new: return parse_rsdp(mem, tag_phys, size, mb2::k_rsdp_v2_size, out, reason);
    default: return Status::ok(); // EFI32 (11) and everything we do not use
    }
}

} // namespace

Status parse_multiboot2(PhysReader& mem, uint64_t info_phys, BootInfo& out, const char** reason) {
    if (reason) *reason = nullptr;
    detail::reset_boot_info(out, BootProtocol::multiboot2);

    // §3.6.1: the information and each tag are 8-byte aligned.
    if (info_phys % 8 != 0) return fail(reason, Errno::einval, "multiboot2 info not 8-byte aligned");
    mb2::InfoHeader info{};
    if (!read_object(mem, info_phys, info)) return fail(reason, Errno::efault, "multiboot2 info unreadable");
    const uint32_t total = info.total_size;
    if (total < sizeof(info) + sizeof(mb2::TagHeader))
        return fail(reason, Errno::einval, "multiboot2 total_size too small");
    if (total > mb2::k_max_total_size) return fail(reason, Errno::einval, "multiboot2 total_size implausibly large");
    if (info_phys + total < info_phys) return fail(reason, Errno::einval, "multiboot2 info wraps around memory");
    uint8_t last = 0;
    if (!mem.read(info_phys + total - 1, &last, 1))
        return fail(reason, Errno::efault, "multiboot2 total_size beyond readable memory");

    // Every tag advances by at least 8 bytes, so total / 8 steps suffice.
    WalkState state;
    uint32_t offset = sizeof(info);
    bool ended = false;
    for (uint32_t step = 0; step < total / 8 && !ended; ++step) {
        if (offset > total || total - offset < sizeof(mb2::TagHeader))
            return fail(reason, Errno::einval, "multiboot2 tags end without an end tag");
        const uint64_t tag_phys = info_phys + offset;
        mb2::TagHeader header{};
        if (!read_object(mem, tag_phys, header)) return fail(reason, Errno::efault, "multiboot2 tag unreadable");
        if (header.size < sizeof(header)) return fail(reason, Errno::einval, "multiboot2 tag smaller than 8 bytes");
        if (header.size > total - offset) return fail(reason, Errno::einval, "multiboot2 tag runs past total_size");
        if (header.type == mb2::k_tag_end) {
            ended = true;
            break;
        }
        TRY(parse_tag(mem, tag_phys, header, out, state, reason));
        offset += (header.size + 7u) & ~7u; // no overflow: size <= total <= 1 MiB
    }
    if (!ended) return fail(reason, Errno::einval, "multiboot2 tags end without an end tag");

    // No map (or an empty one): fall back to the basic sizes of tag 4.
    if (out.memory_count == 0) {
        if (!state.have_meminfo) return fail(reason, Errno::einval, "multiboot2 loader gave no memory information");
        if (state.mem_lower != 0) add_memory_range(out, 0, uint64_t{state.mem_lower} * 1024, MemoryType::usable);
        if (state.mem_upper != 0)
            add_memory_range(out, 1ull << 20, uint64_t{state.mem_upper} * 1024, MemoryType::usable);
        if (out.memory_count == 0) return fail(reason, Errno::einval, "multiboot2 loader reports no memory");
    }
    return Status::ok();
}

} // namespace pv
