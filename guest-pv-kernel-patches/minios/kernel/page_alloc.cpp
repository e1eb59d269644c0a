#include "kernel/page_alloc.hpp"

namespace minios {

void PageAllocator::init(const BootInfo& boot) {
    boot_ = &boot;
    next_ = round_up(boot.first_free, k_page_size);
    end_ = boot.mapped_end > next_ ? boot.mapped_end : next_;
    total_ = (end_ - next_) / k_page_size;
}

void* PageAllocator::alloc() {
    void* page = nullptr;
    if (free_list_ != nullptr) {
        page = free_list_;
        free_list_ = free_list_->next;
        --free_count_;
    } else if (next_ < end_) {
        page = reinterpret_cast<void*>(next_);
        next_ += k_page_size;
    } else {
        return nullptr;
    }
    __builtin_memset(page, 0, k_page_size);
    return page;
}

void* PageAllocator::alloc_contiguous(uint64_t count) {
    if (count == 0 || count > (end_ - next_) / k_page_size) return nullptr;
    void* first = reinterpret_cast<void*>(next_);
    next_ += count * k_page_size;
    __builtin_memset(first, 0, count * k_page_size);
    return first;
}

void PageAllocator::free(void* page) {
    const uint64_t va = reinterpret_cast<uintptr_t>(page);
    if (page == nullptr || va % k_page_size != 0 || va < boot_->first_free || va >= next_) return;
    auto* node = static_cast<FreePage*>(page);
    node->next = free_list_;
    free_list_ = node;
    ++free_count_;
}

} // namespace minios
