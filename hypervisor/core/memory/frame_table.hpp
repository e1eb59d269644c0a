// FrameTable: one FrameInfo per machine frame (Xen's page_info / frame_table).
// The frame allocator fills it at boot; the PV MMU builds page-type
// accounting on top of it (type, type_count, ref_count).
//
// The table lives in caller-supplied storage (the allocator carves it out of
// RAM at boot), so this class never allocates.
#pragma once

#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv {

inline constexpr uint64_t k_page_shift = 12;
inline constexpr uint64_t k_page_size = uint64_t{1} << k_page_shift;

// Special owners. They reuse Xen's reserved domain ids (public/xen.h) so that
// the values a guest may see in an ownership query mean the same as on Xen:
// hypervisor frames belong to DOMID_XEN, frames that are not RAM (firmware,
// ACPI, MMIO, holes) to DOMID_IO, and free frames to DOMID_INVALID.
inline constexpr uint16_t k_owner_hypervisor = 0x7ff2; // DOMID_XEN
inline constexpr uint16_t k_owner_reserved = 0x7ff1;   // DOMID_IO
inline constexpr uint16_t k_owner_free = 0x7ff4;       // DOMID_INVALID

// What a frame is currently validated as (Xen's PGT_* type in type_info).
// A frame has at most one type at a time; type_count counts its uses as that type.
enum class FrameType : uint8_t { none, l1, l2, l3, l4, segdesc, writable };

// FrameInfo::flags bits.
inline constexpr uint8_t k_frame_allocated = 1u << 0; // handed out by FrameAllocator; only such frames may be freed
// The PV MMU's bits (core/pv_mm/page_types.hpp); FrameAllocator clears them
// with the rest of the FrameInfo when it hands a frame out or takes it back.
inline constexpr uint8_t k_frame_pinned = 1u << 1;    // pinned: holds one type and one general reference
inline constexpr uint8_t k_frame_validated = 1u << 2; // contents checked as `type` (page tables, descriptors)
inline constexpr uint8_t k_frame_released = 1u << 3;  // returned by its owner: freed when the last reference goes
inline constexpr uint8_t k_frame_shared = 1u << 4;    // the hypervisor's page shared with its owner (not in tot_pages)

struct FrameInfo {
    uint16_t owner;       // DomainId or one of the k_owner_* values
    FrameType type;
    uint8_t flags;        // k_frame_*
    uint32_t type_count;  // validated uses as `type` (page-table links, writable mappings)
    uint32_t ref_count;   // general references (mappings, grants, hypervisor holds)
};
// Kept small: one per 4 KiB frame, so 12 bytes is 0.3% of RAM.
static_assert(sizeof(FrameInfo) == 12);
static_assert(alignof(FrameInfo) == 4);

class FrameTable {
public:
    constexpr FrameTable() = default;
    constexpr FrameTable(FrameInfo* frames, uint64_t count) : frames_(frames), count_(count) {}

    uint64_t frame_count() const { return count_; }
    bool contains(uint64_t mfn) const { return mfn < count_; }

    // nullptr when mfn is outside the table (MMIO above RAM, garbage from a guest).
    FrameInfo* lookup(uint64_t mfn) { return contains(mfn) ? &frames_[mfn] : nullptr; }
    const FrameInfo* lookup(uint64_t mfn) const { return contains(mfn) ? &frames_[mfn] : nullptr; }

    // EINVAL outside the table.
    Result<uint16_t> owner_of(uint64_t mfn) const;
    Status set_owner(uint64_t mfn, uint16_t owner);

    // Linear scan: for diagnostics and tests, not for hot paths (domains keep
    // their own page counts).
    uint64_t count_owned_by(uint16_t owner) const;

    // The same storage seen at another virtual address (boot identity map →
    // direct map).
    void rebase(int64_t delta) {
        frames_ = reinterpret_cast<FrameInfo*>(reinterpret_cast<uintptr_t>(frames_) + delta);
    }

private:
    FrameInfo* frames_ = nullptr;
    uint64_t count_ = 0;
};

} // namespace pv
