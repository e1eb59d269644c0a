// memory_op for 64-bit PV guests (facts from Xen's common/memory.c
// do_memory_op / increase_reservation / decrease_reservation /
// populate_physmap and arch/x86/mm.c arch_memory_op).
//
//   increase_reservation, decrease_reservation, populate_physmap
//       MemoryReservation in; returns the extents done (errors are not
//       reported otherwise, as in Xen: a bad domid, a non-zero extent order
//       or an unreadable argument just return the count so far). Extent
//       order 0 only. Preemption continues through cmd's upper bits.
//   maximum_ram_page                   one past the highest RAM frame
//   current_reservation / maximum_reservation  (DomainId in) pages
//   memory_map                         the domain's E820: one RAM range of
//                                      max_pages from 0
//   machine_memory_map                 (privileged) the machine's E820, which
//                                      a PV Dom0 lays its own map out by;
//                                      -EINVAL unless the buffer holds one
//                                      entry more than the map (Xen's check)
//   machphys_mapping                   where the read-only M2P is mapped
//   add_to_physmap                     (PVH domains, for themselves) a
//                                      frame of the hypervisor's put into
//                                      their guest-physical space: shared_info
//                                      (-EINVAL for a PV domain, for idx != 0
//                                      and for the spaces not offered)
// For a PVH target, populate_physmap also places each new frame at its
// guest frame number in the nested table; increase/decrease_reservation,
// which name machine frames, do nothing for it.
// Anything else: -ENOSYS.
#include "core/hypercall/continuation.hpp"
#include "core/hvm_hypercalls/hvm_domain_ops.hpp"
#include "core/pv_hypercalls/services.hpp"
#include "core/pv_mm/hypercalls.hpp"
#include "core/pv_mm/pv_mmu.hpp"
#include "include/public/memory.hpp"

namespace pv {
namespace {

constexpr long error(Errno e) {
    return -static_cast<long>(e);
}

constexpr unsigned k_extent_shift = 6; // Xen's MEMOP_EXTENT_SHIFT

// rcu_lock_domain_by_any_id + XSM_TARGET: the caller, or any domain for a
// privileged caller.
Domain* target_domain(HypercallContext& ctx, uint16_t domid) {
    if (domid == abi::k_domid_self || domid == ctx.domain->id()) return ctx.domain;
    if (domid >= abi::k_domid_first_reserved || !ctx.domain->privileged()) return nullptr;
    return ctx.services->domain_by_id(domid);
}

long reservation(HypercallContext& ctx, PvMmu& mmu, const HypercallArgs& args, abi::MemoryOp op,
                 uint64_t start) {
    abi::MemoryReservation r;
    if (!copy_from_guest(ctx.guest, args.handle<const abi::MemoryReservation>(1), r)) return static_cast<long>(start);
    if (r.nr_extents > (0xffff'ffffull >> k_extent_shift) || start >= r.nr_extents)
        return static_cast<long>(start);
    Domain* d = target_domain(ctx, r.domid);
    if (d == nullptr || r.extent_order != 0 || !mmu.can_allocate()) return static_cast<long>(start);
    HvmDomainOps* hvm = ctx.services->hvm_ops(*d);
    if (hvm != nullptr && op != abi::MemoryOp::populate_physmap) return static_cast<long>(start);
    const GuestHandle<uint64_t> list(r.extent_start);
    const bool has_list = !list.is_null();
    if ((has_list || op != abi::MemoryOp::increase_reservation) &&
        !guest_array_plausible(list, start, r.nr_extents - start))
        return static_cast<long>(start);

    uint64_t i = start;
    for (; i < r.nr_extents; ++i) {
        if (i != start && ctx.preempt_requested()) {
            HypercallArgs next = args;
            next.set(0, static_cast<uint64_t>(abi::raw(op)) | (i << k_extent_shift));
            return hypercall_continuation(ctx, next);
        }
        if (op == abi::MemoryOp::increase_reservation) {
            Result<uint64_t> mfn = mmu.allocate_frame(*d);
            if (!mfn) break;
            if (has_list && !copy_to_guest(ctx.guest, list, i, &*mfn, 1)) break;
        } else if (op == abi::MemoryOp::populate_physmap) {
            uint64_t pfn = 0;
            if (!copy_from_guest(ctx.guest, list, i, &pfn, 1)) break;
            Result<uint64_t> mfn = mmu.populate_frame(*d, pfn);
            if (!mfn) break;
            if (hvm != nullptr && hvm->populated(pfn, *mfn) < 0) {
                (void)mmu.release_frame(*d, *mfn);
                break;
            }
            if (!copy_to_guest(ctx.guest, list, i, &*mfn, 1)) break;
        } else {
            uint64_t mfn = 0;
            if (!copy_from_guest(ctx.guest, list, i, &mfn, 1)) break;
            if (!mmu.release_frame(*d, mfn)) break;
        }
    }
    return static_cast<long>(i);
}

} // namespace

namespace {

// add_to_physmap needs no PV MMU: the guest-physical map is the PVH domain's.
long add_to_physmap(HypercallContext& ctx, const HypercallArgs& args) {
    abi::AddToPhysmap a;
    if (!copy_from_guest(ctx.guest, args.handle<const abi::AddToPhysmap>(1), a)) return error(Errno::efault);
    if (a.domid != abi::k_domid_self && a.domid != ctx.domain->id()) return error(Errno::eperm);
    HvmDomainOps* hvm = ctx.services->hvm_ops(*ctx.domain);
    if (hvm == nullptr) return error(Errno::einval); // translated (PVH) guests only
    return hvm->add_to_physmap(a.space, a.idx, a.gpfn);
}

} // namespace

long do_memory_op(HypercallContext& ctx, const HypercallArgs& args) {
    if (ctx.domain == nullptr || ctx.vcpu == nullptr || ctx.services == nullptr) return error(Errno::enosys);
    if ((args.as<uint64_t>(0) & abi::k_memory_op_cmd_mask) == abi::raw(abi::MemoryOp::add_to_physmap))
        return args.as<uint64_t>(0) >> k_extent_shift ? error(Errno::einval) : add_to_physmap(ctx, args);
    PvMmu* mmu = ctx.services->pv_mmu();
    if (mmu == nullptr) return error(Errno::enosys);
    const auto cmd = args.as<uint64_t>(0);
    const auto op = static_cast<abi::MemoryOp>(cmd & abi::k_memory_op_cmd_mask);
    const uint64_t start = cmd >> k_extent_shift;

    switch (op) {
    case abi::MemoryOp::increase_reservation:
    case abi::MemoryOp::decrease_reservation:
    case abi::MemoryOp::populate_physmap:
        return reservation(ctx, *mmu, args, op, start);
    default:
        break;
    }
    if (start != 0) return error(Errno::einval); // only the reservation ops resume

    switch (op) {
    case abi::MemoryOp::maximum_ram_page:
        return static_cast<long>(mmu->frame_limit());
    case abi::MemoryOp::current_reservation:
    case abi::MemoryOp::maximum_reservation: {
        uint16_t domid = 0;
        if (!copy_from_guest(ctx.guest, args.handle<const uint16_t>(1), domid)) return error(Errno::efault);
        Domain* d = nullptr;
        if (domid == abi::k_domid_self || domid == ctx.domain->id()) {
            d = ctx.domain;
        } else {
            d = domid < abi::k_domid_first_reserved ? ctx.services->domain_by_id(domid) : nullptr;
            if (d == nullptr) return error(Errno::esrch);
            if (!ctx.domain->privileged()) return error(Errno::eperm);
        }
        return static_cast<long>(op == abi::MemoryOp::current_reservation ? d->tot_pages : d->max_pages);
    }
    case abi::MemoryOp::memory_map: {
        abi::MemoryMap map;
        const auto handle = args.handle<abi::MemoryMap>(1);
        if (!copy_from_guest(ctx.guest, handle, map)) return error(Errno::efault);
        abi::E820Entry ram{};
        ram.addr = 0;
        ram.size = ctx.domain->max_pages << k_page_shift;
        ram.type = abi::raw(abi::E820Type::ram);
        map.nr_entries = map.nr_entries < 1 ? map.nr_entries : 1;
        if (!copy_to_guest(ctx.guest, GuestHandle<abi::E820Entry>(map.buffer.address), 0, &ram, map.nr_entries) ||
            !copy_to_guest(ctx.guest, handle, map))
            return error(Errno::efault);
        return 0;
    }
    case abi::MemoryOp::machine_memory_map: {
        if (!ctx.domain->privileged()) return error(Errno::eperm);
        abi::E820Entry entry{};
        size_t count = 0;
        while (ctx.services->machine_memory_range(count, entry)) ++count;
        if (count == 0) return error(Errno::enosys);
        abi::MemoryMap map;
        const auto handle = args.handle<abi::MemoryMap>(1);
        if (!copy_from_guest(ctx.guest, handle, map)) return error(Errno::efault);
        const GuestHandle<abi::E820Entry> buffer(map.buffer.address);
        if (!buffer.is_null()) {
            if (map.nr_entries < count + 1) return error(Errno::einval);
            for (size_t i = 0; i < count; ++i) {
                (void)ctx.services->machine_memory_range(i, entry);
                if (!copy_to_guest(ctx.guest, buffer, i, &entry, 1)) return error(Errno::efault);
            }
        }
        map.nr_entries = static_cast<uint32_t>(count);
        if (!copy_to_guest(ctx.guest, handle, map)) return error(Errno::efault);
        return 0;
    }
    case abi::MemoryOp::machphys_mapping: {
        abi::MachphysMapping m{};
        const uint64_t entries = mmu->m2p_entries();
        m.v_start = abi::k_hypervisor_virt_start;
        m.v_end = m.v_start + ((entries * 8 + k_page_size - 1) & ~(k_page_size - 1));
        m.max_mfn = entries == 0 ? 0 : entries - 1;
        if (!copy_to_guest(ctx.guest, args.handle<abi::MachphysMapping>(1), m)) return error(Errno::efault);
        return 0;
    }
    default:
        return error(Errno::enosys);
    }
}

} // namespace pv
