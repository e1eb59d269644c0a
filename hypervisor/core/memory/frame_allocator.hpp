// FrameAllocator: hands out 4 KiB machine frames from the RAM the firmware
// reported, never touching what the caller reserved (the hypervisor image,
// boot modules, the first 1 MiB, ...).
//
// Boot is two steps because the allocator's own metadata (a free bitmap and
// the FrameTable) has to live somewhere in RAM before anything can allocate:
//   1. plan()  reads the memory map and picks a physical home for the metadata;
//   2. init()  gets that range's virtual address (the direct map in the
//              hypervisor, a host buffer in tests) and builds the metadata.
//
// The memory map need not be sanitized: entries may be unsorted, overlap,
// have zero size, be unaligned or run past the end of the address space.
// Rules: a frame is usable only if it lies wholly inside one usable entry
// (usable entries are rounded inward); any non-usable entry and any reserved
// range removes every frame it touches (rounded outward), whatever the order.
#pragma once

#include "core/boot/boot_info.hpp"
#include "core/memory/frame_table.hpp"
#include "lib/spinlock.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv {

// A physical byte range [start, end). end <= start means empty.
struct PhysRange {
    uint64_t start;
    uint64_t end;
};

// What plan() decided. It keeps pointers to the caller's map and reserved
// list: both must stay unchanged until init() has returned.
struct FrameAllocatorPlan {
    const MemoryRange* map = nullptr;
    size_t map_count = 0;
    const PhysRange* reserved = nullptr;
    size_t reserved_count = 0;
    uint64_t max_phys = 0;       // page-aligned physical limit actually applied

    uint64_t frame_limit = 0;    // one past the highest RAM frame: the FrameTable's size
    uint64_t usable_frames = 0;  // allocatable frames before the metadata is carved out
    bool clamped = false;        // some usable RAM lay at or above max_phys and is ignored

    uint64_t metadata_phys = 0;  // page aligned, inside usable, non-reserved RAM
    uint64_t metadata_bytes = 0; // multiple of k_page_size: FrameInfo array, then bitmap
};

class FrameAllocator {
public:
    static constexpr uint64_t k_default_max_phys = uint64_t{1} << 40; // 1 TiB
    static constexpr uint64_t k_no_limit = ~uint64_t{0};

    constexpr FrameAllocator() = default;
    FrameAllocator(const FrameAllocator&) = delete;
    FrameAllocator& operator=(const FrameAllocator&) = delete;

    // ENOMEM: no usable RAM, or no usable run large enough for the metadata.
    // EINVAL: a null array with a non-zero count.
    static Result<FrameAllocatorPlan> plan(const MemoryRange* map, size_t map_count,
                                           const PhysRange* reserved, size_t reserved_count,
                                           uint64_t max_phys = k_default_max_phys);

    // Bytes of metadata needed for a FrameTable of frame_limit frames (page rounded).
    static uint64_t metadata_bytes_for(uint64_t frame_limit);

    // metadata_virt maps plan.metadata_phys for plan.metadata_bytes and must
    // be 8-byte aligned. EINVAL for a bad plan or pointer, EBUSY if already set up.
    Status init(const FrameAllocatorPlan& plan, void* metadata_virt);

    // One frame; ENOMEM when none is free. owner must be a domain or
    // k_owner_hypervisor (EINVAL for k_owner_free / k_owner_reserved).
    Result<uint64_t> alloc(uint16_t owner);

    // count frames starting at a multiple of align_frames (a power of two),
    // all below below_mfn. EINVAL: count 0, bad alignment or owner.
    // ENOMEM: no such run is free.
    Result<uint64_t> alloc_contiguous(size_t count, size_t align_frames, uint16_t owner,
                                      uint64_t below_mfn = k_no_limit);

    // EINVAL if any frame is outside the table, free, or was never handed
    // out by alloc (reserved, hypervisor image, metadata); EBUSY if it still
    // has a type or references. On error nothing changes.
    Status free(uint64_t mfn);
    Status free_contiguous(uint64_t mfn, size_t count);

    // The metadata passed to init() is now reachable `delta` bytes further on
    // (the hypervisor sets up with the boot identity map, then moves to its
    // direct map). Call before any other CPU uses the allocator.
    void rebase_metadata(int64_t delta) {
        bitmap_ = reinterpret_cast<uint64_t*>(reinterpret_cast<uintptr_t>(bitmap_) + delta);
        table_.rebase(delta);
    }

    uint64_t free_count() const { return free_count_; }
    uint64_t total_count() const { return total_count_; } // frames the allocator manages
    FrameTable& frame_table() { return table_; }
    const FrameTable& frame_table() const { return table_; }

private:
    uint64_t word_count() const { return (table_.frame_count() + 63) / 64; }
    bool is_free(uint64_t mfn) const { return (bitmap_[mfn / 64] >> (mfn % 64)) & 1; }
    uint64_t find_free_from(uint64_t mfn, uint64_t limit) const;
    uint64_t find_used_in(uint64_t first, uint64_t end) const;
    Status check_freeable(uint64_t mfn, size_t count) const;
    void take(uint64_t first, uint64_t count, uint16_t owner);
    void reset();

    // lock_ guards bitmap_ contents, the owner and flags of every frame,
    // free_count_ and next_word_. init() runs once on the boot CPU before
    // anyone else can see the allocator, and sets bitmap_, table_ and
    // total_count_ for good. Type and reference counts belong to the PV MMU.
    uint64_t* bitmap_ = nullptr; // bit set = frame free
    FrameTable table_;
    uint64_t free_count_ = 0;
    uint64_t total_count_ = 0;
    uint64_t next_word_ = 0;     // next-fit hint for alloc()
    SpinLock lock_;
};

} // namespace pv
