// Pieces the hardware-container self-tests share: guest memory from the
// frame allocator, freed with the test, and the failure message.
#pragma once

#include "arch/x86/paging.hpp"
#include "core/memory/frame_allocator.hpp"
#include "lib/log.hpp"

#include <cstdint>
#include <cstring>

namespace pv::x86::container_test {

template <uint64_t Count>
class GuestFrames {
public:
    explicit GuestFrames(FrameAllocator& frames) : frames_(frames) {}
    ~GuestFrames() {
        for (uint64_t i = 0; i < count_; ++i)
            (void)frames_.free(mfns_[i]);
    }
    GuestFrames(const GuestFrames&) = delete;
    GuestFrames& operator=(const GuestFrames&) = delete;

    // Zeroed frames, or false when the allocator runs out.
    bool allocate() {
        for (count_ = 0; count_ < Count; ++count_) {
            Result<uint64_t> mfn = frames_.alloc(k_owner_hypervisor);
            if (!mfn) return false;
            mfns_[count_] = *mfn;
            memset(phys_to_virt(*mfn << 12), 0, 4096);
        }
        return true;
    }
    const uint64_t* mfns() const { return mfns_; }
    // Where the hypervisor reads and writes guest frame `gfn`.
    uint8_t* bytes(uint64_t gfn) const { return static_cast<uint8_t*>(phys_to_virt(mfns_[gfn] << 12)); }

private:
    FrameAllocator& frames_;
    uint64_t mfns_[Count] = {};
    uint64_t count_ = 0;
};

inline bool fail(const char* what) {
    log_error("hvm: self-test failed: {}", what);
    return false;
}

} // namespace pv::x86::container_test
