// A minimal non-owning string view for freestanding code (no libstdc++ runtime).
#pragma once

#include <cstddef>

namespace pv {

class StringView {
public:
    constexpr StringView() = default;
    constexpr StringView(const char* s, size_t n) : data_(s), size_(n) {}
    constexpr StringView(const char* s) : data_(s), size_(s ? length_of(s) : 0) {}

    constexpr const char* data() const { return data_; }
    constexpr size_t size() const { return size_; }
    constexpr bool empty() const { return size_ == 0; }
    constexpr char operator[](size_t i) const { return data_[i]; }
    constexpr const char* begin() const { return data_; }
    constexpr const char* end() const { return data_ + size_; }

    constexpr StringView substr(size_t pos, size_t n = static_cast<size_t>(-1)) const {
        if (pos > size_) pos = size_;
        if (n > size_ - pos) n = size_ - pos;
        return StringView(data_ + pos, n);
    }
    constexpr bool starts_with(StringView p) const {
        return p.size_ <= size_ && substr(0, p.size_) == p;
    }
    constexpr size_t find(char c, size_t from = 0) const {
        for (size_t i = from; i < size_; ++i)
            if (data_[i] == c) return i;
        return npos;
    }
    constexpr bool operator==(StringView o) const {
        if (size_ != o.size_) return false;
        for (size_t i = 0; i < size_; ++i)
            if (data_[i] != o.data_[i]) return false;
        return true;
    }

    static constexpr size_t npos = static_cast<size_t>(-1);

private:
    static constexpr size_t length_of(const char* s) {
        size_t n = 0;
        while (s[n]) ++n;
        return n;
    }
    const char* data_ = "";
    size_t size_ = 0;
};

} // namespace pv
