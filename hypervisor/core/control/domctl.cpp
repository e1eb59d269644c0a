#include "core/control/control.hpp"

#include "core/domain/domain.hpp"
#include "core/pv_hypercalls/services.hpp"

namespace pv {

namespace {

long error(Errno e) { return -static_cast<long>(e); }

void describe(Domain& d, abi::DomctlDomainInfo& info) {
    info = {};
    info.domain = d.id();
    switch (d.state) {
    case DomainState::running: info.flags |= abi::k_dominfo_running; break;
    case DomainState::paused: info.flags |= abi::k_dominfo_paused; break;
    case DomainState::shut_down: info.flags |= abi::k_dominfo_shutdown; break;
    case DomainState::dying: info.flags |= abi::k_dominfo_dying; break;
    case DomainState::building: break;
    }
    if (d.privileged()) info.flags |= abi::k_dominfo_privileged;
    info.shutdown_reason = static_cast<uint32_t>(d.shutdown_reason);
    info.nr_vcpus = d.vcpu_count;
    bool all_blocked = d.vcpu_count > 0;
    for (uint32_t i = 0; i < d.vcpu_count; ++i) {
        Vcpu* v = d.vcpu(i);
        if (!v) continue;
        if (v->state != VcpuState::offline) ++info.nr_online_vcpus;
        if (v->state != VcpuState::blocked && v->state != VcpuState::offline) all_blocked = false;
        info.cpu_time_ns += v->cpu_time_ns;
    }
    if (all_blocked) info.flags |= abi::k_dominfo_blocked;
    info.tot_pages = d.tot_pages;
    info.max_pages = d.max_pages;
    const char* name = d.name();
    for (size_t i = 0; name[i] && i + 1 < sizeof info.name; ++i) info.name[i] = name[i];
}

} // namespace

long do_domctl(HypercallContext& ctx, const HypercallArgs& args) {
    if (!ctx.domain || !ctx.services) return error(Errno::enosys);
    if (!ctx.domain->privileged()) return error(Errno::eperm);
    const auto handle = args.handle<abi::Domctl>(0);
    abi::Domctl op;
    if (!copy_from_guest(ctx.guest, handle, op)) return error(Errno::efault);
    if (op.interface_version != abi::k_control_interface_version) return error(Errno::eacces);

    if (op.cmd == abi::raw(abi::DomctlCmd::getdomaininfo)) {
        // The first existing domain at or after the one asked for, so the
        // toolstack can walk the list.
        for (uint32_t id = op.domain; id < k_max_domain_id; ++id) {
            if (Domain* d = ctx.services->domain_by_id(static_cast<DomainId>(id))) {
                describe(*d, op.u.info);
                op.domain = d->id();
                return copy_to_guest(ctx.guest, handle, op) ? 0 : error(Errno::efault);
            }
        }
        return error(Errno::esrch);
    }

    Domain* d = ctx.services->domain_by_id(op.domain);
    if (!d) return error(Errno::esrch);
    switch (op.cmd) {
    case abi::raw(abi::DomctlCmd::pause):
        // A domain cannot pause itself (it would never run again to unpause).
        if (d == ctx.domain) return error(Errno::einval);
        if (d->state != DomainState::running && d->state != DomainState::paused) return error(Errno::einval);
        d->state = DomainState::paused;
        return 0;
    case abi::raw(abi::DomctlCmd::unpause):
        if (d->state != DomainState::paused) return error(Errno::einval);
        d->state = DomainState::running;
        return 0;
    case abi::raw(abi::DomctlCmd::max_mem): {
        uint64_t pages = op.u.max_mem.max_memkb / 4;
        if (op.u.max_mem.max_memkb > (~uint64_t{0} >> 10)) return error(Errno::einval);
        d->max_pages = pages;
        return 0;
    }
    default:
        return error(Errno::enosys);
    }
}

} // namespace pv
