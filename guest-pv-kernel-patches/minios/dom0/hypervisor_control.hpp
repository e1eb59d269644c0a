// The toolstack's ControlPlane in Dom0: each operation is one hypercall
// (sysctl/domctl with include/public/control.hpp's structures, memory_op,
// update_va_mapping_otherdomain, mmuext_op, event_channel_op, hvm_op, sched_op), and
// a negative result is the Errno of the Status, unchanged.
#pragma once

#include "dom0-tools/lib/toolstack/control_plane.hpp"
#include "dom0/foreign_window.hpp"
#include "kernel/kernel.hpp"

namespace minios {

class HypervisorControl final : public pv::tools::ControlPlane {
public:
    explicit HypervisorControl(Kernel& k) : kernel_(k) {}

    pv::Status physinfo(abi::SysctlPhysinfo& info) override;
    pv::Result<size_t> read_console(uint64_t& cursor, char* buffer, size_t size) override;

    pv::Status domain_info(uint16_t from, abi::DomctlDomainInfo& info) override;
    pv::Result<uint16_t> create_domain(abi::DomctlCreateDomain& create) override;
    pv::Status destroy_domain(uint16_t domid) override;
    pv::Status pause_domain(uint16_t domid) override;
    pv::Status unpause_domain(uint16_t domid) override;
    pv::Status set_max_memory(uint16_t domid, uint64_t max_memkb) override;
    pv::Status set_vcpu_context(uint16_t domid, uint32_t vcpu,
                                const abi::VcpuGuestContext& context) override;
    pv::Status vcpu_info(uint16_t domid, uint32_t vcpu, abi::DomctlVcpuInfo& info) override;
    pv::Status set_vcpu_affinity(uint16_t domid, uint32_t vcpu, uint64_t cpumap) override;
    pv::Status sched_credit(uint16_t domid, abi::DomctlSchedCredit& params) override;

    pv::Status populate(uint16_t domid, uint64_t first_pfn, uint64_t count,
                        uint64_t* mfns) override;
    pv::Result<uint8_t*> map_foreign(uint16_t domid, uint64_t mfn) override;
    void unmap_foreign(uint8_t* page) override;
    pv::Status pin_l4_table(uint16_t domid, uint64_t mfn) override;

    pv::Result<uint32_t> alloc_unbound(uint16_t domid) override;
    pv::Result<uint32_t> bind_interdomain(uint16_t domid, uint32_t remote_port) override;
    pv::Status close_port(uint32_t local_port) override;
    pv::Status notify(uint32_t local_port) override;
    bool port_pending(uint32_t local_port) override;
    pv::Status poll_port(uint32_t local_port, uint64_t deadline_ns) override;
    pv::Status yield_cpu() override;

    pv::Status set_hvm_param(uint16_t domid, uint32_t index, uint64_t value) override;

    pv::Status remote_shutdown(uint16_t domid, uint32_t reason) override;

    uint64_t now_ns() override;

    pv::Status hypervisor_version(uint32_t& version, char* extra, size_t size) override;
    pv::Status domain_counters(uint16_t domid, abi::DomainCounterValues& out) override;

    const ForeignWindow& window() const { return window_; }

private:
    pv::Status domctl(abi::DomctlCmd cmd, uint16_t domid, abi::Domctl& op);
    pv::Status sysctl(abi::SysctlCmd cmd, abi::Sysctl& op);

    Kernel& kernel_;
    ForeignWindow window_;
};

} // namespace minios
