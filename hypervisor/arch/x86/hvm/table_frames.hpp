// Nested-page-table frames from the hypervisor's frame allocator, reached
// through the direct map.
#pragma once

#include "arch/x86/paging.hpp"
#include "core/hvm/nested_page_table.hpp"
#include "core/memory/frame_allocator.hpp"

#include <cstring>

namespace pv::x86::hvm {

class HypervisorTableFrames final : public pv::nested::TableFrames {
public:
    explicit HypervisorTableFrames(FrameAllocator* frames = nullptr) : frames_(frames) {}

    Result<uint64_t> alloc_table() override {
        Result<uint64_t> mfn = frames_->alloc(k_owner_hypervisor);
        if (!mfn) return mfn.status();
        const uint64_t phys = *mfn << 12;
        memset(phys_to_virt(phys), 0, 4096);
        return phys;
    }
    void free_table(uint64_t phys) override { (void)frames_->free(phys >> 12); }
    uint64_t* table(uint64_t phys) override { return static_cast<uint64_t*>(phys_to_virt(phys)); }

private:
    FrameAllocator* frames_;
};

} // namespace pv::x86::hvm
