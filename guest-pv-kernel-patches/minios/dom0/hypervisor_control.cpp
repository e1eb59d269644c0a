#include "dom0/hypervisor_control.hpp"

#include "arch/hypercall.hpp"
#include "include/public/hvm.hpp"
#include "kernel/pvclock.hpp"
#include "kernel/xen_info.hpp"

namespace minios {
namespace {

using pv::Errno;
using pv::Result;
using pv::Status;

Status status_of(long rc) {
    return rc < 0 ? Status(static_cast<Errno>(-rc)) : Status::ok();
}

// populate_physmap handles this many pfns per call (Xen's do_memory_op
// resumes long lists itself; a bounded batch keeps each call short anyway).
constexpr uint64_t k_populate_batch = 512;

} // namespace

// ---- sysctl / domctl ---------------------------------------------------------

Status HypervisorControl::sysctl(abi::SysctlCmd cmd, abi::Sysctl& op) {
    op.cmd = abi::raw(cmd);
    op.interface_version = abi::k_control_interface_version;
    return status_of(hv::sysctl(&op));
}

Status HypervisorControl::domctl(abi::DomctlCmd cmd, uint16_t domid, abi::Domctl& op) {
    op.cmd = abi::raw(cmd);
    op.interface_version = abi::k_control_interface_version;
    op.domain = domid;
    return status_of(hv::domctl(&op));
}

Status HypervisorControl::physinfo(abi::SysctlPhysinfo& info) {
    abi::Sysctl op{};
    TRY(sysctl(abi::SysctlCmd::physinfo, op));
    info = op.u.physinfo;
    return Status::ok();
}

Result<size_t> HypervisorControl::read_console(uint64_t& cursor, char* buffer, size_t size) {
    abi::Sysctl op{};
    op.u.readconsole.buffer = hv::ptr(buffer);
    op.u.readconsole.cursor = cursor;
    op.u.readconsole.count = size > 0xffff'ffffu ? 0xffff'ffffu : static_cast<uint32_t>(size);
    TRY(sysctl(abi::SysctlCmd::readconsole, op));
    cursor = op.u.readconsole.cursor;
    return size_t{op.u.readconsole.count};
}

Status HypervisorControl::domain_info(uint16_t from, abi::DomctlDomainInfo& info) {
    abi::Domctl op{};
    TRY(domctl(abi::DomctlCmd::getdomaininfo, from, op));
    info = op.u.info;
    return Status::ok();
}

Result<uint16_t> HypervisorControl::create_domain(abi::DomctlCreateDomain& create) {
    abi::Domctl op{};
    op.u.create = create;
    TRY(domctl(abi::DomctlCmd::createdomain, 0, op));
    create = op.u.create;
    return op.domain;
}

Status HypervisorControl::destroy_domain(uint16_t domid) {
    abi::Domctl op{};
    return domctl(abi::DomctlCmd::destroydomain, domid, op);
}

Status HypervisorControl::pause_domain(uint16_t domid) {
    abi::Domctl op{};
    return domctl(abi::DomctlCmd::pause, domid, op);
}

Status HypervisorControl::unpause_domain(uint16_t domid) {
    abi::Domctl op{};
    return domctl(abi::DomctlCmd::unpause, domid, op);
}

Status HypervisorControl::set_max_memory(uint16_t domid, uint64_t max_memkb) {
    abi::Domctl op{};
    op.u.max_mem.max_memkb = max_memkb;
    return domctl(abi::DomctlCmd::max_mem, domid, op);
}

Status HypervisorControl::set_vcpu_context(uint16_t domid, uint32_t vcpu,
                                           const abi::VcpuGuestContext& context) {
    abi::Domctl op{};
    op.u.vcpu_context.vcpu = vcpu;
    op.u.vcpu_context.context = hv::ptr(&context);
    return domctl(abi::DomctlCmd::setvcpucontext, domid, op);
}

Status HypervisorControl::domain_counters(uint16_t domid, abi::DomainCounterValues& out) {
    abi::Domctl op{};
    op.u.counters.buffer = hv::ptr(&out);
    op.u.counters.size = sizeof out;
    return domctl(abi::DomctlCmd::getdomaincounters, domid, op);
}

Status HypervisorControl::vcpu_info(uint16_t domid, uint32_t vcpu, abi::DomctlVcpuInfo& info) {
    abi::Domctl op{};
    op.u.vcpu_info.vcpu = vcpu;
    TRY(domctl(abi::DomctlCmd::getvcpuinfo, domid, op));
    info = op.u.vcpu_info;
    return Status::ok();
}

Status HypervisorControl::set_vcpu_affinity(uint16_t domid, uint32_t vcpu, uint64_t cpumap) {
    abi::Domctl op{};
    op.u.vcpu_affinity.vcpu = vcpu;
    op.u.vcpu_affinity.cpumap = cpumap;
    return domctl(abi::DomctlCmd::setvcpuaffinity, domid, op);
}

Status HypervisorControl::sched_credit(uint16_t domid, abi::DomctlSchedCredit& params) {
    abi::Domctl op{};
    op.u.sched_credit = params;
    TRY(domctl(abi::DomctlCmd::sched_credit, domid, op));
    params = op.u.sched_credit;
    return Status::ok();
}

// ---- another domain's memory -------------------------------------------------

// memory_op(populate_physmap) with the DomU's domid: the extent list goes in
// holding guest pfns and comes back holding the machine frames (Xen's PV
// behaviour). The result is the number of extents done; short means the
// hypervisor ran out (or refused), which the contract calls ENOMEM.
Status HypervisorControl::populate(uint16_t domid, uint64_t first_pfn, uint64_t count,
                                   uint64_t* mfns) {
    for (uint64_t done = 0; done < count;) {
        const uint64_t batch = count - done < k_populate_batch ? count - done : k_populate_batch;
        for (uint64_t i = 0; i < batch; ++i)
            mfns[done + i] = first_pfn + done + i;
        abi::MemoryReservation r{};
        r.extent_start = abi::GuestPtr<abi::Pfn>::of(mfns + done);
        r.nr_extents = batch;
        r.extent_order = 0;
        r.mem_flags = 0;
        r.domid = domid;
        const long rc = hv::memory_op(abi::MemoryOp::populate_physmap, &r);
        if (rc < 0) return static_cast<Errno>(-rc);
        if (static_cast<uint64_t>(rc) != batch) return Errno::enomem;
        done += batch;
    }
    return Status::ok();
}

pv::Result<uint8_t*> HypervisorControl::map_foreign(uint16_t domid, uint64_t mfn) {
    return window_.map(domid, mfn);
}

void HypervisorControl::unmap_foreign(uint8_t* page) {
    window_.unmap(page);
}

// mmuext_op with foreigndom = domid: the pin is on the DomU's frame.
Status HypervisorControl::pin_l4_table(uint16_t domid, uint64_t mfn) {
    abi::MmuextOp op{};
    op.cmd = abi::raw(abi::MmuextCmd::pin_l4_table);
    op.arg1.mfn = mfn;
    uint32_t done = 0;
    return status_of(hv::call(abi::Hypercall::mmuext_op, hv::ptr(&op), 1, hv::ptr(&done), domid));
}

// ---- event channels ------------------------------------------------------------

// alloc_unbound in the DomU (dom = domid) for Dom0 (remote_dom = 0): the
// DomU's end of its console channel, which Dom0 then binds.
Result<uint32_t> HypervisorControl::alloc_unbound(uint16_t domid) {
    abi::EvtchnAllocUnbound op{};
    op.dom = domid;
    op.remote_dom = 0;
    TRY(status_of(hv::event_channel_op(abi::EventChannelOp::alloc_unbound, &op)));
    return op.port;
}

Result<uint32_t> HypervisorControl::bind_interdomain(uint16_t domid, uint32_t remote_port) {
    abi::EvtchnBindInterdomain op{};
    op.remote_dom = domid;
    op.remote_port = remote_port;
    TRY(status_of(hv::event_channel_op(abi::EventChannelOp::bind_interdomain, &op)));
    return op.local_port;
}

Status HypervisorControl::close_port(uint32_t local_port) {
    abi::EvtchnClose op{local_port};
    TRY(status_of(hv::event_channel_op(abi::EventChannelOp::close, &op)));
    // Forget an event that arrived before the close, so that a later port
    // with the same number does not start out pending.
    kernel_.events.clear_pending(local_port);
    kernel_.events.take_delivered(local_port);
    return Status::ok();
}

Status HypervisorControl::notify(uint32_t local_port) {
    abi::EvtchnSend op{local_port};
    return status_of(hv::event_channel_op(abi::EventChannelOp::send, &op));
}

// Events stay masked in the shell (evtchn_upcall_mask), so a port's event
// normally waits in shared_info's evtchn_pending bitmap; while Dom0 blocks,
// the upcall handler may have taken it from there instead (Events records
// it as delivered). Either way it is consumed here.
bool HypervisorControl::port_pending(uint32_t local_port) {
    Events& events = kernel_.events;
    bool fired = events.take_delivered(local_port);
    if (events.port_pending(local_port)) {
        events.clear_pending(local_port);
        fired = true;
    }
    return fired;
}

// sched_op poll on one port: returns when it is pending (events stay masked
// in the shell, so the event waits in evtchn_pending for port_pending), or
// at system time `deadline_ns` (Xen's timeout is absolute), whichever is
// first.
Status HypervisorControl::poll_port(uint32_t local_port, uint64_t deadline_ns) {
    uint32_t port = local_port;
    abi::SchedPoll op{};
    op.ports = abi::GuestPtr<uint32_t>::of(&port);
    op.nr_ports = 1;
    op.timeout = deadline_ns;
    // Another event (the timer, a console) may end the poll early: poll again
    // until the port is pending or the deadline passes.
    for (;;) {
        if (kernel_.events.port_pending(local_port)) return Status::ok();
        if (now_ns() >= deadline_ns) return Errno::etimedout;
        const long rc = hv::sched_op(abi::SchedOp::poll, &op);
        if (rc < 0) return static_cast<Errno>(-rc);
    }
}

Status HypervisorControl::yield_cpu() {
    return status_of(hv::sched_op(abi::SchedOp::yield));
}

// ---- hvm_op ------------------------------------------------------------------------

// HVMOP_set_param on another domain: hvm_op(HVMOP_set_param, &{domid, index,
// value}); the hypervisor reads the structure and answers 0 or -errno.
Status HypervisorControl::set_hvm_param(uint16_t domid, uint32_t index, uint64_t value) {
    abi::HvmParam op{};
    op.domid = domid;
    op.index = index;
    op.value = value;
    return status_of(
        hv::call(abi::Hypercall::hvm_op, abi::raw(abi::HvmOp::set_param), hv::ptr(&op)));
}

// ---- sched_op / time --------------------------------------------------------------

Status HypervisorControl::remote_shutdown(uint16_t domid, uint32_t reason) {
    abi::SchedRemoteShutdown op{};
    op.domain_id = domid;
    op.reason = reason;
    return status_of(hv::sched_op(abi::SchedOp::remote_shutdown, &op));
}

uint64_t HypervisorControl::now_ns() {
    const abi::VcpuInfo* vcpu = kernel_.events.vcpu_info();
    return vcpu != nullptr ? system_time_ns(vcpu->time) : 0;
}

// ---- xen_version -------------------------------------------------------------------

Status HypervisorControl::hypervisor_version(uint32_t& version, char* extra, size_t size) {
    const HypervisorVersion v = query_hypervisor_version();
    if (v.version < 0) return static_cast<Errno>(-v.version);
    if (v.extraversion_result < 0) return static_cast<Errno>(-v.extraversion_result);
    version = static_cast<uint32_t>(v.version);
    if (size == 0) return Status::ok();
    size_t n = 0;
    while (n + 1 < size && n < sizeof v.extraversion && v.extraversion[n] != '\0') {
        extra[n] = v.extraversion[n];
        ++n;
    }
    extra[n] = '\0';
    return Status::ok();
}

} // namespace minios
