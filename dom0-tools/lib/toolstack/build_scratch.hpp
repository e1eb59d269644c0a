// Storage a domain build needs for a moment, kept in the Toolstack object
// instead of on Dom0's small stack: the new domain's p2m (its machine
// frames by pfn), the first vCPU's context, the composed command line.
#pragma once

#include "dom0-tools/lib/config/domain_config.hpp"
#include "include/public/start_info.hpp"
#include "include/public/vcpu_context.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

// The largest DomU pvctl builds: the p2m below holds one entry per page.
inline constexpr uint64_t k_max_guest_memory_mib = 512;
inline constexpr uint64_t k_pages_per_mib = 256; // 4 KiB pages
inline constexpr uint64_t k_max_guest_pages = k_max_guest_memory_mib * k_pages_per_mib;
inline constexpr size_t k_guest_page_size = 4096;

struct BuildScratch {
    uint64_t mfns[k_max_guest_pages];
    // What a mapping that failed hands the builder instead (see
    // ForeignMemory::map): written, never read.
    alignas(16) uint8_t spare_page[k_guest_page_size];
    abi::VcpuGuestContext context;
    char cmdline[abi::k_max_guest_cmdline];
    DomainConfig config; // a restart's copy of the configuration
};

} // namespace pv::tools
