// PvMmu: the PV memory-management unit of the hypervisor — page types and
// references (PageTypes), the machine-to-phys table, base pointers, and the
// operations behind mmu_update, mmuext_op, update_va_mapping, memory_op and
// the writable-page-table emulation. One instance for the whole hypervisor,
// built at the composition root; hypercall handlers reach it through
// HypervisorServices::pv_mmu().
//
// Locking: one lock serialises every operation (page types are global state:
// a frame may be referenced from several domains' tables). Hooks are called
// with it held (see MmuHooks).
#pragma once

#include "core/domain/domain.hpp"
#include "core/domain/vcpu.hpp"
#include "core/pv_mm/page_types.hpp"
#include "lib/spinlock.hpp"

#include <cstdint>

namespace pv {

// Xen's INVALID_M2P_ENTRY: a frame no guest pfn maps to.
inline constexpr uint64_t k_invalid_m2p_entry = ~uint64_t{0};

struct PvMmuConfig {
    FrameTable* table = nullptr;
    FrameMemory* memory = nullptr;
    MmuHooks* hooks = nullptr;
    DomainFrames* frames = nullptr;       // null: memory_op reservations answer -ENOSYS
    const uint64_t* hypervisor_l4 = nullptr; // 512 entries; slots 256-271 go into guest L4s
    // The M2P array the arch maps read-only at abi::k_hypervisor_virt_start
    // in every PV guest: m2p[mfn] = guest pfn. m2p_entries covers the table.
    uint64_t* m2p = nullptr;
    uint64_t m2p_entries = 0;
};

// One store the writable-page-table emulation decoded (Xen's
// ptwr_emulated_update): `bytes` (1, 2, 4 or 8) at `offset` (naturally
// aligned) within the page-table frame `mfn`, of `value`; for CMPXCHG also
// the expected old value.
struct PtWrite {
    uint64_t mfn = 0;
    unsigned offset = 0;
    unsigned bytes = 8;
    uint64_t value = 0;
    bool is_cmpxchg = false;
    uint64_t expected = 0;
};

enum class PtWriteResult : uint8_t {
    done,           // validated and written: complete the instruction
    compare_failed, // CMPXCHG saw another value (in *current): ZF=0, load it
    refused,        // not a valid update: deliver the page fault to the guest
};

class PvMmu {
public:
    explicit PvMmu(const PvMmuConfig& config);
    PvMmu(const PvMmu&) = delete;
    PvMmu& operator=(const PvMmu&) = delete;

    // --- Engine (tests, domain building) -----------------------------------
    PageTypes& types() { return types_; }
    SpinLock& lock() { return lock_; }

    // The builder's start-of-day tables: pin l4_mfn as an L4 (validating the
    // whole tree) and make it the vCPU's kernel base pointer, as Xen's
    // dom0_construct_pv leaves them (the guest may unpin it later).
    Status adopt_boot_page_tables(Vcpu& vcpu, uint64_t l4_mfn);

    // Domain destruction: drop every vCPU's base pointers and every pin of
    // the domain's frames, so that all of its tables devalidate and only
    // references held elsewhere remain. Frames are not freed here.
    void relinquish(Domain& domain);

    // --- mmuext_op ---------------------------------------------------------
    Status pin(Domain& domain, uint64_t mfn, FrameType type);
    Status unpin(Domain& domain, uint64_t mfn);
    Status new_baseptr(Vcpu& vcpu, uint64_t mfn);
    Status new_user_baseptr(Vcpu& vcpu, uint64_t mfn); // 0: none
    Status copy_page(Domain& domain, uint64_t dst_mfn, uint64_t src_mfn);
    Status clear_page(Domain& domain, uint64_t mfn);

    // --- mmu_update --------------------------------------------------------
    // MMU_NORMAL_PT_UPDATE / MMU_PT_UPDATE_PRESERVE_AD: *entry_maddr = value,
    // entry_maddr 8-byte aligned (the command bits removed). The frame must
    // be pt_owner's; a validated page table takes the checked path, any
    // other frame is written as a plain writable page (as in Xen).
    Status normal_update(Domain& pt_owner, Domain& pg_owner, uint64_t entry_maddr, uint64_t value,
                         bool preserve_ad);
    // MMU_MACHPHYS_UPDATE: m2p[mfn] = pfn for a frame pg_owner owns.
    Status machphys_update(Domain& pg_owner, uint64_t mfn, uint64_t pfn);

    // --- update_va_mapping -------------------------------------------------
    // The L1 entry for va in the vCPU's current tables := value, checked.
    // EINVAL: va not a guest address, no L1 table maps it, or a bad entry.
    Status update_va_mapping(Vcpu& vcpu, Domain& pg_owner, uint64_t va, uint64_t value);

    // --- Writable page tables ----------------------------------------------
    // Whether a write fault on a present, read-only mapping of `mfn` is a
    // candidate for emulation: mfn is one of domain's L1 page tables in use.
    bool is_emulable_pt(const Domain& domain, uint64_t mfn);
    PtWriteResult emulate_pt_write(Domain& domain, const PtWrite& write, uint64_t* current = nullptr);
    // The whole-entry form: entry `index` of L1 table `mfn` := new_value.
    Status emulate_pt_write(Domain& domain, uint64_t mfn, unsigned index, uint64_t new_value);

    // --- memory_op ---------------------------------------------------------
    bool can_allocate() const { return frames_ != nullptr; }
    // increase_reservation: one frame (ENOMEM at max_pages or out of memory).
    Result<uint64_t> allocate_frame(Domain& domain);
    Result<uint64_t> allocate_shared_frame(Domain& domain); // see DomainFrames::alloc_shared
    // populate_physmap: one frame, recorded in the M2P as `pfn`.
    Result<uint64_t> populate_frame(Domain& domain, uint64_t pfn);
    // decrease_reservation's guest_remove_page: unpin, drop from the M2P and
    // give the frame back, at once or when its last reference goes.
    // EINVAL: outside the table; ENXIO: not the domain's frame.
    Status release_frame(Domain& domain, uint64_t mfn);

    // --- M2P -----------------------------------------------------------------
    void set_m2p(uint64_t mfn, uint64_t pfn);
    uint64_t m2p(uint64_t mfn) const;
    uint64_t m2p_entries() const { return m2p_entries_; }
    // One past the highest frame of RAM (the FrameTable's size).
    uint64_t frame_limit() const { return table_.frame_count(); }

private:
    Status walk_to_l1(const Vcpu& vcpu, uint64_t va, uint64_t& l1_mfn);
    Status release_frame_locked(Domain& domain, uint64_t mfn);

    FrameTable& table_;
    FrameMemory& memory_;
    MmuHooks& hooks_;
    DomainFrames* frames_;
    PageTypes types_;
    uint64_t* m2p_;
    uint64_t m2p_entries_;
    SpinLock lock_;
};

} // namespace pv
