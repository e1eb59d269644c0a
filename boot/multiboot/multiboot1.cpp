// Multiboot 1 information → BootInfo (Multiboot Specification 0.6.96, §3.3).
#include "boot/multiboot/multiboot1.hpp"

#include "boot/multiboot/multiboot.hpp"
#include "core/boot/memory_map.hpp"

namespace pv {

namespace {

using detail::fail;

constexpr size_t k_unbounded = static_cast<size_t>(-1);

// How much of the fixed structure the set flags make valid: an old loader
// may legitimately provide a shorter structure, so we read only that much.
size_t info_prefix_length(uint32_t flags) {
    size_t need = sizeof(uint32_t); // flags
    auto want = [&](uint32_t flag, size_t end) {
        if ((flags & flag) && end > need) need = end;
    };
    want(mb1::k_info_memory, offsetof(mb1::Info, mem_upper) + 4);
    want(mb1::k_info_cmdline, offsetof(mb1::Info, cmdline) + 4);
    want(mb1::k_info_modules, offsetof(mb1::Info, mods_addr) + 4);
    want(mb1::k_info_memory_map, offsetof(mb1::Info, mmap_addr) + 4);
    want(mb1::k_info_loader_name, offsetof(mb1::Info, boot_loader_name) + 4);
    return need;
}

// A string pointer of 0 means "none": physical page 0 never holds one.
Status read_optional_string(PhysReader& mem, uint32_t phys, char* dst, size_t dst_size) {
    if (phys == 0) {
        dst[0] = '\0';
        return Status::ok();
    }
    return read_string(mem, phys, k_unbounded, dst, dst_size);
}

Status parse_modules(PhysReader& mem, const mb1::Info& info, BootInfo& out, const char** reason) {
    uint32_t count = info.mods_count;
    if (count > BootInfo::k_max_modules) {
        count = BootInfo::k_max_modules;
        out.modules_truncated = true;
    }
    for (uint32_t i = 0; i < count; ++i) {
        mb1::Module module{};
        const uint64_t phys = uint64_t{info.mods_addr} + uint64_t{i} * sizeof(mb1::Module);
        if (!read_object(mem, phys, module)) return fail(reason, Errno::efault, "multiboot1 module list unreadable");
        if (module.mod_end < module.mod_start)
            return fail(reason, Errno::einval, "multiboot1 module ends before it starts");
        BootModule& dst = out.modules[out.module_count];
        dst.start = module.mod_start;
        dst.end = module.mod_end;
        if (!read_optional_string(mem, module.string, dst.cmdline, sizeof(dst.cmdline)))
            return fail(reason, Errno::efault, "multiboot1 module string unreadable");
        ++out.module_count;
    }
    return Status::ok();
}

// Walks the memory map; entries carry their own size (>= 20) before the
// 20 bytes we use, and must tile mmap_length exactly. Each step advances at
// least 24 bytes of a bounded length, so the walk terminates.
Status parse_memory_map(PhysReader& mem, const mb1::Info& info, BootInfo& out, const char** reason) {
    const uint32_t length = info.mmap_length;
    if (length > mb1::k_max_mmap_length) return fail(reason, Errno::einval, "multiboot1 memory map too large");
    uint32_t offset = 0;
    while (offset < length) {
        if (length - offset < sizeof(uint32_t))
            return fail(reason, Errno::einval, "multiboot1 mmap_length cuts a memory map entry");
        const uint64_t phys = uint64_t{info.mmap_addr} + offset;
        uint32_t size = 0;
        if (!read_object(mem, phys, size)) return fail(reason, Errno::efault, "multiboot1 memory map unreadable");
        if (size < sizeof(mb1::MmapEntry) - sizeof(uint32_t))
            return fail(reason, Errno::einval, "multiboot1 memory map entry smaller than 20 bytes");
        if (size > length - offset - sizeof(uint32_t))
            return fail(reason, Errno::einval, "multiboot1 memory map entry runs past mmap_length");
        mb1::MmapEntry entry{};
        if (!read_object(mem, phys, entry)) return fail(reason, Errno::efault, "multiboot1 memory map unreadable");
        add_memory_range(out, entry.base_addr, entry.length, memory_type_from_e820(entry.type));
        offset += sizeof(uint32_t) + size;
    }
    return Status::ok();
}

} // namespace

Status parse_multiboot1(PhysReader& mem, uint32_t info_phys, BootInfo& out, const char** reason) {
    if (reason) *reason = nullptr;
    detail::reset_boot_info(out, BootProtocol::multiboot1);

    mb1::Info info{};
    if (!read_object(mem, info_phys, info.flags))
        return fail(reason, Errno::efault, "multiboot1 info unreadable");
    if (!read_object(mem, info_phys, info, info_prefix_length(info.flags)))
        return fail(reason, Errno::efault, "multiboot1 info truncated");

    if (info.flags & mb1::k_info_cmdline) {
        if (!read_optional_string(mem, info.cmdline, out.cmdline, sizeof(out.cmdline)))
            return fail(reason, Errno::efault, "multiboot1 command line unreadable");
    }
    if (info.flags & mb1::k_info_loader_name) {
        if (!read_optional_string(mem, info.boot_loader_name, out.loader_name, sizeof(out.loader_name)))
            return fail(reason, Errno::efault, "multiboot1 boot loader name unreadable");
    }
    if (info.flags & mb1::k_info_modules) TRY(parse_modules(mem, info, out, reason));
    if (info.flags & mb1::k_info_memory_map) TRY(parse_memory_map(mem, info, out, reason));

    // No map (or an empty one): the two sizes of bit 0 are all we know.
    if (out.memory_count == 0) {
        if (!(info.flags & mb1::k_info_memory))
            return fail(reason, Errno::einval, "multiboot1 loader gave no memory information");
        if (info.mem_lower != 0) add_memory_range(out, 0, uint64_t{info.mem_lower} * 1024, MemoryType::usable);
        if (info.mem_upper != 0)
            add_memory_range(out, 1ull << 20, uint64_t{info.mem_upper} * 1024, MemoryType::usable);
        if (out.memory_count == 0) return fail(reason, Errno::einval, "multiboot1 loader reports no memory");
    }
    return Status::ok();
}

} // namespace pv
