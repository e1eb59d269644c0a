#include "core/grant/grant_table.hpp"

#include "core/grant/pv_host_mapping.hpp"
#include "core/pv_mm/pv_mmu.hpp"

namespace pv {

using abi::GrantRef;
using abi::GrantStatus;

namespace {

constexpr uint32_t k_per_page = abi::k_grant_entries_v1_per_page;
constexpr uint32_t k_no_handle = ~uint32_t{0};

// How often a compare-and-swap on a shared entry is retried before the
// guest is deemed to be changing it on purpose (Xen's 5 tries).
constexpr int k_status_retries = 5;

// Every vCPU of a domain, for TLB flushes after a mapping goes away.
VcpuMask all_vcpus(const Domain& d) {
    return d.vcpu_count >= 64 ? ~VcpuMask{0} : (VcpuMask{1} << d.vcpu_count) - 1;
}

void copy_bytes(uint8_t* dst, const uint8_t* src, uint32_t n) {
    if (dst < src) {
        for (uint32_t i = 0; i < n; ++i) dst[i] = src[i];
    } else {
        for (uint32_t i = n; i-- > 0;) dst[i] = src[i];
    }
}

} // namespace

// --- GrantTable --------------------------------------------------------------

GrantTable::GrantTable(Domain& domain, const GrantTableStorage& storage)
    : domain_(domain), storage_(storage) {
    for (uint32_t i = 0; i < storage_.max_frames; ++i)
        storage_.frames[i] = 0;
    for (uint32_t i = 0; i < storage_.max_frames * k_per_page; ++i)
        storage_.active[i] = ActiveGrant{};
    for (uint32_t h = 0; h < storage_.maptrack_entries; ++h) {
        storage_.maptrack[h] = MaptrackEntry{};
        storage_.maptrack[h].next_free = h + 1 < storage_.maptrack_entries ? h + 1 : k_no_handle;
    }
    free_head_ = storage_.maptrack_entries != 0 ? 0 : k_no_handle;
}

bool GrantTable::alloc_handle(uint32_t& handle) {
    if (free_head_ == k_no_handle) return false;
    handle = free_head_;
    free_head_ = storage_.maptrack[handle].next_free;
    storage_.maptrack[handle].next_free = k_no_handle;
    ++mappings_;
    return true;
}

void GrantTable::free_handle(uint32_t handle) {
    MaptrackEntry& m = storage_.maptrack[handle];
    m = MaptrackEntry{};
    m.next_free = free_head_;
    free_head_ = handle;
    --mappings_;
}

// --- Shared entries ------------------------------------------------------------
//
// The first 32-bit word of a GrantEntryV1 holds flags (low half) and domid
// (high half); Xen compares and swaps both at once so that the granter cannot
// retarget a grant between the check and the pin. The guest writes these
// bytes concurrently: they are only touched through __atomic builtins.

namespace {

uint32_t* header_word(GrantHooks& hooks, const GrantTable& t, GrantRef ref) {
    uint8_t* page = hooks.frame_bytes(t.frame(ref / k_per_page));
    return reinterpret_cast<uint32_t*>(page + (ref % k_per_page) * sizeof(abi::GrantEntryV1));
}

uint32_t shared_frame(GrantHooks& hooks, const GrantTable& t, GrantRef ref) {
    return __atomic_load_n(header_word(hooks, t, ref) + 1, __ATOMIC_ACQUIRE);
}

} // namespace

// Xen's _set_status_v1.
GrantStatus GrantTables::set_status(GrantTable& t, GrantRef ref, bool readonly, DomainId mapper,
                                    bool mapflag) {
    (void)mapflag; // GTF_sub_page exists in version 2 only
    uint32_t* word = header_word(hooks_, t, ref);
    const bool pinned = t.act(ref).pinned();
    uint32_t seen = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    for (int attempt = 0;; ++attempt) {
        const auto flags = static_cast<uint16_t>(seen);
        const auto domid = static_cast<DomainId>(seen >> 16);
        // Not pinned yet: the grant must permit access to exactly this domain.
        if (!pinned && ((flags & abi::k_gtf_type_mask) != abi::k_gtf_permit_access || domid != mapper))
            return GrantStatus::general_error;
        uint32_t desired = seen | abi::k_gtf_reading;
        if (!readonly) {
            if ((flags & abi::k_gtf_readonly) != 0) return GrantStatus::general_error;
            desired |= abi::k_gtf_writing;
        }
        if (__atomic_compare_exchange_n(word, &seen, desired, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return GrantStatus::okay;
        if (attempt + 1 == k_status_retries) return GrantStatus::general_error; // unstable entry
    }
}

void GrantTables::clear_status(GrantTable& t, GrantRef ref, uint16_t bits) {
    if (bits == 0 || ref >= t.nr_entries()) return;
    __atomic_fetch_and(header_word(hooks_, t, ref), ~uint32_t{bits}, __ATOMIC_ACQ_REL);
}

// Drop one pin and the status bits it alone kept set (Xen's
// unmap_common_complete / release_grant_for_copy).
void GrantTables::unpin(GrantTable& t, GrantRef ref, bool host, bool readonly) {
    ActiveGrant& act = t.act(ref);
    uint16_t& count = host ? (readonly ? act.host_ro : act.host_rw) : (readonly ? act.dev_ro : act.dev_rw);
    if (count == 0) return; // a hypervisor bug; never underflow
    --count;
    uint16_t clear = 0;
    if (!readonly && !act.write_pinned()) clear |= abi::k_gtf_writing;
    if (!act.pinned()) {
        clear |= abi::k_gtf_reading;
        --t.pinned_;
    }
    clear_status(t, ref, clear);
}

// --- setup_table -----------------------------------------------------------------

GrantStatus GrantTables::grow(GrantTable& t, uint32_t nr_frames) {
    LockGuard guard(lock_);
    if (nr_frames > t.max_frames() || t.dying()) return GrantStatus::general_error;
    while (t.nr_frames_ < nr_frames) {
        // Shared hypervisor pages, as Xen's: they do not count against the
        // domain's memory limit.
        Result<uint64_t> mfn = mmu_.allocate_shared_frame(t.domain());
        if (!mfn) return GrantStatus::general_error;
        Status typed;
        {
            // The domain may map it (it owns it) but never retype it.
            LockGuard mmu_guard(mmu_.lock());
            typed = mmu_.types().get_page_and_type(*mfn, FrameType::writable, t.domain());
        }
        if (!typed) { // cannot happen for a fresh frame; give it back all the same
            (void)mmu_.release_frame(t.domain(), *mfn);
            return GrantStatus::general_error;
        }
        t.storage_.frames[t.nr_frames_++] = *mfn;
    }
    return GrantStatus::okay;
}

// --- map_grant_ref ---------------------------------------------------------------

void GrantTables::map(Vcpu& caller, abi::GnttabMapGrantRef& op) {
    const uint32_t flags = op.flags;
    const bool readonly = (flags & abi::k_gntmap_readonly) != 0;
    const bool host = (flags & abi::k_gntmap_host_map) != 0;
    const bool device = (flags & abi::k_gntmap_device_map) != 0;
    op.handle = 0;
    if (!host && !device) {
        op.status = static_cast<int16_t>(GrantStatus::bad_gntref); // as Xen
        return;
    }

    LockGuard guard(lock_);
    Domain& ld = caller.domain();
    GrantTable* lgt = hooks_.table_of(ld.id());
    GrantTable* rgt = hooks_.table_of(op.dom);
    auto fail = [&op](GrantStatus s) { op.status = static_cast<int16_t>(s); };
    if (lgt == nullptr || lgt->dying()) return fail(GrantStatus::general_error);
    if (rgt == nullptr || rgt->dying()) return fail(GrantStatus::bad_domain);

    uint32_t handle = 0;
    if (!lgt->alloc_handle(handle)) return fail(GrantStatus::no_device_space);
    const GrantRef ref = op.ref;
    if (ref >= rgt->nr_entries()) {
        lgt->free_handle(handle);
        return fail(GrantStatus::bad_gntref);
    }

    ActiveGrant& act = rgt->act(ref);
    const uint16_t* counter = host ? (readonly ? &act.host_ro : &act.host_rw)
                                   : (readonly ? &act.dev_ro : &act.dev_rw);
    const uint16_t* dev_counter = readonly ? &act.dev_ro : &act.dev_rw;
    if (act.pinned() && (act.mapper != ld.id() || *counter >= ActiveGrant::k_max_pins ||
                         (host && device && *dev_counter >= ActiveGrant::k_max_pins))) {
        lgt->free_handle(handle);
        return fail(GrantStatus::general_error);
    }

    const bool was_pinned = act.pinned();
    if (!was_pinned || (!readonly && !act.write_pinned())) {
        const GrantStatus s = set_status(*rgt, ref, readonly, ld.id(), true);
        if (s != GrantStatus::okay) {
            lgt->free_handle(handle);
            return fail(s);
        }
        if (!was_pinned) {
            // PV: the entry's frame is a machine frame of the granter.
            const uint64_t mfn = shared_frame(hooks_, *rgt, ref);
            const FrameInfo* info = mmu_.types().table().lookup(mfn);
            if (info == nullptr || info->owner != rgt->domain().id() ||
                (info->flags & k_frame_allocated) == 0 || (info->flags & k_frame_released) != 0) {
                clear_status(*rgt, ref, readonly ? abi::k_gtf_reading : abi::k_gtf_reading | abi::k_gtf_writing);
                lgt->free_handle(handle);
                return fail(GrantStatus::bad_page);
            }
            act.mfn = mfn;
            act.mapper = ld.id();
            ++rgt->pinned_;
        }
    }
    if (device) ++(readonly ? act.dev_ro : act.dev_rw);
    if (host) ++(readonly ? act.host_ro : act.host_rw);
    const uint64_t mfn = act.mfn;

    // References: one general (+ writable type) per kind of mapping.
    GrantStatus status = GrantStatus::okay;
    unsigned refs = 0, types = 0;
    uint64_t pte_maddr = 0;
    {
        LockGuard mmu_guard(mmu_.lock());
        PageTypes& pt = mmu_.types();
        const Domain& rd = rgt->domain();
        for (unsigned kind = 0; kind < (host ? 1u : 0u) + (device ? 1u : 0u); ++kind) {
            if (!pt.get_page(mfn, rd)) {
                status = GrantStatus::general_error; // Xen's could_not_pin
                break;
            }
            ++refs;
            if (!readonly) {
                if (!pt.get_page_type(mfn, FrameType::writable, rd)) {
                    status = GrantStatus::general_error;
                    break;
                }
                ++types;
            }
        }
        if (status == GrantStatus::okay && host)
            status = grant::install_grant_pte(mmu_, caller, op.host_addr, flags, mfn, pte_maddr);
        if (status != GrantStatus::okay) {
            while (types-- > 0) pt.put_page_type(mfn);
            while (refs-- > 0) pt.put_page(mfn);
        }
    }
    if (status != GrantStatus::okay) {
        if (device) unpin(*rgt, ref, false, readonly);
        if (host) unpin(*rgt, ref, true, readonly);
        lgt->free_handle(handle);
        return fail(status);
    }

    MaptrackEntry& m = lgt->storage_.maptrack[handle];
    m.dom = op.dom;
    m.ref = ref;
    m.pte_maddr = pte_maddr;
    m.flags = flags;
    op.handle = handle;
    op.dev_bus_addr = mfn << k_page_shift;
    op.status = static_cast<int16_t>(GrantStatus::okay);
}

// --- unmap_grant_ref -------------------------------------------------------------

void GrantTables::unmap(Vcpu& caller, abi::GnttabUnmapGrantRef& op) {
    LockGuard guard(lock_);
    auto done = [&op](GrantStatus s) { op.status = static_cast<int16_t>(s); };
    Domain& ld = caller.domain();
    GrantTable* lgt = hooks_.table_of(ld.id());
    if (lgt == nullptr || op.handle >= lgt->maptrack_size()) return done(GrantStatus::bad_handle);
    MaptrackEntry& m = lgt->storage_.maptrack[op.handle];
    if (m.flags == 0) return done(GrantStatus::bad_handle);
    GrantTable* rgt = hooks_.table_of(m.dom);
    if (rgt == nullptr || m.ref >= rgt->nr_entries()) return done(GrantStatus::bad_handle);

    const GrantRef ref = m.ref;
    const bool readonly = (m.flags & abi::k_gntmap_readonly) != 0;
    const uint64_t mfn = rgt->act(ref).mfn;
    if (op.dev_bus_addr != 0 && op.dev_bus_addr != (mfn << k_page_shift))
        return done(GrantStatus::general_error);

    bool host_done = false, device_done = false;
    {
        LockGuard mmu_guard(mmu_.lock());
        PageTypes& pt = mmu_.types();
        if (op.host_addr != 0 && (m.flags & abi::k_gntmap_host_map) != 0) {
            const GrantStatus s = grant::remove_grant_pte(mmu_, caller, op.host_addr, m.flags, mfn);
            if (s != GrantStatus::okay) return done(s);
            // The entry is gone: no CPU may keep using it before its
            // references go (Xen's gnttab_flush_tlb).
            pt.hooks().flush_vcpus(ld, all_vcpus(ld), false, 0);
            if (!readonly) pt.put_page_type(mfn);
            pt.put_page(mfn);
            m.flags &= ~abi::k_gntmap_host_map;
            host_done = true;
        }
        if (op.dev_bus_addr != 0 && (m.flags & abi::k_gntmap_device_map) != 0) {
            if (!readonly) pt.put_page_type(mfn);
            pt.put_page(mfn);
            m.flags &= ~abi::k_gntmap_device_map;
            device_done = true;
        }
    }
    if (device_done) unpin(*rgt, ref, false, readonly);
    if (host_done) unpin(*rgt, ref, true, readonly);
    if ((m.flags & (abi::k_gntmap_host_map | abi::k_gntmap_device_map)) == 0) lgt->free_handle(op.handle);
    if (rgt->dying()) finish_release_if_idle(*rgt);
    done(GrantStatus::okay);
}

// --- copy ------------------------------------------------------------------------

struct GrantTables::CopyBuffer {
    GrantTable* table = nullptr; // by reference: the granter's table
    GrantRef ref = 0;
    uint64_t mfn = 0;
    bool readonly = true;
    bool have_page = false, have_type = false, have_pin = false;
};

// Xen's gnttab_copy_claim_buf / acquire_grant_for_copy.
GrantStatus GrantTables::claim(Domain& caller, const abi::GnttabCopyPtr& ptr, bool by_ref, bool readonly,
                               CopyBuffer& buf) {
    buf.readonly = readonly;
    const Domain* owner = &caller;
    if (by_ref) {
        GrantTable* rgt = hooks_.table_of(ptr.domid == abi::k_domid_self ? caller.id() : ptr.domid);
        if (rgt == nullptr || rgt->dying()) return GrantStatus::bad_domain;
        const GrantRef ref = ptr.u.ref;
        if (ref >= rgt->nr_entries()) return GrantStatus::bad_gntref;
        ActiveGrant& act = rgt->act(ref);
        uint16_t& counter = readonly ? act.host_ro : act.host_rw;
        if (act.pinned() && (act.mapper != caller.id() || counter >= ActiveGrant::k_max_pins))
            return GrantStatus::general_error;
        const bool was_pinned = act.pinned();
        if (!was_pinned || (!readonly && !act.write_pinned())) {
            const GrantStatus s = set_status(*rgt, ref, readonly, caller.id(), false);
            if (s != GrantStatus::okay) return s;
        }
        uint64_t mfn = act.mfn;
        if (!was_pinned) {
            mfn = shared_frame(hooks_, *rgt, ref);
            act.mapper = caller.id();
            act.mfn = mfn;
            ++rgt->pinned_;
        }
        ++counter;
        buf.table = rgt;
        buf.ref = ref;
        buf.have_pin = true;
        buf.mfn = mfn;
        owner = &rgt->domain();
    } else {
        // Only the caller's own frames may be named directly.
        if (ptr.domid != abi::k_domid_self) return GrantStatus::permission_denied;
        buf.mfn = ptr.u.gmfn;
    }

    LockGuard mmu_guard(mmu_.lock());
    PageTypes& pt = mmu_.types();
    if (!pt.get_page(buf.mfn, *owner)) return GrantStatus::bad_page; // Xen's get_paged_frame
    buf.have_page = true;
    if (!readonly) {
        if (!pt.get_page_type(buf.mfn, FrameType::writable, *owner)) return GrantStatus::general_error;
        buf.have_type = true;
    }
    return GrantStatus::okay;
}

void GrantTables::release(CopyBuffer& buf) {
    {
        LockGuard mmu_guard(mmu_.lock());
        if (buf.have_type) mmu_.types().put_page_type(buf.mfn);
        if (buf.have_page) mmu_.types().put_page(buf.mfn);
    }
    if (buf.have_pin) unpin(*buf.table, buf.ref, true, buf.readonly);
    buf = CopyBuffer{};
}

GrantStatus GrantTables::copy(Domain& caller, const abi::GnttabCopy& op) {
    LockGuard guard(lock_);
    const bool src_ref = (op.flags & abi::k_gntcopy_source_gref) != 0;
    const bool dst_ref = (op.flags & abi::k_gntcopy_dest_gref) != 0;
    // Xen's gnttab_copy_lock_domain, for both sides before anything else.
    for (const auto* p : {&op.source, &op.dest}) {
        const bool by_ref = p == &op.source ? src_ref : dst_ref;
        if (p->domid != abi::k_domid_self && !by_ref) return GrantStatus::permission_denied;
        if (hooks_.table_of(p->domid == abi::k_domid_self ? caller.id() : p->domid) == nullptr)
            return GrantStatus::bad_domain;
    }

    CopyBuffer src, dst;
    GrantStatus s = claim(caller, op.source, src_ref, true, src);
    if (s == GrantStatus::okay) s = claim(caller, op.dest, dst_ref, false, dst);
    if (s == GrantStatus::okay) {
        // Neither side may leave its page (v1 grants are whole pages).
        if (uint32_t{op.source.offset} + op.len > k_page_size || uint32_t{op.dest.offset} + op.len > k_page_size) {
            s = GrantStatus::bad_copy_arg;
        } else {
            const uint8_t* from = hooks_.frame_bytes(src.mfn) + op.source.offset;
            uint8_t* to = hooks_.frame_bytes(dst.mfn) + op.dest.offset;
            copy_bytes(to, from, op.len);
        }
    }
    release(dst);
    release(src);
    return s;
}

// --- Domain destruction ----------------------------------------------------------

// Undo one mapping `mapper` holds, whatever state its parts are in.
void GrantTables::release_mapping(GrantTable& mapper, uint32_t handle) {
    MaptrackEntry& m = mapper.storage_.maptrack[handle];
    GrantTable* rgt = hooks_.table_of(m.dom);
    if (rgt != nullptr && m.ref < rgt->nr_entries()) {
        const bool readonly = (m.flags & abi::k_gntmap_readonly) != 0;
        const uint64_t mfn = rgt->act(m.ref).mfn;
        {
            LockGuard mmu_guard(mmu_.lock());
            PageTypes& pt = mmu_.types();
            Domain& md = mapper.domain();
            // A host mapping's references belong to its L1 entry: drop them
            // only if the entry still stands (else the PV MMU already did).
            if ((m.flags & abi::k_gntmap_host_map) != 0 && grant::zap_grant_pte(mmu_, md, m.pte_maddr, m.flags, mfn)) {
                pt.hooks().flush_vcpus(md, all_vcpus(md), false, 0);
                if (!readonly) pt.put_page_type(mfn);
                pt.put_page(mfn);
            }
            if ((m.flags & abi::k_gntmap_device_map) != 0) {
                if (!readonly) pt.put_page_type(mfn);
                pt.put_page(mfn);
            }
        }
        if ((m.flags & abi::k_gntmap_device_map) != 0) unpin(*rgt, m.ref, false, readonly);
        if ((m.flags & abi::k_gntmap_host_map) != 0) unpin(*rgt, m.ref, true, readonly);
    }
    mapper.free_handle(handle);
    if (rgt != nullptr && rgt != &mapper && rgt->dying()) finish_release_if_idle(*rgt);
}

void GrantTables::finish_release_if_idle(GrantTable& t) {
    if (!t.dying_ || t.frames_released_ || t.pinned_ != 0) return;
    LockGuard mmu_guard(mmu_.lock());
    PageTypes& pt = mmu_.types();
    for (uint32_t i = 0; i < t.nr_frames_; ++i) {
        const uint64_t mfn = t.storage_.frames[i];
        // As PvMmu::release_frame: nobody may take a new reference; the frame
        // goes back when the last one (ours, or the domain's own mapping of
        // it) is dropped.
        FrameInfo* info = pt.table().lookup(mfn);
        if (info == nullptr) continue;
        info->flags |= k_frame_released;
        mmu_.set_m2p(mfn, k_invalid_m2p_entry);
        pt.put_page_and_type(mfn);
        t.storage_.frames[i] = 0;
    }
    t.nr_frames_ = 0;
    t.frames_released_ = true;
}

void GrantTables::release_domain(Domain& domain) {
    LockGuard guard(lock_);
    GrantTable* t = hooks_.table_of(domain.id());
    if (t == nullptr) return;
    t->dying_ = true;
    for (uint32_t h = 0; h < t->maptrack_size(); ++h)
        if (t->storage_.maptrack[h].flags != 0) release_mapping(*t, h);
    finish_release_if_idle(*t);
}

} // namespace pv
