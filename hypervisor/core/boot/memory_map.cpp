#include "core/boot/memory_map.hpp"

#include <cstddef>

namespace pv {

namespace {

// Highest exclusive end a range may have: the last page boundary below 2^64.
constexpr uint64_t k_top_of_memory = 0xFFFF'FFFF'FFFF'F000ull;

// Overlap resolution: higher rank wins. Unknown values count as reserved.
int restriction_rank(MemoryType type) {
    switch (type) {
    case MemoryType::usable: return 0;
    case MemoryType::acpi_reclaimable: return 1;
    case MemoryType::reserved: return 2;
    case MemoryType::acpi_nvs: return 3;
    case MemoryType::bad: return 4;
    }
    return 2;
}

uint64_t end_of(const MemoryRange& r) { return r.base + r.length; } // after clipping: no overflow

} // namespace

bool add_memory_range(BootInfo& info, uint64_t base, uint64_t length, MemoryType type) {
    if (info.memory_count >= BootInfo::k_max_memory_ranges) {
        info.memory_truncated = true;
        return false;
    }
    info.memory[info.memory_count++] = MemoryRange{base, length, type};
    return true;
}

MemoryType memory_type_from_e820(uint32_t type) {
    switch (type) {
    case 1: return MemoryType::usable;
    case 3: return MemoryType::acpi_reclaimable;
    case 4: return MemoryType::acpi_nvs;
    case 5: return MemoryType::bad;
    default: return MemoryType::reserved;
    }
}

void sanitize_memory_map(BootInfo& info) {
    size_t count = info.memory_count;
    if (count > BootInfo::k_max_memory_ranges) count = BootInfo::k_max_memory_ranges;

    // Pass 1: clip to the top of memory, drop empty ranges, normalise
    // unknown type values to reserved.
    size_t kept = 0;
    for (size_t i = 0; i < count; ++i) {
        MemoryRange r = info.memory[i];
        if (r.base >= k_top_of_memory) continue;
        if (r.length > k_top_of_memory - r.base) r.length = k_top_of_memory - r.base;
        if (r.length == 0) continue;
        switch (r.type) {
        case MemoryType::usable:
        case MemoryType::reserved:
        case MemoryType::acpi_reclaimable:
        case MemoryType::acpi_nvs:
        case MemoryType::bad: break;
        default: r.type = MemoryType::reserved; break;
        }
        info.memory[kept++] = r;
    }

    // Pass 2: sweep the address space from boundary to boundary. Between two
    // consecutive boundaries (starts or ends of any range) the set of
    // covering ranges is constant, so each such piece gets one type. At most
    // 2 * kept boundaries: O(n^2) with n <= 128 is cheap, and needs no
    // scratch beyond the output.
    MemoryRange result[BootInfo::k_max_memory_ranges];
    size_t out = 0;
    bool truncated = false;

    if (kept > 0) {
        uint64_t pos = info.memory[0].base;
        for (size_t i = 1; i < kept; ++i)
            if (info.memory[i].base < pos) pos = info.memory[i].base;

        for (size_t step = 0; step <= 2 * kept; ++step) {
            bool covered = false;
            MemoryType type = MemoryType::usable;
            bool have_next = false;
            uint64_t next = 0;
            for (size_t i = 0; i < kept; ++i) {
                const MemoryRange& r = info.memory[i];
                const uint64_t end = end_of(r);
                if (r.base <= pos && pos < end) {
                    if (!covered || restriction_rank(r.type) > restriction_rank(type)) type = r.type;
                    covered = true;
                }
                const uint64_t candidate = r.base > pos ? r.base : end;
                if (candidate > pos && (!have_next || candidate < next)) {
                    next = candidate;
                    have_next = true;
                }
            }
            if (!have_next) break; // pos is at or past every end
            if (covered) {
                if (out > 0 && end_of(result[out - 1]) == pos && result[out - 1].type == type) {
                    result[out - 1].length += next - pos;
                } else if (out < BootInfo::k_max_memory_ranges) {
                    result[out++] = MemoryRange{pos, next - pos, type};
                } else {
                    truncated = true;
                    break;
                }
            }
            pos = next;
        }
    }

    for (size_t i = 0; i < out; ++i) info.memory[i] = result[i];
    for (size_t i = out; i < BootInfo::k_max_memory_ranges; ++i) info.memory[i] = MemoryRange{};
    info.memory_count = out;
    if (truncated) info.memory_truncated = true;
}

} // namespace pv
