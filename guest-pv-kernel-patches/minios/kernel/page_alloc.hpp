// A page allocator over the guest pages that follow the bootstrap elements
// and are already mapped by the bootstrap page tables (minios makes no
// page-table updates): [BootInfo::first_free, BootInfo::mapped_end).
// Pages come back zeroed; freed pages go on a free list threaded through
// the pages themselves. The p2m gives each page's machine frame.
#pragma once

#include "kernel/boot_info.hpp"

#include <cstdint>

namespace minios {

class PageAllocator {
public:
    void init(const BootInfo& boot);

    // A zeroed page, or nullptr when none is left.
    void* alloc();
    // `count` zeroed, virtually contiguous pages (never from the free list).
    void* alloc_contiguous(uint64_t count);
    void free(void* page);

    uint64_t free_pages() const { return (end_ - next_) / k_page_size + free_count_; }
    uint64_t total_pages() const { return total_; }
    uint64_t pfn_of(const void* page) const {
        return boot_->pfn_of(reinterpret_cast<uintptr_t>(page));
    }
    uint64_t mfn_of(const void* page) const { return boot_->mfn_of(pfn_of(page)); }

private:
    struct FreePage {
        FreePage* next;
    };

    const BootInfo* boot_ = nullptr;
    uint64_t next_ = 0; // never handed out below end_
    uint64_t end_ = 0;
    uint64_t total_ = 0;
    FreePage* free_list_ = nullptr;
    uint64_t free_count_ = 0;
};

} // namespace minios
