// ControlPlane: every hypervisor operation the toolstack uses, one virtual
// call each. Dom0 implements it with hypercalls (guest-pv-kernel-patches/
// minios/dom0); the host tests implement it with a simulated hypervisor.
// The toolstack (builder, pvctl verbs, console backend) speaks to nothing
// else, so all of its logic runs and is tested on the host.
//
// Errors are the hypervisor's: a negative errno from the hypercall becomes
// the Errno of the Result/Status, unchanged.
#pragma once

#include "include/public/control.hpp"
#include "include/public/vcpu_context.hpp"
#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

class ControlPlane {
public:
    // --- sysctl ------------------------------------------------------------
    virtual Status physinfo(abi::SysctlPhysinfo& info) = 0;
    // The hypervisor's log from absolute position `cursor` (advanced past
    // what was read); returns the bytes copied (0: nothing new).
    virtual Result<size_t> read_console(uint64_t& cursor, char* buffer, size_t size) = 0;

    // --- domctl ------------------------------------------------------------
    // The first domain with id >= `from` (ESRCH: none).
    virtual Status domain_info(uint16_t from, abi::DomctlDomainInfo& info) = 0;
    // createdomain: fills `create.shared_info_mfn`; returns the new id.
    virtual Result<uint16_t> create_domain(abi::DomctlCreateDomain& create) = 0;
    virtual Status destroy_domain(uint16_t domid) = 0;
    virtual Status pause_domain(uint16_t domid) = 0;
    virtual Status unpause_domain(uint16_t domid) = 0;
    virtual Status set_max_memory(uint16_t domid, uint64_t max_memkb) = 0;
    virtual Status set_vcpu_context(uint16_t domid, uint32_t vcpu, const abi::VcpuGuestContext& context) = 0;
    virtual Status vcpu_info(uint16_t domid, uint32_t vcpu, abi::DomctlVcpuInfo& info) = 0;
    virtual Status set_vcpu_affinity(uint16_t domid, uint32_t vcpu, uint64_t cpumap) = 0;
    // sched_credit: get (set = false; weight and cap are OUT) or set.
    virtual Status sched_credit(uint16_t domid, abi::DomctlSchedCredit& params) = 0;

    // --- Memory of another domain -------------------------------------------
    // memory_op populate_physmap for `domid`: frames for guest pfns
    // [first_pfn, first_pfn + count), their machine frames into mfns[].
    // A short count is an error (ENOMEM); frames already given stay given
    // (destroying the domain returns them).
    virtual Status populate(uint16_t domid, uint64_t first_pfn, uint64_t count, uint64_t* mfns) = 0;
    // A writable mapping of frame `mfn` owned by `domid` in Dom0's address
    // space (a foreign mapping), or an error. Mappings are few (a handful at
    // a time); each must be unmapped before the domain's page tables are
    // validated (set_vcpu_context) and before it is destroyed.
    virtual Result<uint8_t*> map_foreign(uint16_t domid, uint64_t mfn) = 0;
    virtual void unmap_foreign(uint8_t* page) = 0;
    // mmuext_op pin_l4_table of `domid`'s frame `mfn` (foreigndom = domid):
    // validates the start page tables and pins them, as Xen's toolstack does
    // before setvcpucontext, so that the guest may unpin them (Linux does,
    // once it runs on its own). No foreign mappings may be live.
    virtual Status pin_l4_table(uint16_t domid, uint64_t mfn) = 0;

    // --- Event channels ------------------------------------------------------
    // alloc_unbound in `domid` for Dom0: the port in `domid`.
    virtual Result<uint32_t> alloc_unbound(uint16_t domid) = 0;
    // bind_interdomain to (domid, remote_port): Dom0's local port.
    virtual Result<uint32_t> bind_interdomain(uint16_t domid, uint32_t remote_port) = 0;
    virtual Status close_port(uint32_t local_port) = 0;
    virtual Status notify(uint32_t local_port) = 0;
    // Whether a Dom0 port has fired since the last call (clears it).
    virtual bool port_pending(uint32_t local_port) = 0;

    // --- hvm_op --------------------------------------------------------------
    // HVMOP_set_param on `domid` (a PVH domain): HVM parameter `index`
    // (abi::HvmParamIndex, include/public/hvm.hpp) = `value`. How a PVH guest
    // finds its console ring and channel (it has no start_info): the
    // toolstack sets them before the first unpause. EINVAL for a PV domain
    // or an index the hypervisor does not know.
    virtual Status set_hvm_param(uint16_t domid, uint32_t index, uint64_t value) = 0;

    // --- sched_op ----------------------------------------------------------
    // remote_shutdown: the domain stops with `reason` (abi::ShutdownReason).
    virtual Status remote_shutdown(uint16_t domid, uint32_t reason) = 0;

    // System time in ns (for CPU shares and timestamps).
    virtual uint64_t now_ns() = 0;

    // --- xen_version (any domain may ask) ------------------------------------
    // XENVER_version ((major << 16) | minor) into `version` and
    // XENVER_extraversion (NUL-terminated, at most `size` bytes with the NUL)
    // into `extra`, for `pvctl info`. Optional: without it `info` leaves the
    // version line out.
    virtual Status hypervisor_version(uint32_t& version, char* extra, size_t size) {
        (void)version, (void)extra, (void)size;
        return Errno::enosys;
    }

    // --- domctl getdomaincounters ---------------------------------------------
    // What domain `domid` made the hypervisor do (hypercalls, exceptions,
    // bounces, events), for `pvctl counters`. Optional: ENOSYS without it.
    virtual Status domain_counters(uint16_t domid, abi::DomainCounterValues& out) {
        (void)domid, (void)out;
        return Errno::enosys;
    }

    // --- sched_op poll / yield (pvctl bench-events) ----------------------------
    // Waits (sched_op poll) until Dom0's `local_port` is pending or system
    // time `deadline_ns` passes (ETIMEDOUT); does not clear the port (take it
    // with port_pending). Optional: ENOSYS without it.
    virtual Status poll_port(uint32_t local_port, uint64_t deadline_ns) {
        (void)local_port, (void)deadline_ns;
        return Errno::enosys;
    }
    // sched_op yield: the calling vCPU gives way to others on its CPU.
    virtual Status yield_cpu() { return Errno::enosys; }

protected:
    ~ControlPlane() = default;
};

} // namespace pv::tools
