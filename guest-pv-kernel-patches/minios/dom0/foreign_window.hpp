// Where Dom0 sees other domains' frames: a small pool of page-sized slots
// reserved in the image, so that the bootstrap page tables already have an
// L1 table for each (minios builds no page tables of its own). Mapping a
// slot replaces its L1 entry with the foreign frame through
// update_va_mapping_otherdomain (hypercall 22: va, pte, flags, domid, as in
// Xen); unmapping writes a non-present entry, so a stale pointer faults
// instead of reading whatever was there.
#pragma once

#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace minios {

class ForeignWindow {
public:
    // The builder maps a handful of frames at a time (ControlPlane).
    static constexpr size_t k_slots = 32;

    pv::Result<uint8_t*> map(uint16_t domid, uint64_t mfn);
    // Ignores pointers that are not a mapped slot.
    void unmap(uint8_t* page);

    size_t mapped() const;

private:
    struct Slot {
        bool used = false;
        uint16_t domid = 0;
        uint64_t mfn = 0;
    };
    Slot slots_[k_slots];
};

} // namespace minios
