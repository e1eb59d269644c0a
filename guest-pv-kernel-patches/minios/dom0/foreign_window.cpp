#include "dom0/foreign_window.hpp"

#include "arch/hypercall.hpp"
#include "kernel/boot_info.hpp"
#include "kernel/platform.hpp"

namespace minios {
namespace {

// The slots themselves: page aligned .bss inside the bootstrap mapping.
alignas(4096) uint8_t window[ForeignWindow::k_slots][k_page_size];

// A PV guest's leaf PTE for a data page: present, writable, user (a 64-bit
// PV kernel runs in ring 3), accessed, dirty (Intel SDM Vol. 3 §4.5).
constexpr uint64_t k_pte_data = 0x1 | 0x2 | 0x4 | 0x20 | 0x40;
constexpr uint64_t k_mfn_limit = uint64_t{1} << 40; // 52-bit physical addresses

// Only this vCPU ever touches the window: a local INVLPG is enough.
constexpr uint64_t k_flush = abi::k_uvmf_invlpg | abi::k_uvmf_local;

uint64_t va_of(size_t slot) {
    return reinterpret_cast<uintptr_t>(window[slot]);
}

pv::Errno errno_of(long rc) {
    return static_cast<pv::Errno>(-rc);
}

} // namespace

pv::Result<uint8_t*> ForeignWindow::map(uint16_t domid, uint64_t mfn) {
    // The window is PV's (our own L1 entries through the hypervisor); a
    // PVH Dom0 would map foreign frames with add_to_physmap_batch
    // (gmfn_foreign) instead: not in PVH.
    if (!platform().is_pv()) return pv::Errno::enosys;
    if (mfn >= k_mfn_limit) return pv::Errno::einval;
    for (size_t i = 0; i < k_slots; ++i) {
        if (slots_[i].used) continue;
        const long rc = hv::update_va_mapping_otherdomain(
            va_of(i), (mfn << abi::k_page_shift) | k_pte_data, k_flush, domid);
        if (rc < 0) return errno_of(rc);
        slots_[i] = Slot{true, domid, mfn};
        return window[i];
    }
    return pv::Errno::enomem; // every slot in use: a caller forgot to unmap
}

void ForeignWindow::unmap(uint8_t* page) {
    const uintptr_t va = reinterpret_cast<uintptr_t>(page);
    const uintptr_t first = va_of(0);
    if (va < first || (va - first) % k_page_size != 0) return;
    const size_t i = (va - first) / k_page_size;
    if (i >= k_slots || !slots_[i].used) return;
    // Our own L1 entry, so update_va_mapping: a non-present PTE drops the
    // reference on the foreign frame.
    if (hv::update_va_mapping(va, 0, k_flush) < 0) return; // keep it recorded as in use
    slots_[i] = Slot{};
}

size_t ForeignWindow::mapped() const {
    size_t n = 0;
    for (const Slot& s : slots_)
        n += s.used ? 1 : 0;
    return n;
}

} // namespace minios
