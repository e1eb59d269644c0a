// The narrow interfaces through which the PV MMU reaches the machine. The
// hypervisor implements them over its direct map, its TLB-flush IPIs and its
// frame allocator; the unit tests over host arrays and recorders.
#pragma once

#include "core/domain/domain.hpp"
#include "core/domain/vcpu.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv {

// The 512 eight-byte entries of a machine frame. Only frames inside the
// FrameTable are ever named. Entries of live page tables change under the
// hardware's feet (Accessed/Dirty), so updates that must not lose those go
// through compare_exchange (a LOCK CMPXCHG on the real entry).
class FrameMemory {
public:
    virtual uint64_t read(uint64_t mfn, unsigned index) = 0;
    virtual void write(uint64_t mfn, unsigned index, uint64_t value) = 0;
    // If the entry equals `expected`, store `desired` and return true;
    // otherwise load the entry into `expected` and return false.
    virtual bool compare_exchange(uint64_t mfn, unsigned index, uint64_t& expected,
                                  uint64_t desired) = 0;
    virtual void copy_frame(uint64_t dst_mfn, uint64_t src_mfn) = 0;
    virtual void clear_frame(uint64_t mfn) = 0;

protected:
    ~FrameMemory() = default;
};

// A set of a domain's vCPUs by id (bit n = vCPU n; Domain::k_max_vcpus <= 64).
using VcpuMask = uint64_t;

// What the PV MMU asks of the arch code. Every hook may be called with the
// MMU lock held (see PvMmu): a hook must not re-enter the MMU, and a CPU that
// waits for the MMU lock must still answer TLB-flush IPIs (take the lock
// with interrupts enabled, as Xen's spin_lock does).
class MmuHooks {
public:
    // TLB maintenance for the guest's own mappings (mmuext flush/invlpg ops,
    // update_va_mapping's UVMF_* flags). `one_va`: invalidate that address
    // only (INVLPG); otherwise flush the whole non-global TLB.
    // flush_local: the calling vCPU's CPU, now.
    virtual void flush_local(Vcpu& vcpu, bool one_va, uint64_t va) = 0;
    // flush_vcpus: every CPU that may hold translations of those vCPUs of the
    // domain (Xen's dirty cpumask), including the caller's if it is in the set.
    virtual void flush_vcpus(Domain& domain, VcpuMask vcpus, bool one_va, uint64_t va) = 0;

    // No CPU may still hold a translation of `mfn` once this returns (a
    // global flush is fine; Xen filters with tlbflush timestamps). Called
    // when a frame whose last writable mapping went away becomes a page table
    // or descriptor page (a stale writable TLB entry would bypass validation),
    // and before a released frame goes back to the allocator (a stale entry
    // would reach the frame's next owner).
    virtual void flush_stale_mappings(uint64_t mfn) = 0;

    // vcpu.pv.kernel_cr3 or user_cr3 changed (new_baseptr / new_user_baseptr):
    // if the vCPU runs on that base now, load CR3 (which also flushes its
    // non-global TLB entries). Xen's write_ptbase.
    virtual void baseptr_changed(Vcpu& vcpu) = 0;

    // MMUEXT_SET_LDT, arguments checked (base page aligned, a guest address,
    // entries <= 8192; base 0 when entries is 0): record and load the LDT.
    virtual void set_ldt(Vcpu& vcpu, uint64_t base, uint32_t entries) = 0;

    // MMUEXT_FLUSH_CACHE(_GLOBAL) for a domain allowed to: WBINVD here
    // (global: on every CPU).
    virtual void flush_cache(bool global) = 0;

protected:
    ~MmuHooks() = default;
};

// Frames for memory_op's reservation calls, with the domain's accounting
// (Xen's alloc_domheap_page + assign_pages / free_domheap_page). The
// hypervisor implements it over its FrameAllocator and domain registry.
//   alloc: ENOMEM if domain.tot_pages >= domain.max_pages or no frame is free;
//          else a zeroed frame owned by the domain, tot_pages incremented.
//   free:  a frame without type or references goes back to the allocator and
//          its owner's tot_pages is decremented (the owner is the frame's
//          FrameInfo::owner: this may run after the domain let go of it).
class DomainFrames {
public:
    virtual Result<uint64_t> alloc(Domain& domain) = 0;
    // A hypervisor page shared with the domain (grant-table frames, as
    // Xen's xenheap pages): owned by it, mappable by it, but not part of
    // its reservation (tot_pages / max_pages untouched).
    virtual Result<uint64_t> alloc_shared(Domain& domain) { return alloc(domain); }
    virtual void free(uint64_t mfn) = 0;

protected:
    ~DomainFrames() = default;
};

} // namespace pv
