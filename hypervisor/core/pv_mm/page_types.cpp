#include "core/pv_mm/page_types.hpp"

#include "core/pv_hypercalls/handlers.hpp"

namespace pv {

namespace {

constexpr uint64_t k_ad_bits = pte::accessed | pte::dirty;

bool needs_validation(FrameType t) {
    return is_page_table_type(t) || t == FrameType::segdesc;
}

bool m2p_strict(const Domain& d) {
    return ((d.vm_assist >> abi::raw(abi::VmAssistType::m2p_strict)) & 1) != 0;
}

} // namespace

bool PageTypes::is_io_frame(uint64_t mfn) const {
    const FrameInfo* info = table_.lookup(mfn);
    return info == nullptr || info->owner == k_owner_reserved;
}

bool PageTypes::get_page(uint64_t mfn, const Domain& owner) {
    FrameInfo* info = table_.lookup(mfn);
    if (info == nullptr || info->owner != owner.id()) return false;
    if ((info->flags & k_frame_allocated) == 0 || (info->flags & k_frame_released) != 0) return false;
    if (info->ref_count >= k_max_count) return false;
    ++info->ref_count;
    return true;
}

void PageTypes::put_page(uint64_t mfn) {
    FrameInfo* info = table_.lookup(mfn);
    if (info == nullptr || info->ref_count == 0) return; // a hypervisor bug; never underflow
    if (--info->ref_count == 0 && (info->flags & k_frame_released) != 0 && frames_ != nullptr &&
        info->type_count == 0) {
        // The guest may have dropped its last mapping without a flush.
        hooks_.flush_stale_mappings(mfn);
        frames_->free(mfn);
    }
}

Status PageTypes::get_page_type(uint64_t mfn, FrameType type, const Domain& owner) {
    FrameInfo* info = table_.lookup(mfn);
    if (info == nullptr || type == FrameType::none) return Errno::einval;

    if (info->type_count != 0) {
        if (info->type != type) return Errno::einval;
        if (info->type_count >= k_max_count) return Errno::einval;
        // A table still being validated (count 1, not yet validated) cannot
        // be reached again: levels strictly decrease. Refuse defensively.
        if (needs_validation(type) && (info->flags & k_frame_validated) == 0) return Errno::einval;
        ++info->type_count;
        return Status::ok();
    }

    // Nobody uses the frame as anything: its type may change.
    const FrameType previous = info->type;
    if (previous != type) {
        // Its last writable mapping may still sit in some TLB (Xen's
        // tlbflush_timestamp check in _get_page_type).
        if (previous == FrameType::writable) hooks_.flush_stale_mappings(mfn);
        info->type = type;
        info->flags &= static_cast<uint8_t>(~k_frame_validated);
    }
    info->type_count = 1;
    if (needs_validation(type) && (info->flags & k_frame_validated) == 0) {
        Status s = validate(mfn, type, owner);
        if (!s) {
            info->type_count = 0;
            info->type = previous;
            info->flags &= static_cast<uint8_t>(~k_frame_validated);
            return s;
        }
        info->flags |= k_frame_validated;
    }
    return Status::ok();
}

void PageTypes::put_page_type(uint64_t mfn) {
    FrameInfo* info = table_.lookup(mfn);
    if (info == nullptr || info->type_count == 0) return; // a hypervisor bug; never underflow
    if (info->type_count == 1 && needs_validation(info->type) &&
        (info->flags & k_frame_validated) != 0) {
        // Last use as a table: its entries' references go (Xen's free_page_type).
        // The count stays 1 meanwhile, so nothing can retype the frame.
        devalidate(mfn, info->type);
        info->flags &= static_cast<uint8_t>(~k_frame_validated);
    }
    --info->type_count;
}

Status PageTypes::get_page_and_type(uint64_t mfn, FrameType type, const Domain& owner) {
    if (!get_page(mfn, owner)) return Errno::einval;
    Status s = get_page_type(mfn, type, owner);
    if (!s) put_page(mfn);
    return s;
}

void PageTypes::put_page_and_type(uint64_t mfn) {
    put_page_type(mfn);
    put_page(mfn);
}

Status PageTypes::pin(uint64_t mfn, FrameType type, const Domain& owner) {
    if (!is_page_table_type(type)) return Errno::einval;
    if (!get_page(mfn, owner)) return Errno::einval;
    Status s = get_page_type(mfn, type, owner);
    if (!s) {
        put_page(mfn);
        return s;
    }
    FrameInfo* info = table_.lookup(mfn);
    if ((info->flags & k_frame_pinned) != 0) {
        put_page_and_type(mfn);
        return Errno::einval;
    }
    info->flags |= k_frame_pinned; // keeps both references
    return Status::ok();
}

Status PageTypes::unpin(uint64_t mfn, const Domain& owner) {
    if (!get_page(mfn, owner)) return Errno::einval;
    FrameInfo* info = table_.lookup(mfn);
    if ((info->flags & k_frame_pinned) == 0) {
        put_page(mfn);
        return Errno::einval;
    }
    info->flags &= static_cast<uint8_t>(~k_frame_pinned);
    put_page_and_type(mfn); // the pin's
    put_page(mfn);          // ours
    return Status::ok();
}

FrameType PageTypes::effective_type(uint64_t mfn) const {
    const FrameInfo* info = table_.lookup(mfn);
    return info != nullptr && info->type_count != 0 ? info->type : FrameType::none;
}

bool PageTypes::is_pinned(uint64_t mfn) const {
    const FrameInfo* info = table_.lookup(mfn);
    return info != nullptr && (info->flags & k_frame_pinned) != 0;
}

// --- Entries ---------------------------------------------------------------

Status PageTypes::get_l1e(uint64_t entry, const Domain& l1_owner, const Domain& pg_owner,
                          uint64_t* flip) {
    if (flip) *flip = 0;
    const uint64_t disallowed = l1_owner.privileged() ? pte::k_l1_disallowed_io : pte::k_l1_disallowed;
    if ((entry & disallowed) != 0) return Errno::einval;

    const uint64_t mfn = pte::mfn_of(entry);
    if (is_io_frame(mfn)) {
        // Not RAM: only a domain with I/O memory rights may map it, and no
        // reference is counted (Xen's dom_io / !mfn_valid path).
        if (!pg_owner.privileged() || !l1_owner.privileged())
            return mfn == pte::k_invalid_entry_mfn ? Errno::einval : Errno::eperm;
        // Device memory is never mapped cacheable: WB/WT/WP become UC.
        const uint64_t attrs = entry & pte::cache_attrs;
        uint64_t f = 0;
        if (attrs == 0) f = pte::pwt | pte::pcd;
        else if (attrs == pte::pwt || attrs == (pte::pwt | pte::pat)) f = pte::pcd | (attrs & pte::pat);
        if (flip) *flip = f;
        return Status::ok();
    }

    // Another domain's, the hypervisor's or a free frame: Xen's could_not_pin.
    if (!get_page(mfn, pg_owner)) return Errno::ebusy;
    if ((entry & pte::rw) != 0 && !get_page_type(mfn, FrameType::writable, pg_owner)) {
        put_page(mfn);
        return Errno::ebusy;
    }
    return Status::ok();
}

void PageTypes::put_l1e(uint64_t entry) {
    if (!pte::is_present(entry)) return;
    const uint64_t mfn = pte::mfn_of(entry);
    if (is_io_frame(mfn)) return;
    if ((entry & pte::rw) != 0) put_page_type(mfn);
    put_page(mfn);
}

Status PageTypes::get_table_entry(uint64_t entry, unsigned level, const Domain& owner, uint64_t table) {
    if ((entry & pte::k_table_disallowed) != 0) return Errno::einval; // PSE, PCD, PWT, G
    const uint64_t target = pte::mfn_of(entry);
    if (target == table) {
        if ((entry & pte::rw) != 0) return Errno::einval; // a writable self-map would bypass validation
        return get_page(target, owner) ? Status::ok() : Status(Errno::einval);
    }
    if (!get_page(target, owner)) return Errno::einval;
    Status s = get_page_type(target, table_type(level - 1), owner);
    if (!s) put_page(target);
    return s;
}

void PageTypes::put_table_entry(uint64_t entry, unsigned level, uint64_t table) {
    (void)level;
    if (!pte::is_present(entry)) return;
    if (pte::mfn_of(entry) == table) {
        put_page(table);
        return;
    }
    put_page_and_type(pte::mfn_of(entry));
}

// --- Validation ------------------------------------------------------------

Status PageTypes::validate(uint64_t mfn, FrameType type, const Domain& owner) {
    if (is_page_table_type(type)) return validate_table(mfn, level_of(type), owner);
    if (type == FrameType::segdesc) return validate_descriptors(mfn);
    return Status::ok();
}

void PageTypes::devalidate(uint64_t mfn, FrameType type) {
    if (is_page_table_type(type)) release_entries(mfn, level_of(type), pte::k_entries);
}

Status PageTypes::validate_table(uint64_t mfn, unsigned level, const Domain& owner) {
    for (unsigned i = 0; i < pte::k_entries; ++i) {
        if (level == 4 && !is_guest_l4_slot(i)) continue;
        const uint64_t entry = memory_.read(mfn, i);
        if (!pte::is_present(entry)) continue;
        uint64_t adjusted = entry;
        if (level == 1) {
            uint64_t flip = 0;
            Status s = get_l1e(entry, owner, owner, &flip);
            if (!s) {
                release_entries(mfn, level, i);
                return s;
            }
            adjusted = pte::adjust_l1(entry ^ flip);
        } else {
            Status s = get_table_entry(entry, level, owner, mfn);
            if (!s) {
                release_entries(mfn, level, i);
                return s;
            }
            adjusted = pte::adjust_table(level, entry);
        }
        if (adjusted != entry) memory_.write(mfn, i, adjusted);
    }
    if (level == 4) install_hypervisor_slots(mfn, !m2p_strict(owner));
    return Status::ok();
}

void PageTypes::release_entries(uint64_t mfn, unsigned level, unsigned end) {
    for (unsigned i = end; i-- > 0;) {
        if (level == 4 && !is_guest_l4_slot(i)) continue;
        const uint64_t entry = memory_.read(mfn, i);
        if (!pte::is_present(entry)) continue;
        if (level == 1) put_l1e(entry);
        else put_table_entry(entry, level, mfn);
    }
}

Status PageTypes::validate_descriptors(uint64_t mfn) {
    for (unsigned i = 0; i < pte::k_entries; ++i) {
        const uint64_t desc = memory_.read(mfn, i);
        uint64_t fixed = desc;
        if (!check_guest_descriptor(fixed)) return Errno::einval;
        if (fixed != desc) memory_.write(mfn, i, fixed);
    }
    return Status::ok();
}

void PageTypes::install_hypervisor_slots(uint64_t l4_mfn, bool with_ro_m2p) {
    if (hypervisor_l4_ == nullptr) return;
    for (unsigned slot = k_hypervisor_l4_first; slot <= k_hypervisor_l4_last; ++slot) {
        const bool omit = slot == k_ro_m2p_l4_slot && !with_ro_m2p;
        memory_.write(l4_mfn, slot, omit ? 0 : hypervisor_l4_[slot]);
    }
}

void PageTypes::set_ro_m2p_slot(uint64_t l4_mfn, bool present) {
    if (hypervisor_l4_ == nullptr) return;
    memory_.write(l4_mfn, k_ro_m2p_l4_slot, present ? hypervisor_l4_[k_ro_m2p_l4_slot] : 0);
}

// --- Updates ---------------------------------------------------------------

bool PageTypes::update_entry(uint64_t mfn, unsigned index, uint64_t old, uint64_t value,
                             bool preserve_ad) {
    // Only the hardware changes a live entry behind our back, and only by
    // setting A/D, so this settles within a few rounds (Xen's update_intpte).
    uint64_t seen = old;
    for (int round = 0; round < 8; ++round) {
        const uint64_t desired = preserve_ad ? value | (seen & k_ad_bits) : value;
        if (memory_.compare_exchange(mfn, index, seen, desired)) return true;
        if (((seen ^ old) & ~k_ad_bits) != 0) return false;
    }
    return false;
}

Status PageTypes::mod_entry(uint64_t mfn, unsigned index, uint64_t value, const Domain& pt_owner,
                            const Domain& pg_owner, bool preserve_ad) {
    const FrameInfo* info = table_.lookup(mfn);
    if (info == nullptr || index >= pte::k_entries || info->type_count == 0 ||
        !is_page_table_type(info->type) || (info->flags & k_frame_validated) == 0)
        return Errno::einval;
    const unsigned level = level_of(info->type);
    if (level == 4 && !is_guest_l4_slot(index)) return Errno::einval; // hypervisor's slots
    if (level > 1 && pg_owner.id() != pt_owner.id()) return Errno::einval;

    const uint64_t old = memory_.read(mfn, index);
    const Errno lost_race = level == 1 ? Errno::ebusy : Errno::efault; // Xen's choice per level

    if (!pte::is_present(value)) {
        if (!update_entry(mfn, index, old, value, preserve_ad)) return lost_race;
        if (level == 1) put_l1e(old);
        else put_table_entry(old, level, mfn);
        return Status::ok();
    }

    const uint64_t disallowed = level > 1                ? pte::k_table_disallowed
                                : pt_owner.privileged() ? pte::k_l1_disallowed_io
                                                        : pte::k_l1_disallowed;
    if ((value & disallowed) != 0) return Errno::einval;

    // Same frame, same rights: no reference changes (Xen's fast path).
    if (pte::is_present(old) && ((old ^ value) & ~pte::k_fastpath_ignored) == 0) {
        const uint64_t adjusted = level == 1 ? pte::adjust_l1(value) : pte::adjust_table(level, value);
        return update_entry(mfn, index, old, adjusted, preserve_ad) ? Status::ok() : Status(lost_race);
    }

    uint64_t adjusted = 0;
    if (level == 1) {
        uint64_t flip = 0;
        TRY(get_l1e(value, pt_owner, pg_owner, &flip));
        adjusted = pte::adjust_l1(value ^ flip);
    } else {
        TRY(get_table_entry(value, level, pt_owner, mfn));
        adjusted = pte::adjust_table(level, value);
    }
    if (!update_entry(mfn, index, old, adjusted, preserve_ad)) {
        if (level == 1) put_l1e(adjusted);
        else put_table_entry(adjusted, level, mfn);
        return lost_race;
    }
    if (level == 1) put_l1e(old);
    else put_table_entry(old, level, mfn);
    return Status::ok();
}

} // namespace pv
