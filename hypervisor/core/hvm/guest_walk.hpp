// The first translation of a PVH guest access, guest-virtual to
// guest-physical, through the guest's own page tables (SDM Vol. 3 §4), as
// a hypercall handler needs it for guest pointers. The second translation
// (guest-physical to host) is the caller's GuestPhysicalReader.
//
// Accesses are made on behalf of the guest kernel (hypercalls come from
// CPL 0): U/S is ignored; a write needs R/W at every level when CR0.WP = 1
// (with WP = 0 a supervisor write ignores R/W). Accessed/dirty bits are
// not set (the hypervisor's copy is not a guest access; Xen does the same
// for its copies only where the guest cannot tell). Every failure is
// EFAULT: not present, reserved bits set, non-canonical, an unreadable
// table.
//
// Modes: paging off (CR0.PG = 0: gpa = va, 32-bit addresses); 4-level long
// mode (EFER.LMA; 1 GiB and 2 MiB pages; CR4.LA57 unsupported: EFAULT);
// 32-bit PAE (3 levels, 2 MiB pages; the four PDPTEs are read from memory
// at CR3 rather than from the CPU's cached copies); 32-bit non-PAE
// (2 levels, 4 MiB pages when CR4.PSE, PSE-36 high bits honoured).
#pragma once

#include "core/hypercall/guest_memory.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::hvm {

struct PagingState {
    uint64_t cr0 = 0, cr3 = 0, cr4 = 0, efer = 0;
    uint8_t phys_bits = 52; // the guest's MAXPHYADDR: higher address bits are reserved

    static constexpr uint64_t k_cr0_wp = 1u << 16;
    static constexpr uint64_t k_cr0_pg = 1ull << 31;
    static constexpr uint64_t k_cr4_pse = 1u << 4;
    static constexpr uint64_t k_cr4_pae = 1u << 5;
    static constexpr uint64_t k_cr4_la57 = 1u << 12;
    static constexpr uint64_t k_efer_lma = 1u << 10;
    static constexpr uint64_t k_efer_nxe = 1u << 11;
};

// Reads one 8-byte-aligned quadword of guest-physical memory (EFAULT if
// the gpa is not guest RAM). The arch layer implements it through the
// nested table; FrameMapReader below does it over a GuestFrameMap.
class GuestPhysicalReader {
public:
    virtual Result<uint64_t> read_gpa_u64(uint64_t gpa) = 0;

protected:
    ~GuestPhysicalReader() = default;
};

enum class GuestAccess : uint8_t { read, write };

// The guest-physical address of `va` for an access of the kind given.
Result<uint64_t> translate_guest_va(const PagingState& paging, GuestPhysicalReader& memory,
                                    uint64_t va, GuestAccess access);

// Guest-physical frames as the hypervisor reaches them: where guest frame
// `gfn` can be read and written (4 KiB), or null if it is not RAM of this
// guest. The arch layer implements it with the nested table and the
// hypervisor's direct map.
class GuestFrameMap {
public:
    virtual uint8_t* host_page(uint64_t gfn) = 0;

protected:
    ~GuestFrameMap() = default;
};

class FrameMapReader final : public GuestPhysicalReader {
public:
    explicit FrameMapReader(GuestFrameMap& frames) : frames_(frames) {}
    Result<uint64_t> read_gpa_u64(uint64_t gpa) override;

private:
    GuestFrameMap& frames_;
};

// pv::GuestAddressSpace for a PVH vCPU (one per hypercall, built from the
// vCPU's paging registers at the time of the call): every copy is
// checked with guest_range_plausible, then walked and copied page by page.
class PvhGuestSpace final : public GuestAddressSpace {
public:
    PvhGuestSpace(const PagingState& paging, GuestFrameMap& frames)
        : paging_(paging), frames_(frames), reader_(frames) {}

    Status copy_from(uint64_t guest_va, void* dst, size_t len) override;
    Status copy_to(uint64_t guest_va, const void* src, size_t len) override;

private:
    // Where the page holding `va` is in the hypervisor, after translation.
    Result<uint8_t*> host_address(uint64_t va, GuestAccess access);

    PagingState paging_;
    GuestFrameMap& frames_;
    FrameMapReader reader_;
};

} // namespace pv::hvm
