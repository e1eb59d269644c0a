#include "core/pv_mm/pv_mmu.hpp"

namespace pv {

namespace {

constexpr uint64_t k_ad_bits = pte::accessed | pte::dirty;

bool m2p_strict(const Domain& d) {
    return ((d.vm_assist >> abi::raw(abi::VmAssistType::m2p_strict)) & 1) != 0;
}

// Xen's __addr_ok() on x86-64: below the canonical hole, or past the
// hypervisor's reserved range.
constexpr bool guest_address(uint64_t va) {
    return va < (uint64_t{1} << 47) || va >= abi::k_hypervisor_virt_end;
}

} // namespace

PvMmu::PvMmu(const PvMmuConfig& c)
    : table_(*c.table), memory_(*c.memory), hooks_(*c.hooks), frames_(c.frames),
      types_(*c.table, *c.memory, *c.hooks, c.hypervisor_l4, c.frames), m2p_(c.m2p),
      m2p_entries_(c.m2p ? c.m2p_entries : 0) {}

// --- M2P -----------------------------------------------------------------

void PvMmu::set_m2p(uint64_t mfn, uint64_t pfn) {
    // Guests read the table concurrently through their read-only mapping.
    if (mfn < m2p_entries_) __atomic_store_n(&m2p_[mfn], pfn, __ATOMIC_RELAXED);
}

uint64_t PvMmu::m2p(uint64_t mfn) const {
    return mfn < m2p_entries_ ? __atomic_load_n(&m2p_[mfn], __ATOMIC_RELAXED) : k_invalid_m2p_entry;
}

// --- Pinning and base pointers ---------------------------------------------

Status PvMmu::pin(Domain& domain, uint64_t mfn, FrameType type) {
    LockGuard guard(lock_);
    return types_.pin(mfn, type, domain);
}

Status PvMmu::unpin(Domain& domain, uint64_t mfn) {
    LockGuard guard(lock_);
    return types_.unpin(mfn, domain);
}

namespace {

// Xen's new_guest_cr3 for a 64-bit PV vCPU, lock held. The new base is
// loaded before the old one's references go: the CPU must never run on a
// table that has been devalidated.
Status install_kernel_base(PageTypes& types, MmuHooks& hooks, Vcpu& vcpu, uint64_t mfn) {
    Domain& d = vcpu.domain();
    const uint64_t old = vcpu.pv.kernel_cr3 >> k_page_shift;
    if (vcpu.pv.kernel_cr3 != 0 && old == mfn) {
        hooks.baseptr_changed(vcpu); // a reload, as Xen's write_ptbase
        return Status::ok();
    }
    TRY(types.get_page_and_type(mfn, FrameType::l4, d));
    if (m2p_strict(d)) types.set_ro_m2p_slot(mfn, true);
    const bool had_old = vcpu.pv.kernel_cr3 != 0;
    vcpu.pv.kernel_cr3 = mfn << k_page_shift;
    hooks.baseptr_changed(vcpu);
    if (had_old) types.put_page_and_type(old);
    return Status::ok();
}

} // namespace

Status PvMmu::new_baseptr(Vcpu& vcpu, uint64_t mfn) {
    LockGuard guard(lock_);
    return install_kernel_base(types_, hooks_, vcpu, mfn);
}

Status PvMmu::new_user_baseptr(Vcpu& vcpu, uint64_t mfn) {
    LockGuard guard(lock_);
    Domain& d = vcpu.domain();
    const uint64_t old = vcpu.pv.user_cr3 >> k_page_shift;
    if (old == mfn) return Status::ok(); // including "none" twice
    if (mfn != 0) {
        TRY(types_.get_page_and_type(mfn, FrameType::l4, d));
        if (m2p_strict(d)) types_.set_ro_m2p_slot(mfn, false);
    }
    vcpu.pv.user_cr3 = mfn << k_page_shift;
    hooks_.baseptr_changed(vcpu);
    if (old != 0) types_.put_page_and_type(old);
    return Status::ok();
}

Status PvMmu::adopt_boot_page_tables(Vcpu& vcpu, uint64_t l4_mfn) {
    LockGuard guard(lock_);
    TRY(types_.pin(l4_mfn, FrameType::l4, vcpu.domain()));
    // The builder may already have set the base pointer, but it holds no
    // reference yet: take one of its own besides the pin's (Xen's
    // dom0_construct_pv leaves the top-level table at type count 2, pinned),
    // or the guest's unpinning it would devalidate the tables it runs on.
    const uint64_t builder_base = vcpu.pv.kernel_cr3;
    vcpu.pv.kernel_cr3 = 0;
    Status s = install_kernel_base(types_, hooks_, vcpu, l4_mfn);
    if (!s) {
        (void)types_.unpin(l4_mfn, vcpu.domain());
        vcpu.pv.kernel_cr3 = builder_base;
    }
    return s;
}

void PvMmu::relinquish(Domain& domain) {
    LockGuard guard(lock_);
    for (uint32_t i = 0; i < domain.vcpu_count; ++i) {
        Vcpu* v = domain.vcpu(i);
        if (v == nullptr) continue;
        if (v->pv.user_cr3 != 0) types_.put_page_and_type(v->pv.user_cr3 >> k_page_shift);
        if (v->pv.kernel_cr3 != 0) types_.put_page_and_type(v->pv.kernel_cr3 >> k_page_shift);
        v->pv.user_cr3 = 0;
        v->pv.kernel_cr3 = 0;
    }
    for (uint64_t mfn = 0; mfn < table_.frame_count(); ++mfn) {
        FrameInfo* info = table_.lookup(mfn);
        if (info->owner != domain.id() || (info->flags & k_frame_pinned) == 0) continue;
        info->flags &= static_cast<uint8_t>(~k_frame_pinned);
        types_.put_page_and_type(mfn);
    }
}

// --- Page copies ---------------------------------------------------------------

Status PvMmu::copy_page(Domain& domain, uint64_t dst_mfn, uint64_t src_mfn) {
    LockGuard guard(lock_);
    if (!types_.get_page(src_mfn, domain)) return Errno::einval;
    if (!types_.get_page_and_type(dst_mfn, FrameType::writable, domain)) {
        types_.put_page(src_mfn);
        return Errno::einval;
    }
    memory_.copy_frame(dst_mfn, src_mfn);
    types_.put_page_and_type(dst_mfn);
    types_.put_page(src_mfn);
    return Status::ok();
}

Status PvMmu::clear_page(Domain& domain, uint64_t mfn) {
    LockGuard guard(lock_);
    if (!types_.get_page_and_type(mfn, FrameType::writable, domain)) return Errno::einval;
    memory_.clear_frame(mfn);
    types_.put_page_and_type(mfn);
    return Status::ok();
}

// --- mmu_update ------------------------------------------------------------------

Status PvMmu::normal_update(Domain& pt_owner, Domain& pg_owner, uint64_t entry_maddr, uint64_t value,
                            bool preserve_ad) {
    LockGuard guard(lock_);
    const uint64_t mfn = entry_maddr >> k_page_shift;
    const auto index = static_cast<unsigned>((entry_maddr & (k_page_size - 1)) >> 3);
    if (!types_.get_page(mfn, pt_owner)) return Errno::einval;

    Status s = Errno::einval;
    const FrameInfo& info = *table_.lookup(mfn);
    if (info.type_count != 0) {
        if (is_page_table_type(info.type)) {
            s = types_.mod_entry(mfn, index, value, pt_owner, pg_owner, preserve_ad);
        } else if (info.type == FrameType::writable) {
            memory_.write(mfn, index, value);
            s = Status::ok();
        } // a descriptor page in use: EINVAL, as in Xen
    } else if (types_.get_page_type(mfn, FrameType::writable, pt_owner)) {
        // Not in use as anything: a plain write (Xen's writable_mmu_updates).
        memory_.write(mfn, index, value);
        types_.put_page_type(mfn);
        s = Status::ok();
    }
    types_.put_page(mfn);
    return s;
}

Status PvMmu::machphys_update(Domain& pg_owner, uint64_t mfn, uint64_t pfn) {
    LockGuard guard(lock_);
    if (!types_.get_page(mfn, pg_owner)) return Errno::einval;
    set_m2p(mfn, pfn);
    types_.put_page(mfn);
    return Status::ok();
}

// --- update_va_mapping -----------------------------------------------------------

Status PvMmu::walk_to_l1(const Vcpu& vcpu, uint64_t va, uint64_t& l1_mfn) {
    const uint64_t base = vcpu.pv.kernel_mode ? vcpu.pv.kernel_cr3 : vcpu.pv.user_cr3;
    if (base == 0) return Errno::einval;
    uint64_t table = base >> k_page_shift;
    for (unsigned level = 4; level > 1; --level) {
        if (types_.effective_type(table) != table_type(level)) return Errno::einval;
        const uint64_t entry = memory_.read(table, pte::index_of(va, level));
        if (!pte::is_present(entry) || (entry & pte::pse) != 0) return Errno::einval;
        table = pte::mfn_of(entry);
    }
    if (types_.effective_type(table) != FrameType::l1) return Errno::einval;
    const FrameInfo* info = table_.lookup(table);
    if (info == nullptr || info->owner != vcpu.domain().id()) return Errno::einval;
    l1_mfn = table;
    return Status::ok();
}

Status PvMmu::update_va_mapping(Vcpu& vcpu, Domain& pg_owner, uint64_t va, uint64_t value) {
    if (!guest_address(va)) return Errno::einval;
    LockGuard guard(lock_);
    uint64_t l1 = 0;
    TRY(walk_to_l1(vcpu, va, l1));
    return types_.mod_entry(l1, pte::index_of(va, 1), value, vcpu.domain(), pg_owner, false);
}

// --- Writable page tables ------------------------------------------------------

bool PvMmu::is_emulable_pt(const Domain& domain, uint64_t mfn) {
    const FrameInfo* info = table_.lookup(mfn);
    return info != nullptr && info->owner == domain.id() && info->type == FrameType::l1 &&
           info->type_count != 0 && (info->flags & k_frame_validated) != 0;
}

PtWriteResult PvMmu::emulate_pt_write(Domain& domain, const PtWrite& w, uint64_t* current) {
    const unsigned b = w.bytes;
    if ((b != 1 && b != 2 && b != 4 && b != 8) || w.offset % b != 0 || w.offset + b > k_page_size)
        return PtWriteResult::refused;
    LockGuard guard(lock_);
    // Xen's ptwr path: only L1 tables are emulated; anything else faults.
    if (!is_emulable_pt(domain, w.mfn)) return PtWriteResult::refused;

    const unsigned index = w.offset / 8;
    const unsigned shift = (w.offset % 8) * 8;
    const uint64_t width_mask = b == 8 ? ~uint64_t{0} : ((uint64_t{1} << (b * 8)) - 1);
    const uint64_t mask = width_mask << shift;
    // A partial store becomes a whole-entry one: the rest from the entry now.
    const uint64_t full = memory_.read(w.mfn, index);
    const uint64_t value = (full & ~mask) | ((w.value << shift) & mask);
    const uint64_t expected = (full & ~mask) | ((w.expected << shift) & mask);

    uint64_t entry = value;
    if (pte::is_present(value)) {
        uint64_t flip = 0;
        if (!types_.get_l1e(value, domain, domain, &flip)) return PtWriteResult::refused;
        entry = pte::adjust_l1(value ^ flip);
    }

    uint64_t old = w.is_cmpxchg ? expected : full;
    if (w.is_cmpxchg) {
        if (!memory_.compare_exchange(w.mfn, index, old, entry)) {
            types_.put_l1e(entry);
            if (current) *current = (old >> shift) & width_mask;
            return PtWriteResult::compare_failed;
        }
    } else {
        // Only the hardware's A/D updates can race with us.
        for (int round = 0; !memory_.compare_exchange(w.mfn, index, old, entry); ++round) {
            if (round == 8 || ((old ^ full) & ~k_ad_bits) != 0) {
                types_.put_l1e(entry);
                return PtWriteResult::refused;
            }
        }
    }
    types_.put_l1e(old);
    if (current) *current = (old >> shift) & width_mask;
    return PtWriteResult::done;
}

Status PvMmu::emulate_pt_write(Domain& domain, uint64_t mfn, unsigned index, uint64_t new_value) {
    if (index >= pte::k_entries) return Errno::einval;
    PtWrite w;
    w.mfn = mfn;
    w.offset = index * 8;
    w.bytes = 8;
    w.value = new_value;
    return emulate_pt_write(domain, w) == PtWriteResult::done ? Status::ok() : Status(Errno::einval);
}

// --- memory_op -------------------------------------------------------------------

Result<uint64_t> PvMmu::allocate_frame(Domain& domain) {
    if (frames_ == nullptr) return Errno::enosys;
    LockGuard guard(lock_);
    const uint64_t mfn = TRY(frames_->alloc(domain));
    set_m2p(mfn, k_invalid_m2p_entry);
    return mfn;
}

Result<uint64_t> PvMmu::allocate_shared_frame(Domain& domain) {
    if (frames_ == nullptr) return Errno::enosys;
    LockGuard guard(lock_);
    const uint64_t mfn = TRY(frames_->alloc_shared(domain));
    set_m2p(mfn, k_invalid_m2p_entry);
    return mfn;
}

Result<uint64_t> PvMmu::populate_frame(Domain& domain, uint64_t pfn) {
    if (frames_ == nullptr) return Errno::enosys;
    LockGuard guard(lock_);
    const uint64_t mfn = TRY(frames_->alloc(domain));
    set_m2p(mfn, pfn);
    return mfn;
}

Status PvMmu::release_frame(Domain& domain, uint64_t mfn) {
    if (frames_ == nullptr) return Errno::enosys;
    LockGuard guard(lock_);
    return release_frame_locked(domain, mfn);
}

Status PvMmu::release_frame_locked(Domain& domain, uint64_t mfn) {
    if (!table_.contains(mfn)) return Errno::einval;
    if (!types_.get_page(mfn, domain)) return Errno::enxio;
    FrameInfo* info = table_.lookup(mfn);
    if ((info->flags & k_frame_pinned) != 0) {
        info->flags &= static_cast<uint8_t>(~k_frame_pinned);
        types_.put_page_and_type(mfn);
    }
    // From now on nobody can take a new reference; the frame goes back to
    // the allocator when the last existing one (a mapping, a base pointer)
    // is dropped: right now if there is none.
    info->flags |= k_frame_released;
    set_m2p(mfn, k_invalid_m2p_entry);
    types_.put_page(mfn);
    return Status::ok();
}

} // namespace pv
