// A guest address space for the hypercall tests: a byte array standing for
// `pages` guest pages from `base`, each writable, read-only or unmapped, and
// nothing else. It checks ranges the way the arch implementations must:
// guest_range_plausible() first, then every page the range touches.
#pragma once

#include "core/hypercall/guest_memory.hpp"
#include "lib/status.hpp"

// Spelled before any standard header that may define EFAULT as a macro.
inline constexpr pv::Errno k_fake_efault = pv::Errno::efault;

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace pv::test {

class FakeGuestMemory final : public GuestAddressSpace {
public:
    enum class Page : uint8_t { writable, read_only, unmapped };
    static constexpr uint64_t k_page = 4096;

    FakeGuestMemory(uint64_t base, size_t pages)
        : base_(base), bytes_(pages * k_page, 0), pages_(pages, Page::writable) {}

    Status copy_from(uint64_t va, void* dst, size_t len) override {
        ++reads;
        if (len == 0) return Status::ok();
        if (!accessible(va, len, false)) return k_fake_efault;
        std::memcpy(dst, bytes_.data() + (va - base_), len);
        return Status::ok();
    }

    Status copy_to(uint64_t va, const void* src, size_t len) override {
        ++writes;
        if (len == 0) return Status::ok();
        if (!accessible(va, len, true)) return k_fake_efault;
        std::memcpy(bytes_.data() + (va - base_), src, len);
        return Status::ok();
    }

    void set_page(uint64_t va, Page p) { pages_.at(index_of(va) / k_page) = p; }

    // Test-side access, ignoring page permissions.
    template <typename T> void put(uint64_t va, const T& v) {
        index_of(va + sizeof(T) - 1);
        std::memcpy(bytes_.data() + index_of(va), &v, sizeof(T));
    }
    template <typename T> T get(uint64_t va) const {
        index_of(va + sizeof(T) - 1);
        T v;
        std::memcpy(&v, bytes_.data() + index_of(va), sizeof(T));
        return v;
    }

    uint64_t base() const { return base_; }
    uint64_t end() const { return base_ + bytes_.size(); }

    size_t reads = 0;
    size_t writes = 0;

private:
    size_t index_of(uint64_t va) const {
        if (va < base_ || va - base_ >= bytes_.size()) throw std::out_of_range("fake guest memory");
        return static_cast<size_t>(va - base_);
    }

    bool accessible(uint64_t va, uint64_t len, bool write) const {
        if (!guest_range_plausible(va, len)) return false;
        if (va < base_ || va - base_ > bytes_.size() || len > bytes_.size() - (va - base_))
            return false;
        const uint64_t first = (va - base_) / k_page;
        const uint64_t last = (va - base_ + len - 1) / k_page;
        for (uint64_t p = first; p <= last; ++p) {
            if (pages_[p] == Page::unmapped) return false;
            if (write && pages_[p] == Page::read_only) return false;
        }
        return true;
    }

    uint64_t base_;
    std::vector<uint8_t> bytes_;
    std::vector<Page> pages_;
};

} // namespace pv::test
