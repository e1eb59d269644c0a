#include "arch/x86/pv/m2p.hpp"

#include "include/public/hypercall.hpp"

namespace pv::x86 {

namespace {
constexpr uint64_t k_page = 4096;
}

uint64_t MachineToPhys::guest_virt_start() const { return abi::k_mach2phys_virt_start; }
uint64_t MachineToPhys::guest_virt_end() const {
    return abi::k_mach2phys_virt_start + ((count_ * 8 + k_page - 1) & ~(k_page - 1));
}

Status MachineToPhys::init(HypervisorPageTables& page_tables, FrameAllocator& frames, uint64_t frame_count) {
    if (frame_count > abi::k_mach2phys_nr_entries) return Errno::e2big;
    uint64_t pages = (frame_count * 8 + k_page - 1) / k_page;
    uint64_t first = TRY(frames.alloc_contiguous(pages, 1, k_owner_hypervisor));
    table_ = static_cast<uint64_t*>(phys_to_virt(first * k_page));
    count_ = frame_count;
    for (uint64_t i = 0; i < pages * 512; ++i) table_[i] = k_invalid;
    for (uint64_t page = 0; page < pages; ++page)
        TRY(page_tables.map_guest_readonly_4k(abi::k_mach2phys_virt_start + page * k_page, (first + page) * k_page));
    return Status::ok();
}

} // namespace pv::x86
