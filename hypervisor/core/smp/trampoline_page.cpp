#include "core/smp/trampoline_page.hpp"

namespace pv {

namespace {

constexpr uint64_t k_page = 4096;

bool overlaps(uint64_t a_start, uint64_t a_end, uint64_t b_start, uint64_t b_end) {
    return a_start < b_end && b_start < a_end;
}

// Length clamped so that base + length does not wrap.
uint64_t end_of(const MemoryRange& r) {
    return r.base + r.length < r.base ? ~uint64_t{0} : r.base + r.length;
}

bool page_is_free(const MemoryRange* map, size_t count, uint64_t page, PhysRange avoid) {
    uint64_t end = page + k_page;
    if (avoid.end > avoid.start && overlaps(page, end, avoid.start, avoid.end)) return false;
    bool inside_usable = false;
    for (size_t i = 0; i < count; ++i) {
        const MemoryRange& r = map[i];
        if (r.length == 0) continue;
        if (r.type != MemoryType::usable) {
            if (overlaps(page, end, r.base, end_of(r))) return false;
        } else if (r.base <= page && end <= end_of(r)) {
            inside_usable = true;
        }
    }
    return inside_usable;
}

} // namespace

Result<uint64_t> find_trampoline_page(const MemoryRange* map, size_t count, PhysRange avoid) {
    if (map == nullptr && count != 0) return Errno::einval;
    for (uint64_t page = k_trampoline_limit - k_page; page >= k_trampoline_lowest; page -= k_page)
        if (page_is_free(map, count, page, avoid)) return page;
    return Errno::enomem;
}

} // namespace pv
