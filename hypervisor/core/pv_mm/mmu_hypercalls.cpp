// mmu_update, mmuext_op and update_va_mapping (facts from Xen's
// arch/x86/mm.c do_mmu_update / do_mmuext_op / do_update_va_mapping).
#include "core/hypercall/continuation.hpp"
#include "core/pv_hypercalls/services.hpp"
#include "core/pv_mm/hypercalls.hpp"
#include "core/pv_mm/pv_mmu.hpp"
#include "include/public/mmu.hpp"

namespace pv {
namespace {

constexpr long error(Errno e) {
    return -static_cast<long>(e);
}

PvMmu* mmu_of(HypercallContext& ctx) {
    if (ctx.domain == nullptr || ctx.vcpu == nullptr || ctx.services == nullptr) return nullptr;
    return ctx.services->pv_mmu();
}

constexpr bool guest_address(uint64_t va) {
    return va < (uint64_t{1} << 47) || va >= abi::k_hypervisor_virt_end;
}

// Xen's get_pg_owner + the XSM_TARGET check: the caller itself, or (for a
// privileged caller) another domain. DOMID_IO means the caller (its I/O
// rights are checked per entry).
Result<Domain*> page_owner(HypercallContext& ctx, uint16_t domid) {
    Domain& self = *ctx.domain;
    if (domid == abi::k_domid_self || domid == self.id()) return &self;
    if (domid == abi::k_domid_io) {
        if (!self.privileged()) return Errno::eperm;
        return &self;
    }
    if (domid >= abi::k_domid_first_reserved) return Errno::esrch;
    Domain* d = ctx.services->domain_by_id(domid);
    if (d == nullptr) return Errno::esrch;
    if (!self.privileged()) return Errno::eperm;
    return d;
}

// The guest's vCPU bitmap (Xen's vcpumask_to_pcpumask): bits beyond the
// domain's vCPUs are ignored.
Status read_vcpu_mask(HypercallContext& ctx, uint64_t address, VcpuMask& mask) {
    const Domain& d = *ctx.domain;
    mask = 0;
    if (d.vcpu_count == 0) return Status::ok();
    uint64_t word = 0;
    TRY(copy_from_guest(ctx.guest, GuestHandle<const uint64_t>(address), word));
    mask = d.vcpu_count >= 64 ? word : word & ((uint64_t{1} << d.vcpu_count) - 1);
    return Status::ok();
}

VcpuMask all_vcpus(const Domain& d) {
    return d.vcpu_count >= 64 ? ~VcpuMask{0} : (VcpuMask{1} << d.vcpu_count) - 1;
}

// The count argument of a (possibly resumed) batch, and the done count so far.
uint32_t batch_start(HypercallContext& ctx, uint32_t count, GuestHandle<uint32_t> pdone, uint32_t& done) {
    done = 0;
    if ((count & k_mmu_update_preempted) != 0) {
        count &= ~k_mmu_update_preempted;
        if (!pdone.is_null()) (void)copy_from_guest(ctx.guest, pdone, done);
    }
    return count;
}

long batch_finish(HypercallContext& ctx, const HypercallArgs& args, long rc, uint32_t count, uint32_t i,
                  uint32_t done, GuestHandle<uint32_t> pdone, uint64_t handle_advanced) {
    if (!pdone.is_null()) (void)copy_to_guest(ctx.guest, pdone, done + i);
    if (rc != k_hypercall_restart) return rc;
    HypercallArgs next = args;
    next.set(0, handle_advanced);
    next.set(1, (count - i) | k_mmu_update_preempted);
    return hypercall_continuation(ctx, next);
}

// One mmuext_op.
long mmuext_one(HypercallContext& ctx, PvMmu& mmu, Domain& pg_owner, const abi::MmuextOp& op) {
    Domain& self = *ctx.domain;
    Vcpu& vcpu = *ctx.vcpu;
    MmuHooks& hooks = mmu.types().hooks();
    const bool foreign = &pg_owner != &self;
    using Cmd = abi::MmuextCmd;

    switch (static_cast<Cmd>(op.cmd)) {
    case Cmd::pin_l1_table:
    case Cmd::pin_l2_table:
    case Cmd::pin_l3_table:
    case Cmd::pin_l4_table:
        return mmu.pin(pg_owner, op.arg1.mfn, table_type(op.cmd - abi::raw(Cmd::pin_l1_table) + 1))
            .as_return();
    case Cmd::unpin_table:
        return mmu.unpin(pg_owner, op.arg1.mfn).as_return();
    case Cmd::new_baseptr:
        if (foreign) return error(Errno::eperm);
        return mmu.new_baseptr(vcpu, op.arg1.mfn).as_return();
    case Cmd::new_user_baseptr:
        if (foreign) return error(Errno::eperm);
        return mmu.new_user_baseptr(vcpu, op.arg1.mfn).as_return();
    case Cmd::tlb_flush_local:
        if (foreign) return error(Errno::eperm);
        hooks.flush_local(vcpu, false, 0);
        return 0;
    case Cmd::invlpg_local:
        if (foreign) return error(Errno::eperm);
        if (guest_address(op.arg1.linear_addr)) hooks.flush_local(vcpu, true, op.arg1.linear_addr);
        return 0;
    case Cmd::tlb_flush_multi:
    case Cmd::invlpg_multi: {
        if (foreign) return error(Errno::eperm);
        VcpuMask mask = 0;
        if (!read_vcpu_mask(ctx, op.arg2.vcpumask.address, mask)) return error(Errno::einval);
        if (op.cmd == abi::raw(Cmd::tlb_flush_multi)) hooks.flush_vcpus(self, mask, false, 0);
        else if (guest_address(op.arg1.linear_addr)) hooks.flush_vcpus(self, mask, true, op.arg1.linear_addr);
        return 0;
    }
    case Cmd::tlb_flush_all:
        if (foreign) return error(Errno::eperm);
        hooks.flush_vcpus(self, all_vcpus(self), false, 0);
        return 0;
    case Cmd::invlpg_all:
        if (foreign) return error(Errno::eperm);
        if (guest_address(op.arg1.linear_addr)) hooks.flush_vcpus(self, all_vcpus(self), true, op.arg1.linear_addr);
        return 0;
    case Cmd::flush_cache:
        if (foreign) return error(Errno::eperm);
        if (!self.privileged() && !self.io_ports_allowed) return error(Errno::eacces);
        hooks.flush_cache(false);
        return 0;
    case Cmd::flush_cache_global:
        if (foreign) return error(Errno::eperm);
        if (!self.privileged() && !self.io_ports_allowed) return error(Errno::einval);
        hooks.flush_cache(true);
        return 0;
    case Cmd::set_ldt: {
        if (foreign) return error(Errno::eperm);
        const uint32_t entries = op.arg2.nr_ents;
        const uint64_t base = entries != 0 ? op.arg1.linear_addr : 0;
        if ((base & (k_page_size - 1)) != 0 || !guest_address(base) || entries > 8192)
            return error(Errno::einval);
        hooks.set_ldt(vcpu, base, entries);
        return 0;
    }
    case Cmd::clear_page:
        return mmu.clear_page(pg_owner, op.arg1.mfn).as_return();
    case Cmd::copy_page:
        return mmu.copy_page(pg_owner, op.arg1.mfn, op.arg2.src_mfn).as_return();
    case Cmd::mark_super:
    case Cmd::unmark_super:
        return error(Errno::eopnotsupp);
    default:
        return error(Errno::enosys);
    }
}

long flush_after_update(HypercallContext& ctx, uint64_t va, uint64_t flags) {
    MmuHooks& hooks = ctx.services->pv_mmu()->types().hooks();
    const uint64_t type = flags & abi::k_uvmf_flushtype_mask;
    if (type != abi::k_uvmf_tlb_flush && type != abi::k_uvmf_invlpg) return 0;
    const bool one = type == abi::k_uvmf_invlpg;
    if (!one) va = 0;
    const uint64_t scope = flags & ~abi::k_uvmf_flushtype_mask;
    if (scope == abi::k_uvmf_local) {
        hooks.flush_local(*ctx.vcpu, one, va);
        return 0;
    }
    VcpuMask mask = all_vcpus(*ctx.domain);
    long rc = 0;
    if (scope != abi::k_uvmf_all && !read_vcpu_mask(ctx, scope, mask)) rc = error(Errno::efault);
    if (rc == 0) hooks.flush_vcpus(*ctx.domain, mask, one, va);
    return rc;
}

long update_va_mapping(HypercallContext& ctx, const HypercallArgs& args, Domain& pg_owner) {
    const auto va = args.as<uint64_t>(0);
    const auto value = args.as<uint64_t>(1);
    const auto flags = args.as<uint64_t>(2);
    Status s = ctx.services->pv_mmu()->update_va_mapping(*ctx.vcpu, pg_owner, va, value);
    if (!s) return s.as_return();
    return flush_after_update(ctx, va, flags);
}

} // namespace

long do_mmu_update(HypercallContext& ctx, const HypercallArgs& args) {
    PvMmu* mmu = mmu_of(ctx);
    if (mmu == nullptr) return error(Errno::enosys);
    const auto reqs = args.handle<const abi::MmuUpdate>(0);
    const auto pdone = args.handle<uint32_t>(2);
    const auto foreigndom = args.as<uint32_t>(3);
    uint32_t done = 0;
    const uint32_t count = batch_start(ctx, args.as<uint32_t>(1), pdone, done);
    if (!guest_array_plausible(reqs, 0, count)) return error(Errno::efault);

    // Bits 31:16 of foreigndom: one more than the page tables' owner.
    Domain* pt_owner = ctx.domain;
    if (const uint32_t pt_dom = foreigndom >> 16; pt_dom != 0) {
        const auto id = static_cast<uint16_t>(pt_dom - 1);
        if (id != ctx.domain->id()) {
            pt_owner = id < abi::k_domid_first_reserved ? ctx.services->domain_by_id(id) : nullptr;
            if (pt_owner == nullptr) return error(Errno::esrch);
            if (!ctx.domain->privileged()) return error(Errno::eperm);
        }
    }
    long rc = 0;
    uint32_t i = 0;
    Result<Domain*> pg_owner = page_owner(ctx, static_cast<uint16_t>(foreigndom));
    if (!pg_owner) rc = Status(pg_owner.error()).as_return();

    for (; rc == 0 && i < count; ++i) {
        if (i != 0 && ctx.preempt_requested()) {
            rc = k_hypercall_restart;
            break;
        }
        abi::MmuUpdate req;
        if (!copy_from_guest(ctx.guest, reqs.offset(i), req)) {
            rc = error(Errno::efault);
            break;
        }
        const uint64_t cmd = req.ptr & 7;
        switch (cmd) {
        case abi::raw(abi::MmuUpdateCmd::normal_pt_update):
        case abi::raw(abi::MmuUpdateCmd::pt_update_preserve_ad):
        case abi::raw(abi::MmuUpdateCmd::pt_update_no_translate):
            rc = mmu->normal_update(*pt_owner, **pg_owner, req.ptr - cmd, req.val,
                                    cmd == abi::raw(abi::MmuUpdateCmd::pt_update_preserve_ad))
                     .as_return();
            break;
        case abi::raw(abi::MmuUpdateCmd::machphys_update):
            if (pt_owner != ctx.domain) rc = error(Errno::eperm);
            else rc = mmu->machphys_update(**pg_owner, req.ptr >> k_page_shift, req.val).as_return();
            break;
        default:
            rc = error(Errno::enosys);
            break;
        }
        if (rc != 0) break;
    }
    return batch_finish(ctx, args, rc, count, i, done, pdone, reqs.offset(i).address());
}

long do_mmuext_op(HypercallContext& ctx, const HypercallArgs& args) {
    PvMmu* mmu = mmu_of(ctx);
    if (mmu == nullptr) return error(Errno::enosys);
    const auto ops = args.handle<const abi::MmuextOp>(0);
    const auto pdone = args.handle<uint32_t>(2);
    uint32_t done = 0;
    const uint32_t count = batch_start(ctx, args.as<uint32_t>(1), pdone, done);
    if (!guest_array_plausible(ops, 0, count)) return error(Errno::efault);
    Result<Domain*> pg_owner = page_owner(ctx, args.as<uint16_t>(3));
    if (!pg_owner) return Status(pg_owner.error()).as_return();

    long rc = 0;
    uint32_t i = 0;
    for (; i < count; ++i) {
        if (i != 0 && ctx.preempt_requested()) {
            rc = k_hypercall_restart;
            break;
        }
        abi::MmuextOp op;
        if (!copy_from_guest(ctx.guest, ops.offset(i), op)) {
            rc = error(Errno::efault);
            break;
        }
        rc = mmuext_one(ctx, *mmu, **pg_owner, op);
        if (rc != 0) break;
    }
    return batch_finish(ctx, args, rc, count, i, done, pdone, ops.offset(i).address());
}

long do_update_va_mapping(HypercallContext& ctx, const HypercallArgs& args) {
    if (mmu_of(ctx) == nullptr) return error(Errno::enosys);
    return update_va_mapping(ctx, args, *ctx.domain);
}

long do_update_va_mapping_otherdomain(HypercallContext& ctx, const HypercallArgs& args) {
    if (mmu_of(ctx) == nullptr) return error(Errno::enosys);
    Result<Domain*> pg_owner = page_owner(ctx, args.as<uint16_t>(3));
    if (!pg_owner) return Status(pg_owner.error()).as_return();
    return update_va_mapping(ctx, args, **pg_owner);
}

} // namespace pv
