// A PV guest's address space as the hypervisor sees it. When it is the one
// the CPU has loaded (the running vCPU's current mode: the common case, every
// hypercall and trap), guest-virtual addresses are used as they are, with
// the hardware walking the guest's tables (guest_access.S: SMAP honoured, a
// fault becomes -EFAULT). Otherwise (another vCPU's tables, a domain being
// built) the guest's page tables are walked in software through the direct
// map. Either way a bad pointer is an -EFAULT, never a hypervisor fault.
#pragma once

#include "arch/x86/cpu.hpp"
#include "arch/x86/paging.hpp"
#include "core/hypercall/guest_memory.hpp"
#include "core/memory/frame_allocator.hpp"

#include <cstdint>

// guest_access.S: copies len bytes between hypervisor memory and guest
// memory by guest-virtual address in the loaded tables; 0, or 1 if an
// access faulted.
extern "C" uint64_t pv_guest_copy(void* dst, const void* src, uint64_t len);

namespace pv::x86 {

class PvGuestSpace final : public GuestAddressSpace {
public:
    // `cr3`: machine address of the L4 to walk; `owner`: the domain whose
    // frames the walk may reach (all of a PV guest's mappings, page tables
    // included, must be its own frames).
    PvGuestSpace(uint64_t cr3, uint16_t owner, const FrameTable& frames)
        : cr3_(cr3), owner_(owner), frames_(frames) {}

    // Inline for the common case, a plain range in the live tables.
    Status copy_from(uint64_t guest_va, void* dst, size_t len) override {
        if (clearly_guest_range(guest_va, len) && live())
            return copy_live(dst, reinterpret_cast<const void*>(guest_va), len);
        return copy_from_slow(guest_va, dst, len);
    }
    Status copy_to(uint64_t guest_va, const void* src, size_t len) override {
        if (clearly_guest_range(guest_va, len) && live())
            return copy_live(reinterpret_cast<void*>(guest_va), src, len);
        return copy_to_slow(guest_va, src, len);
    }

    // The machine address backing `guest_va`, checked for user access
    // (and write access when `write`), or EFAULT.
    Result<uint64_t> translate(uint64_t guest_va, bool write) const;

private:
    // A short form of guest_range_plausible for the common case, a range
    // inside the lower half or the guest's part of the upper half (false
    // sends the range to the full check).
    static bool clearly_guest_range(uint64_t va, uint64_t len) {
        constexpr uint64_t k_lower_half_end = 0x0000'8000'0000'0000;
        static_assert(abi::k_hypervisor_virt_end > k_lower_half_end);
        const uint64_t end = va + len;
        if (end < va) return false;
        return end <= k_lower_half_end || va >= abi::k_hypervisor_virt_end;
    }
    // The CPU runs on these tables now: the hardware can walk them.
    bool live() const { return ((read_cr3() ^ cr3_) & pte::address_mask) == 0; }
    static Status copy_live(void* dst, const void* src, size_t len) {
        if (pv_guest_copy(dst, src, len) != 0) [[unlikely]] return Errno::efault;
        return Status::ok();
    }
    bool owned(uint64_t maddr) const;
    // Everything but a plain range in the live tables.
    [[gnu::noinline]] Status copy_from_slow(uint64_t guest_va, void* dst, size_t len);
    [[gnu::noinline]] Status copy_to_slow(uint64_t guest_va, const void* src, size_t len);
    uint64_t cr3_;
    uint16_t owner_;
    const FrameTable& frames_;
};

// Once per CPU before it runs guests: CR0.WP on (ring 0 must not write
// through a guest's read-only mappings) and whether SMAP is on (CR4.SMAP:
// then guest accesses run between STAC and CLAC).
void guest_access_init_cpu();

} // namespace pv::x86
