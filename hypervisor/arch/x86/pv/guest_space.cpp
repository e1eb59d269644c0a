#include "arch/x86/pv/guest_space.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/paging.hpp"

// Read by guest_access.S: STAC/CLAC around guest accesses (CR4.SMAP is on).
extern "C" {
bool pv_guest_access_smap = false;
}

namespace pv::x86 {

namespace {
constexpr uint64_t k_page = 4096;

uint64_t entry_at(uint64_t table_maddr, uint64_t va, int level) {
    auto* table = static_cast<const volatile uint64_t*>(phys_to_virt(table_maddr));
    return table[(va >> (12 + 9 * (level - 1))) & 511];
}
} // namespace

void guest_access_init_cpu() {
    const uint64_t cr0 = read_cr0();
    if (!(cr0 & cr0::wp)) write_cr0(cr0 | cr0::wp);
    pv_guest_access_smap = (read_cr4() & cr4::smap) != 0;
}

bool PvGuestSpace::owned(uint64_t maddr) const {
    const FrameInfo* info = frames_.lookup(maddr / k_page);
    return info && info->owner == owner_;
}

// SDM Vol. 3 §5.5: a user-mode access needs P and U at every level, and R/W
// at every level for a write; a PS entry at L3 or L2 ends the walk.
Result<uint64_t> PvGuestSpace::translate(uint64_t va, bool write) const {
    if (!guest_range_plausible(va, 1)) return Errno::efault;
    uint64_t table = cr3_ & pte::address_mask;
    for (int level = 4; level >= 1; --level) {
        if (!owned(table)) return Errno::efault;
        uint64_t e = entry_at(table, va, level);
        if (!(e & pte::present) || !(e & pte::user)) return Errno::efault;
        if (write && !(e & pte::writable)) return Errno::efault;
        uint64_t frame = e & pte::address_mask;
        if (level == 1) {
            if (!owned(frame)) return Errno::efault;
            return frame | (va & (k_page - 1));
        }
        if ((level == 3 || level == 2) && (e & pte::large)) {
            uint64_t span = 1ull << (12 + 9 * (level - 1));
            uint64_t maddr = (frame & ~(span - 1)) | (va & (span - 1));
            if (!owned(maddr)) return Errno::efault;
            return maddr;
        }
        table = frame;
    }
    return Errno::efault;
}

Status PvGuestSpace::copy_from_slow(uint64_t va, void* dst, size_t len) {
    if (!guest_range_plausible(va, len)) return Errno::efault;
    if (live()) return copy_live(dst, reinterpret_cast<const void*>(va), len);
    auto* out = static_cast<char*>(dst);
    while (len > 0) {
        uint64_t maddr = TRY(translate(va, false));
        size_t chunk = k_page - (va & (k_page - 1));
        if (chunk > len) chunk = len;
        const auto* src = static_cast<const char*>(phys_to_virt(maddr));
        for (size_t i = 0; i < chunk; ++i) out[i] = src[i];
        out += chunk;
        va += chunk;
        len -= chunk;
    }
    return Status::ok();
}

Status PvGuestSpace::copy_to_slow(uint64_t va, const void* src, size_t len) {
    if (!guest_range_plausible(va, len)) return Errno::efault;
    if (live()) return copy_live(reinterpret_cast<void*>(va), src, len);
    // Check the whole range first so a failed copy writes nothing.
    for (uint64_t page = va & ~(k_page - 1); page < va + len; page += k_page)
        TRY(translate(page < va ? va : page, true));
    const auto* in = static_cast<const char*>(src);
    while (len > 0) {
        uint64_t maddr = TRY(translate(va, true));
        size_t chunk = k_page - (va & (k_page - 1));
        if (chunk > len) chunk = len;
        auto* dst = static_cast<char*>(phys_to_virt(maddr));
        for (size_t i = 0; i < chunk; ++i) dst[i] = in[i];
        in += chunk;
        va += chunk;
        len -= chunk;
    }
    return Status::ok();
}

} // namespace pv::x86
