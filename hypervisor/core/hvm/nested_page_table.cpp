#include "core/hvm/nested_page_table.hpp"

namespace pv::nested {

Status NestedPageTable::init(TableFrames& frames, const NestedEntryFormat& format) {
    if (root_ != 0) return Errno::ebusy;
    frames_ = &frames;
    format_ = format;
    Result<uint64_t> root = frames.alloc_table();
    if (!root) return root.status();
    root_ = *root;
    tables_ = 1;
    return Status::ok();
}

Result<uint64_t*> NestedPageTable::leaf(uint64_t guest_physical, uint64_t host_physical, bool make) {
    if (root_ == 0) return Errno::einval;
    if ((guest_physical | host_physical) & (k_page_size - 1)) return Errno::einval;
    if (guest_physical >= k_guest_physical_limit || (host_physical & ~k_address_mask))
        return Errno::einval;
    uint64_t table_phys = root_;
    for (int level = 3; level > 0; --level) {
        uint64_t& entry = frames_->table(table_phys)[index(guest_physical, level)];
        if (!present(entry)) {
            if (!make) return Errno::enoent;
            Result<uint64_t> next = frames_->alloc_table();
            if (!next) return next.status();
            ++tables_;
            entry = *next | format_.table_bits;
        }
        table_phys = entry & k_address_mask;
    }
    return &frames_->table(table_phys)[index(guest_physical, 0)];
}

Status NestedPageTable::map(uint64_t guest_physical, uint64_t host_physical) {
    uint64_t* entry = TRY(leaf(guest_physical, host_physical, true));
    if (present(*entry)) return Errno::eexist;
    *entry = host_physical | format_.leaf_bits;
    return Status::ok();
}

Status NestedPageTable::remap(uint64_t guest_physical, uint64_t host_physical) {
    uint64_t* entry = TRY(leaf(guest_physical, host_physical, true));
    *entry = host_physical | format_.leaf_bits;
    return Status::ok();
}

Status NestedPageTable::unmap(uint64_t guest_physical) {
    uint64_t* entry = TRY(leaf(guest_physical, 0, false));
    if (!present(*entry)) return Errno::enoent;
    *entry = 0;
    return Status::ok();
}

Result<uint64_t> NestedPageTable::translate(uint64_t guest_physical) const {
    if (root_ == 0 || guest_physical >= k_guest_physical_limit) return Errno::enoent;
    uint64_t table_phys = root_;
    for (int level = 3; level >= 0; --level) {
        const uint64_t entry = frames_->table(table_phys)[index(guest_physical, level)];
        if (!present(entry)) return Errno::enoent;
        table_phys = entry & k_address_mask;
    }
    return table_phys | (guest_physical & (k_page_size - 1));
}

void NestedPageTable::free_level(uint64_t table_phys, int level) {
    if (level > 0) {
        const uint64_t* entries = frames_->table(table_phys);
        for (unsigned i = 0; i < 512; ++i)
            if (present(entries[i])) free_level(entries[i] & k_address_mask, level - 1);
    }
    frames_->free_table(table_phys);
}

void NestedPageTable::destroy() {
    if (root_ == 0) return;
    free_level(root_, 3);
    root_ = 0;
    tables_ = 0;
}

} // namespace pv::nested
