#include "core/control/control.hpp"

#include "core/control/domain_control.hpp"
#include "core/control/domctl_counters.hpp"
#include "core/domain/domain.hpp"
#include "core/hypercall/guest_memory.hpp"
#include "lib/spinlock.hpp"
#include "core/pv_hypercalls/services.hpp"

namespace pv {

namespace {

long error(Errno e) { return -static_cast<long>(e); }

void describe(Domain& d, abi::DomctlDomainInfo& info) {
    info = {};
    info.domain = d.id();
    switch (d.state) {
    case DomainState::running: break; // running: a vCPU on a CPU now (below)
    case DomainState::paused: info.flags |= abi::k_dominfo_paused; break;
    case DomainState::shut_down: info.flags |= abi::k_dominfo_shutdown; break;
    case DomainState::dying: info.flags |= abi::k_dominfo_dying; break;
    case DomainState::building: break;
    }
    if (d.privileged()) info.flags |= abi::k_dominfo_privileged;
    if (d.pvh) info.flags |= abi::k_dominfo_pvh;
    info.shutdown_reason = static_cast<uint32_t>(d.shutdown_reason);
    info.nr_vcpus = d.vcpu_count;
    bool all_blocked = d.vcpu_count > 0;
    for (uint32_t i = 0; i < d.vcpu_count; ++i) {
        Vcpu* v = d.vcpu(i);
        if (!v) continue;
        if (v->state != VcpuState::offline) ++info.nr_online_vcpus;
        if (v->state != VcpuState::blocked && v->state != VcpuState::offline) all_blocked = false;
        // As xl's `r`: on a CPU right now.
        if (v->state == VcpuState::running && d.state == DomainState::running) info.flags |= abi::k_dominfo_running;
        info.cpu_time_ns += v->cpu_time_ns;
    }
    if (all_blocked) info.flags |= abi::k_dominfo_blocked;
    info.tot_pages = d.tot_pages;
    info.max_pages = d.max_pages;
    const char* name = d.name();
    for (size_t i = 0; name[i] && i + 1 < sizeof info.name; ++i) info.name[i] = name[i];
}

bool name_in_use(HypercallContext& ctx, const char* name) {
    for (uint32_t id = 0; id < k_max_domain_id; ++id) {
        Domain* d = ctx.services->domain_by_id(static_cast<DomainId>(id));
        if (!d) continue;
        const char* other = d->name();
        size_t i = 0;
        while (other[i] && other[i] == name[i]) ++i;
        if (other[i] == name[i]) return true;
    }
    return false;
}

long create_domain(HypercallContext& ctx, DomainControl& control, abi::Domctl& op) {
    abi::DomctlCreateDomain& c = op.u.create;
    bool terminated = false;
    for (char ch : c.name) terminated = terminated || ch == '\0';
    if (!terminated || c.name[0] == '\0') return error(Errno::einval);
    if (c.flags & ~abi::k_create_pvh) return error(Errno::einval);
    if (c.max_vcpus == 0 || c.max_vcpus > Domain::k_max_vcpus) return error(Errno::einval);
    if (c.max_memkb == 0 || c.max_memkb > (~uint64_t{0} >> 10)) return error(Errno::einval);
    if (name_in_use(ctx, c.name)) return error(Errno::eexist);
    uint64_t shared_info_mfn = 0;
    auto created = control.create(c, shared_info_mfn);
    if (!created) return error(created.error());
    op.domain = (*created)->id();
    c.shared_info_mfn = shared_info_mfn;
    return 0;
}

long vcpu_context(HypercallContext& ctx, DomainControl& control, Domain& d, const abi::Domctl& op, bool set) {
    Vcpu* v = d.vcpu(op.u.vcpu_context.vcpu);
    if (!v) return error(Errno::einval);
    const auto where = GuestHandle<abi::VcpuGuestContext>(op.u.vcpu_context.context);
    // Too big for the hypercall stack's comfort: one static buffer, under
    // a lock (domctls are rare and short).
    static SpinLock buffer_lock;
    static abi::VcpuGuestContext buffer;
    LockGuard guard(buffer_lock);
    if (set) {
        if (!copy_from_guest(ctx.guest, where, buffer)) return error(Errno::efault);
        Status s = control.set_vcpu_context(*v, buffer);
        return s ? 0 : error(s.error());
    }
    if (Status s = control.get_vcpu_context(*v, buffer); !s) return error(s.error());
    return copy_to_guest(ctx.guest, where, buffer) ? 0 : error(Errno::efault);
}

void describe_vcpu(DomainControl& control, Vcpu& v, abi::DomctlVcpuInfo& info) {
    const uint32_t id = info.vcpu;
    info = {};
    info.vcpu = id;
    info.online = v.state != VcpuState::offline;
    info.blocked = v.state == VcpuState::blocked;
    bool running = false;
    control.vcpu_placement(v, info.cpu, running, info.affinity);
    info.running = running;
    info.cpu_time_ns = v.cpu_time_ns;
}

} // namespace

long do_domctl(HypercallContext& ctx, const HypercallArgs& args) {
    if (!ctx.domain || !ctx.services) return error(Errno::enosys);
    if (!ctx.domain->privileged()) return error(Errno::eperm);
    const auto handle = args.handle<abi::Domctl>(0);
    abi::Domctl op;
    if (!copy_from_guest(ctx.guest, handle, op)) return error(Errno::efault);
    if (op.interface_version != abi::k_control_interface_version) return error(Errno::eacces);
    auto reply = [&](long result) {
        if (result < 0) return result;
        return copy_to_guest(ctx.guest, handle, op) ? result : error(Errno::efault);
    };

    if (op.cmd == abi::raw(abi::DomctlCmd::getdomaininfo)) {
        // The first existing domain at or after the one asked for, so the
        // toolstack can walk the list.
        for (uint32_t id = op.domain; id < k_max_domain_id; ++id) {
            if (Domain* d = ctx.services->domain_by_id(static_cast<DomainId>(id))) {
                describe(*d, op.u.info);
                op.domain = d->id();
                return reply(0);
            }
        }
        return error(Errno::esrch);
    }
    DomainControl* control = ctx.services->domain_control();
    if (op.cmd == abi::raw(abi::DomctlCmd::createdomain)) {
        if (!control) return error(Errno::enosys);
        return reply(create_domain(ctx, *control, op));
    }

    Domain* d = ctx.services->domain_by_id(op.domain);
    if (!d) return error(Errno::esrch);
    auto status = [](Status s) { return s ? 0 : error(s.error()); };
    switch (op.cmd) {
    case abi::raw(abi::DomctlCmd::pause):
        // A domain cannot pause itself (it would never run again to unpause).
        if (d == ctx.domain) return error(Errno::einval);
        if (d->state != DomainState::running && d->state != DomainState::paused) return error(Errno::einval);
        if (control) return status(control->pause(*d));
        d->state = DomainState::paused;
        return 0;
    case abi::raw(abi::DomctlCmd::unpause):
        // Also the start of a freshly built domain.
        if (d->state != DomainState::paused && d->state != DomainState::building) return error(Errno::einval);
        if (control) return status(control->unpause(*d));
        d->state = DomainState::running;
        return 0;
    case abi::raw(abi::DomctlCmd::max_mem): {
        uint64_t pages = op.u.max_mem.max_memkb / 4;
        if (op.u.max_mem.max_memkb > (~uint64_t{0} >> 10)) return error(Errno::einval);
        d->max_pages = pages;
        return 0;
    }
    case abi::raw(abi::DomctlCmd::getdomaincounters):
        return reply(get_domain_counters(ctx, *d, op.u.counters));
    default:
        break;
    }
    if (!control) return error(Errno::enosys);
    switch (op.cmd) {
    case abi::raw(abi::DomctlCmd::destroydomain):
        // The caller would destroy the ground it stands on.
        if (d == ctx.domain || d->privileged()) return error(Errno::einval);
        return status(control->destroy(*d));
    case abi::raw(abi::DomctlCmd::setvcpucontext):
        return vcpu_context(ctx, *control, *d, op, true);
    case abi::raw(abi::DomctlCmd::getvcpucontext):
        return vcpu_context(ctx, *control, *d, op, false);
    case abi::raw(abi::DomctlCmd::getvcpuinfo): {
        Vcpu* v = d->vcpu(op.u.vcpu_info.vcpu);
        if (!v) return error(Errno::einval);
        describe_vcpu(*control, *v, op.u.vcpu_info);
        return reply(0);
    }
    case abi::raw(abi::DomctlCmd::setvcpuaffinity): {
        Vcpu* v = d->vcpu(op.u.vcpu_affinity.vcpu);
        if (!v) return error(Errno::einval);
        return status(control->set_affinity(*v, op.u.vcpu_affinity.cpumap));
    }
    case abi::raw(abi::DomctlCmd::getvcpuaffinity): {
        Vcpu* v = d->vcpu(op.u.vcpu_affinity.vcpu);
        if (!v) return error(Errno::einval);
        uint32_t cpu = 0;
        bool running = false;
        control->vcpu_placement(*v, cpu, running, op.u.vcpu_affinity.cpumap);
        return reply(0);
    }
    case abi::raw(abi::DomctlCmd::sched_credit): {
        abi::DomctlSchedCredit& p = op.u.sched_credit;
        if (p.set > 1) return error(Errno::einval);
        if (p.set) return status(control->set_sched_credit(*d, p.weight, p.cap));
        Status s = control->get_sched_credit(*d, p.weight, p.cap);
        return s ? reply(0) : error(s.error());
    }
    default:
        return error(Errno::enosys);
    }
}

} // namespace pv
