// PageTypes: Xen's page-type and reference-count rules over the FrameTable
// (facts from xen/arch/x86/mm.c: get_page, get_page_type, promote_l*_table,
// get/put_page_from_l*e; include/asm-x86/mm.h: PGT_*).
//
// Every frame has a general reference count (ref_count: mappings, page-table
// links, pins, base pointers, hypervisor holds) and a type with a type count:
//   * the type can change only while type_count is 0;
//   * l1..l4: the frame is a validated page table of that level. Taking the
//     first type reference validates it: every present entry is checked and
//     takes a reference on what it names (an L1 entry: a general reference,
//     plus a `writable` type reference if it has RW; an L2/L3/L4 entry: a
//     general reference and the next level's type). Dropping the last type
//     reference devalidates it (every such reference is put back);
//   * writable: mapped writable somewhere. So a frame cannot be a page table
//     and writable-mapped at once, and page tables are mapped read-only;
//   * segdesc: a GDT/LDT page (its 512 descriptors checked).
// Levels strictly decrease along a table's references and a frame has one
// type at a time, so no reference cycle can form; self-referencing ("linear")
// page tables, which Xen optionally allows, are refused (-EINVAL).
//
// A failed get leaves every count (and the validated and pinned flags)
// exactly as before. The engine does no locking: PvMmu serialises callers.
#pragma once

#include "core/domain/domain.hpp"
#include "core/memory/frame_table.hpp"
#include "core/pv_mm/frame_memory.hpp"
#include "core/pv_mm/pte.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv {

// The hypervisor's slots in every guest L4 (Xen's ROOT_PAGETABLE_FIRST/LAST_XEN_SLOT).
inline constexpr unsigned k_hypervisor_l4_first = 256;
inline constexpr unsigned k_hypervisor_l4_last = 271;
// The read-only M2P at abi::k_hypervisor_virt_start lives in the first of
// them (Xen's RO_MPT_VIRT_START); with VMASST m2p_strict it is left out of
// guest user-mode L4s.
inline constexpr unsigned k_ro_m2p_l4_slot = 256;

constexpr bool is_guest_l4_slot(unsigned slot) {
    return slot < k_hypervisor_l4_first || slot > k_hypervisor_l4_last;
}

constexpr bool is_page_table_type(FrameType t) {
    return t == FrameType::l1 || t == FrameType::l2 || t == FrameType::l3 || t == FrameType::l4;
}
constexpr unsigned level_of(FrameType t) {
    return t == FrameType::l1 ? 1 : t == FrameType::l2 ? 2 : t == FrameType::l3 ? 3 : t == FrameType::l4 ? 4 : 0;
}
constexpr FrameType table_type(unsigned level) {
    return level == 1 ? FrameType::l1 : level == 2 ? FrameType::l2 : level == 3 ? FrameType::l3 : FrameType::l4;
}

class PageTypes {
public:
    static constexpr uint32_t k_max_count = 0x7fff'ffff;

    // hypervisor_l4: the 512 entries of the hypervisor's own L4; slots
    // 256-271 of it are copied into every guest L4 when it is validated.
    // frames may be null (released frames are then never freed).
    PageTypes(FrameTable& table, FrameMemory& memory, MmuHooks& hooks, const uint64_t* hypervisor_l4,
              DomainFrames* frames = nullptr)
        : table_(table), memory_(memory), hooks_(hooks), hypervisor_l4_(hypervisor_l4), frames_(frames) {}

    FrameTable& table() { return table_; }
    FrameMemory& memory() { return memory_; }
    MmuHooks& hooks() { return hooks_; }

    // A general reference on a frame `owner` owns (and has not released).
    // false: outside the table, not owned, or the count would overflow.
    [[nodiscard]] bool get_page(uint64_t mfn, const Domain& owner);
    // Drops one; a released frame whose last reference goes is freed.
    void put_page(uint64_t mfn);

    // A type reference (see above). The caller holds a general reference.
    // EINVAL: another type is in use, or the count would overflow; else
    // what validation found (EINVAL, EBUSY, EPERM, as Xen's checks).
    // `owner` is the domain whose frames the table's entries may name.
    Status get_page_type(uint64_t mfn, FrameType type, const Domain& owner);
    void put_page_type(uint64_t mfn);

    // Both, as one (EINVAL if the general reference fails).
    Status get_page_and_type(uint64_t mfn, FrameType type, const Domain& owner);
    void put_page_and_type(uint64_t mfn);

    // MMUEXT_PIN_L*_TABLE / UNPIN_TABLE. EINVAL: not the domain's frame, or
    // already pinned (pin) / not pinned (unpin); else the validation's error.
    Status pin(uint64_t mfn, FrameType type, const Domain& owner);
    Status unpin(uint64_t mfn, const Domain& owner);

    // Checked write of entry `index` of the validated page table `mfn`
    // (Xen's mod_l*_entry): the new entry's references are taken before the
    // old one's are dropped. pg_owner owns the frames a new L1 entry may
    // map (the table's owner unless a privileged foreign mapping); L2-L4
    // entries always name the table owner's frames.
    // EINVAL: bad flags, a hypervisor L4 slot, a frame not mappable;
    // EBUSY / EPERM: see get_l1e(); EFAULT: the entry changed under us
    // other than in its A/D bits (cannot happen while the lock is held).
    Status mod_entry(uint64_t mfn, unsigned index, uint64_t value, const Domain& pt_owner,
                     const Domain& pg_owner, bool preserve_ad);

    // Xen's get_page_from_l1e for a present entry: on success *flip holds
    // bits to toggle in the entry (cache attributes of I/O mappings).
    // EINVAL: disallowed flags; EPERM: I/O memory without the right;
    // EBUSY: a frame pg_owner does not own, or a writable mapping of a
    // frame that has another type.
    Status get_l1e(uint64_t entry, const Domain& l1_owner, const Domain& pg_owner, uint64_t* flip);
    void put_l1e(uint64_t entry);

    // The type of a frame while it has type references (none otherwise).
    FrameType effective_type(uint64_t mfn) const;
    bool is_pinned(uint64_t mfn) const;

    // Write the hypervisor's slots into a guest L4 (validation does this;
    // new_baseptr / new_user_baseptr add or zap the M2P slot).
    void install_hypervisor_slots(uint64_t l4_mfn, bool with_ro_m2p);
    void set_ro_m2p_slot(uint64_t l4_mfn, bool present);

private:
    Status validate(uint64_t mfn, FrameType type, const Domain& owner);
    void devalidate(uint64_t mfn, FrameType type);
    Status validate_table(uint64_t mfn, unsigned level, const Domain& owner);
    void release_entries(uint64_t mfn, unsigned level, unsigned end);
    // `table` is the frame holding the entry: an entry that points back at
    // its own table, read-only, is a linear page table (Xen's pv-linear-pt:
    // the guest can read its page tables through it) and takes only a
    // general reference, so it cannot make a type cycle.
    Status get_table_entry(uint64_t entry, unsigned level, const Domain& owner, uint64_t table);
    void put_table_entry(uint64_t entry, unsigned level, uint64_t table);
    Status validate_descriptors(uint64_t mfn);
    bool update_entry(uint64_t mfn, unsigned index, uint64_t old, uint64_t value, bool preserve_ad);
    bool is_io_frame(uint64_t mfn) const;

    FrameTable& table_;
    FrameMemory& memory_;
    MmuHooks& hooks_;
    const uint64_t* hypervisor_l4_;
    DomainFrames* frames_;
};

} // namespace pv
