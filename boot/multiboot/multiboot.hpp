// Multiboot entry: the magic numbers of both protocols and the one call the
// hypervisor's boot path makes to turn "EAX, EBX at entry" into BootInfo.
#pragma once

#include "boot/multiboot/multiboot1.hpp"
#include "boot/multiboot/multiboot2.hpp"
#include "boot/multiboot/phys_reader.hpp"
#include "core/boot/boot_info.hpp"
#include "core/boot/memory_map.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv {

// In the kernel image's header (searched by the loader).
constexpr uint32_t k_multiboot1_header_magic = 0x1BADB002;
constexpr uint32_t k_multiboot2_header_magic = 0xE85250D6;
// In EAX at entry; EBX then holds the physical address of the information.
constexpr uint32_t k_multiboot1_loader_magic = 0x2BADB002;
constexpr uint32_t k_multiboot2_loader_magic = 0x36D76289;

// Dispatches on the loader magic, then sanitizes the memory map so that the
// result is sorted and non-overlapping. EINVAL "not loaded by a multiboot
// loader" for any other magic; otherwise as parse_multiboot1/2. On error
// `*reason` (if non-null) is a short static string fit for the console.
inline Status parse_boot_info(PhysReader& mem, uint32_t magic, uint64_t info_phys, BootInfo& out,
                              const char** reason) {
    if (reason) *reason = nullptr;
    Status status;
    if (magic == k_multiboot1_loader_magic) {
        if (info_phys > 0xFFFF'FFFFull) { // EBX is 32 bits wide in protected mode
            if (reason) *reason = "multiboot1 info above 4 GiB";
            return Errno::einval;
        }
        status = parse_multiboot1(mem, static_cast<uint32_t>(info_phys), out, reason);
    } else if (magic == k_multiboot2_loader_magic) {
        status = parse_multiboot2(mem, info_phys, out, reason);
    } else {
        if (reason) *reason = "not loaded by a multiboot loader";
        return Errno::einval;
    }
    if (!status) return status;
    sanitize_memory_map(out);
    return Status::ok();
}

namespace detail {

// Empties a BootInfo before a parser fills it (field by field rather than
// `out = BootInfo{}`, which would build an 8 KiB temporary on the boot stack).
inline void reset_boot_info(BootInfo& info, BootProtocol protocol) {
    info.protocol = protocol;
    info.loader_name[0] = '\0';
    info.cmdline[0] = '\0';
    info.memory_count = 0;
    info.memory_truncated = false;
    info.module_count = 0;
    info.modules_truncated = false;
    for (uint8_t& b : info.rsdp) b = 0;
    info.rsdp_length = 0;
    info.efi_system_table = 0;
}

// Records an error reason and returns the error, for `return fail(...)`.
inline Status fail(const char** reason, Errno error, const char* why) {
    if (reason) *reason = why;
    return error;
}

} // namespace detail

} // namespace pv
