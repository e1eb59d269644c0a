// The machine-to-phys table: for every machine frame, the guest frame
// number its owner knows it by. PV guests read it directly, mapped
// read-only at Xen's address (RO_MPT_VIRT_START = 0xffff800000000000, PML4
// slot 256, inside the hypervisor's range and present in every guest);
// only the hypervisor writes it.
#pragma once

#include "arch/x86/paging.hpp"
#include "core/memory/frame_allocator.hpp"

#include <cstdint>

namespace pv::x86 {

class MachineToPhys {
public:
    static constexpr uint64_t k_invalid = ~0ull; // INVALID_M2P_ENTRY

    Status init(HypervisorPageTables& page_tables, FrameAllocator& frames, uint64_t frame_count);
    void set(uint64_t mfn, uint64_t pfn) {
        if (mfn < count_) table_[mfn] = pfn;
    }
    uint64_t get(uint64_t mfn) const { return mfn < count_ ? table_[mfn] : k_invalid; }
    uint64_t frame_count() const { return count_; }
    uint64_t* data() { return table_; }
    uint64_t guest_virt_start() const;
    uint64_t guest_virt_end() const; // exclusive, page aligned

private:
    uint64_t* table_ = nullptr; // through the direct map
    uint64_t count_ = 0;
};

} // namespace pv::x86
