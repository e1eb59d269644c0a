// A PV guest's address space as the hypervisor sees it: guest-virtual
// addresses translated by walking the guest's own page tables (the current
// mode's CR3) in software, through the direct map. No guest pointer is ever
// dereferenced directly, so SMAP stays on and a bad pointer is an -EFAULT,
// never a hypervisor fault.
#pragma once

#include "core/hypercall/guest_memory.hpp"
#include "core/memory/frame_allocator.hpp"

#include <cstdint>

namespace pv::x86 {

class PvGuestSpace final : public GuestAddressSpace {
public:
    // `cr3`: machine address of the L4 to walk; `owner`: the domain whose
    // frames the walk may reach (all of a PV guest's mappings, page tables
    // included, must be its own frames).
    PvGuestSpace(uint64_t cr3, uint16_t owner, const FrameTable& frames)
        : cr3_(cr3), owner_(owner), frames_(frames) {}

    Status copy_from(uint64_t guest_va, void* dst, size_t len) override;
    Status copy_to(uint64_t guest_va, const void* src, size_t len) override;

    // The machine address backing `guest_va`, checked for user access
    // (and write access when `write`), or EFAULT.
    Result<uint64_t> translate(uint64_t guest_va, bool write) const;

private:
    bool owned(uint64_t maddr) const;
    uint64_t cr3_;
    uint16_t owner_;
    const FrameTable& frames_;
};

} // namespace pv::x86
