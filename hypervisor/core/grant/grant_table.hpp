// Grant tables, version 1 (facts from Xen's common/grant_table.c,
// arch/x86/pv/grant_table.c and public/grant_table.h).
//
//   GrantTable   one per domain: the shared entries (GrantEntryV1) in frames
//                the hypervisor allocates and the domain owns and may map;
//                the active entries (who pinned each grant, how); and the
//                maptrack: the mappings this domain holds of others' grants,
//                named by handles.
//   GrantTables  the operations (map, unmap, copy, setup, release), one
//                instance for the hypervisor, built at the composition root.
//
// Who holds which reference (the rule Xen's PV grant code follows):
//   * a host mapping is an L1 entry of the mapper naming the granter's frame.
//     Its references (a general one, plus a `writable` type reference unless
//     read-only) are taken by map and belong to that entry, like any L1
//     entry's: whoever clears the entry drops them. That is unmap, release
//     below, or the PV MMU itself when the guest overwrites the entry or the
//     L1 table is torn down. A guest cannot copy such an entry (the PV MMU
//     refuses L1 entries naming a foreign frame), so the granted frame cannot
//     be remapped behind the grant's back, nor freed while any entry maps it;
//   * a device mapping (GNTMAP_device_map) holds the same references itself,
//     dropped when it is unmapped or released;
//   * pins (per active entry) stand for the mappings a maptrack entry records
//     and keep GTF_reading / GTF_writing set in the shared entry, so that the
//     granter cannot revoke the grant (its compare-and-swap of the flags to 0
//     fails). A granter that clears the flags anyway hurts only itself: the
//     frame stays referenced until the mapper unmaps.
//   * table frames carry a general and a `writable` type reference of their
//     own for their whole life (Xen's shared xenheap pages are typed writable
//     for good), so the granter can never make them page tables or
//     descriptor pages, which the status-bit writes would then corrupt.
//
// Locking: one lock (GrantTables::lock) serialises every operation on every
// table; the PV MMU's lock is taken inside it (never the other way round).
#pragma once

#include "core/domain/domain.hpp"
#include "core/domain/vcpu.hpp"
#include "core/grant/grant_config.hpp"
#include "include/public/grant_table.hpp"
#include "lib/spinlock.hpp"

#include <cstdint>

namespace pv {

class PvMmu; // core/pv_mm/pv_mmu.hpp

// One pinned grant of a table (Xen's active_grant_entry): valid while any
// count is non-zero. All pins of a grant belong to one domain (Xen refuses a
// second mapper with GNTST_general_error).
struct ActiveGrant {
    uint64_t mfn = 0;
    DomainId mapper = 0;
    uint16_t host_ro = 0, host_rw = 0; // host mappings (and copies in progress)
    uint16_t dev_ro = 0, dev_rw = 0;   // device mappings

    static constexpr uint16_t k_max_pins = 0x7f; // per counter, as Xen's 8-bit fields

    bool pinned() const { return (host_ro | host_rw | dev_ro | dev_rw) != 0; }
    bool write_pinned() const { return (host_rw | dev_rw) != 0; }
};

// One mapping a domain holds (Xen's grant_mapping), named by its handle.
struct MaptrackEntry {
    uint32_t flags = 0; // the k_gntmap_* flags of the map; host_map / device_map
                        // cleared as those halves are unmapped; 0: free
    DomainId dom = 0;   // the granting domain
    abi::GrantRef ref = 0;
    uint64_t pte_maddr = 0; // host_map: machine address of the L1 entry written
    uint32_t next_free = 0; // free list
};

// The fixed storage of one table, provided by its owner.
struct GrantTableStorage {
    uint64_t* frames = nullptr; // max_frames mfns
    uint32_t max_frames = 0;
    ActiveGrant* active = nullptr; // max_frames * k_grant_entries_v1_per_page
    MaptrackEntry* maptrack = nullptr;
    uint32_t maptrack_entries = 0;
};

template <uint32_t Frames, uint32_t Handles> struct GrantTableArrays {
    static_assert(Frames > 0 && Handles > 0);
    uint64_t frames[Frames] = {};
    ActiveGrant active[Frames * abi::k_grant_entries_v1_per_page] = {};
    MaptrackEntry maptrack[Handles] = {};

    GrantTableStorage storage() { return {frames, Frames, active, maptrack, Handles}; }
};
// What the composition root gives each domain.
using DomainGrantArrays = GrantTableArrays<k_max_grant_frames, k_max_maptrack_entries>;

class GrantTable {
public:
    // `domain` must outlive the table until idle() (a dying domain's table
    // stays reachable through GrantHooks::table_of while others map its
    // grants, as Xen keeps a zombie domain).
    GrantTable(Domain& domain, const GrantTableStorage& storage);
    GrantTable(const GrantTable&) = delete;
    GrantTable& operator=(const GrantTable&) = delete;

    Domain& domain() { return domain_; }
    uint32_t nr_frames() const { return nr_frames_; }
    uint32_t max_frames() const { return storage_.max_frames; }
    uint32_t nr_entries() const { return nr_frames_ * abi::k_grant_entries_v1_per_page; }
    uint64_t frame(uint32_t i) const { return i < nr_frames_ ? storage_.frames[i] : 0; }
    uint32_t maptrack_size() const { return storage_.maptrack_entries; }

    bool dying() const { return dying_; }
    // Grants of this table pinned by anyone, and mappings this domain holds.
    uint32_t pinned_grants() const { return pinned_; }
    uint32_t mappings_held() const { return mappings_; }
    // released, nothing pinned, nothing held, frames given back: the storage
    // and the Domain may go.
    bool idle() const { return dying_ && frames_released_ && pinned_ == 0 && mappings_ == 0; }

    // For tests and diagnostics.
    const ActiveGrant* active(abi::GrantRef ref) const {
        return ref < nr_entries() ? &storage_.active[ref] : nullptr;
    }
    const MaptrackEntry* mapping(abi::GrantHandle handle) const {
        return handle < storage_.maptrack_entries && storage_.maptrack[handle].flags != 0
                   ? &storage_.maptrack[handle]
                   : nullptr;
    }

private:
    friend class GrantTables;

    ActiveGrant& act(abi::GrantRef ref) { return storage_.active[ref]; }
    bool alloc_handle(uint32_t& handle);
    void free_handle(uint32_t handle);

    Domain& domain_;
    GrantTableStorage storage_;
    uint32_t nr_frames_ = 0;
    uint32_t pinned_ = 0;   // active entries with pins
    uint32_t mappings_ = 0; // maptrack entries in use
    uint32_t free_head_ = 0;
    bool dying_ = false;
    bool frames_released_ = false;
};

// What the grant tables need from the rest of the hypervisor.
class GrantHooks {
public:
    // The hypervisor's view (direct map) of a machine frame inside the
    // FrameTable: 4096 bytes it may read and write, atomically where the
    // grant code says so (the guest writes the same bytes concurrently).
    virtual uint8_t* frame_bytes(uint64_t mfn) = 0;
    // The grant table of domain `id`, or null. Must keep answering for a
    // dying domain until its table is idle().
    virtual GrantTable* table_of(DomainId id) = 0;

protected:
    ~GrantHooks() = default;
};

class GrantTables {
public:
    GrantTables(PvMmu& mmu, GrantHooks& hooks) : mmu_(mmu), hooks_(hooks) {}
    GrantTables(const GrantTables&) = delete;
    GrantTables& operator=(const GrantTables&) = delete;

    PvMmu& mmu() { return mmu_; }
    GrantHooks& hooks() { return hooks_; }

    // Grow `table` to at least nr_frames frames (never shrinks). Each new
    // frame is allocated for the table's domain through the PV MMU (so it
    // counts in tot_pages), zeroed, and typed writable for its whole life.
    // general_error: above max_frames, no frame, or the table is dying.
    abi::GrantStatus grow(GrantTable& table, uint32_t nr_frames);

    // GNTTABOP_map_grant_ref for `caller`'s domain (host_addr is a virtual
    // address of the caller's current tables, or with contains_pte the
    // machine address of one of its L1 entries). Fills status, handle and
    // dev_bus_addr.
    void map(Vcpu& caller, abi::GnttabMapGrantRef& op);
    // GNTTABOP_unmap_grant_ref: fills status.
    void unmap(Vcpu& caller, abi::GnttabUnmapGrantRef& op);
    // GNTTABOP_copy: the op's status.
    abi::GrantStatus copy(Domain& caller, const abi::GnttabCopy& op);

    // A domain is being destroyed (call before or after PvMmu::relinquish):
    //   * every mapping it holds is undone: its host-mapping L1 entries that
    //     still stand are cleared, all references they and its device
    //     mappings hold are dropped, the granters' pins and status bits
    //     released;
    //   * its own grants: new maps and copies are refused from now on;
    //     mappings others hold stay valid until they unmap them (the frames
    //     stay referenced until then, as in Xen). Its table frames are given
    //     back once no grant of it is pinned (now, or at that last unmap).
    // Afterwards table.idle() tells when the storage may be reused.
    void release_domain(Domain& domain);

private:
    struct CopyBuffer;

    abi::GrantStatus set_status(GrantTable& t, abi::GrantRef ref, bool readonly, DomainId mapper,
                                bool mapflag);
    void clear_status(GrantTable& t, abi::GrantRef ref, uint16_t bits);
    void unpin(GrantTable& t, abi::GrantRef ref, bool host, bool readonly);
    abi::GrantStatus claim(Domain& caller, const abi::GnttabCopyPtr& ptr, bool by_ref, bool readonly,
                           CopyBuffer& buf);
    void release(CopyBuffer& buf);
    void release_mapping(GrantTable& mapper, uint32_t handle);
    void finish_release_if_idle(GrantTable& t);

    PvMmu& mmu_;
    GrantHooks& hooks_;
    SpinLock lock_;
};

} // namespace pv
