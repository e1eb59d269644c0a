#include "dom0-tools/lib/toolstack/foreign_memory.hpp"

namespace pv::tools {

uint8_t* ForeignMemory::map(uint64_t pfn) {
    Slot* victim = &slots_[0];
    for (Slot& slot : slots_) {
        if (slot.page != nullptr && slot.pfn == pfn) {
            slot.last_use = ++clock_;
            return slot.page;
        }
        if (victim->page != nullptr && (slot.page == nullptr || slot.last_use < victim->last_use))
            victim = &slot;
    }
    if (victim->page != nullptr) hv_.unmap_foreign(victim->page);
    victim->page = nullptr;
    auto page =
        pfn < nr_pages_ ? hv_.map_foreign(domid_, mfns_[pfn]) : Result<uint8_t*>(Errno::einval);
    if (!page) {
        if (status_) status_ = page.status();
        return spare_page_;
    }
    *victim = Slot{*page, pfn, ++clock_};
    return victim->page;
}

void ForeignMemory::release() {
    for (Slot& slot : slots_) {
        if (slot.page != nullptr) hv_.unmap_foreign(slot.page);
        slot = Slot{};
    }
}

template <typename Each>
Status ForeignPhysicalMemory::for_each_chunk(uint64_t gpa, size_t len, Each each) {
    constexpr uint64_t k_page = 4096;
    const uint64_t limit = memory_.nr_pages() * k_page;
    if (gpa > limit || len > limit - gpa) return Errno::einval;
    size_t done = 0;
    while (done < len) {
        const uint64_t at = gpa + done;
        const size_t offset = static_cast<size_t>(at % k_page);
        const size_t n = len - done < k_page - offset ? len - done : k_page - offset;
        uint8_t* page = memory_.map(at / k_page);
        if (!memory_.status()) return memory_.status();
        each(page + offset, done, n);
        done += n;
    }
    return Status::ok();
}

Status ForeignPhysicalMemory::write(uint64_t gpa, const void* src, size_t len) {
    const auto* bytes = static_cast<const uint8_t*>(src);
    return for_each_chunk(gpa, len, [&](uint8_t* dst, size_t done, size_t n) {
        for (size_t i = 0; i < n; ++i)
            dst[i] = bytes[done + i];
    });
}

Status ForeignPhysicalMemory::fill(uint64_t gpa, uint8_t byte, size_t len) {
    return for_each_chunk(gpa, len, [&](uint8_t* dst, size_t, size_t n) {
        for (size_t i = 0; i < n; ++i)
            dst[i] = byte;
    });
}

size_t ForeignMemory::mapped() const {
    size_t n = 0;
    for (const Slot& slot : slots_)
        n += slot.page != nullptr;
    return n;
}

} // namespace pv::tools
