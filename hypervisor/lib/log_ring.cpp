#include "lib/log_ring.hpp"

namespace pv {

void LogRing::append(StringView text) {
    if (capacity_ == 0) {
        total_ += text.size();
        return;
    }
    // Only the tail can survive; skip what would be overwritten anyway.
    StringView kept = text;
    if (kept.size() > capacity_) kept = kept.substr(kept.size() - capacity_);
    const uint64_t start = total_ + (text.size() - kept.size());

    size_t index = static_cast<size_t>(start % capacity_);
    for (char c : kept) {
        storage_[index] = c;
        if (++index == capacity_) index = 0;
    }
    total_ += text.size();
}

size_t LogRing::copy_from(uint64_t& cursor, char* dst, size_t n) const {
    if (cursor < oldest()) cursor = oldest();
    if (cursor > total_) cursor = total_;
    const uint64_t available = total_ - cursor;
    const size_t count = available < n ? static_cast<size_t>(available) : n;

    size_t index = capacity_ == 0 ? 0 : static_cast<size_t>(cursor % capacity_);
    for (size_t i = 0; i < count; ++i) {
        dst[i] = storage_[index];
        if (++index == capacity_) index = 0;
    }
    cursor += count;
    return count;
}

} // namespace pv
