#include "core/memory/frame_table.hpp"

namespace pv {

Result<uint16_t> FrameTable::owner_of(uint64_t mfn) const {
    const FrameInfo* info = lookup(mfn);
    if (info == nullptr) return Errno::einval;
    return info->owner;
}

Status FrameTable::set_owner(uint64_t mfn, uint16_t owner) {
    FrameInfo* info = lookup(mfn);
    if (info == nullptr) return Errno::einval;
    info->owner = owner;
    return Status::ok();
}

uint64_t FrameTable::count_owned_by(uint16_t owner) const {
    uint64_t count = 0;
    for (uint64_t mfn = 0; mfn < count_; ++mfn) {
        if (frames_[mfn].owner == owner) ++count;
    }
    return count;
}

} // namespace pv
