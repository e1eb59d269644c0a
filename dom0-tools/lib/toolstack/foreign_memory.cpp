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

size_t ForeignMemory::mapped() const {
    size_t n = 0;
    for (const Slot& slot : slots_)
        n += slot.page != nullptr;
    return n;
}

} // namespace pv::tools
