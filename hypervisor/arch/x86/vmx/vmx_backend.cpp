#include "arch/x86/vmx/vmx_backend.hpp"

#include "arch/x86/cpu.hpp"

namespace pv::x86::vmx {

CapabilityMsrs read_capabilities() {
    CapabilityMsrs m;
    m.basic = rdmsr(msr::basic);
    const bool true_controls = m.basic & basic::true_controls;
    m.pin = rdmsr(true_controls ? msr::true_pin_controls : msr::pin_controls);
    m.processor = rdmsr(true_controls ? msr::true_processor_controls : msr::processor_controls);
    m.exit = rdmsr(true_controls ? msr::true_exit_controls : msr::exit_controls);
    m.entry = rdmsr(true_controls ? msr::true_entry_controls : msr::entry_controls);
    // The secondary controls and the EPT/VPID MSR exist only when the
    // processor-based controls allow secondary controls (Appendix A.3.3, A.10).
    if (m.processor >> 32 & proc::secondary_controls) {
        m.secondary = rdmsr(msr::secondary_controls);
        const uint32_t allowed = static_cast<uint32_t>(m.secondary >> 32);
        if (allowed & (proc2::enable_ept | proc2::enable_vpid)) m.ept_vpid = rdmsr(msr::ept_vpid_cap);
    }
    m.cr0_fixed0 = rdmsr(msr::cr0_fixed0);
    m.cr0_fixed1 = rdmsr(msr::cr0_fixed1);
    m.cr4_fixed0 = rdmsr(msr::cr4_fixed0);
    m.cr4_fixed1 = rdmsr(msr::cr4_fixed1);
    return m;
}

Result<hvm::Container*> VmxBackend::create(const hvm::GuestStart& start) {
    LockGuard guard(lock_);
    for (uint32_t slot = 0; slot < k_max_containers; ++slot) {
        VmxContainer& container = containers_[slot];
        if (container.in_use()) continue;
        // The slot's VPID: slot + 1, never the host's 0 (§29.1).
        const uint16_t vpid = setup_.vpid ? static_cast<uint16_t>(slot + 1) : 0;
        Status s = container.init(frames_, cpus_, setup_, vpid, start);
        if (!s) return s;
        return static_cast<hvm::Container*>(&container);
    }
    return Errno::ebusy;
}

void VmxBackend::destroy(hvm::Container* container) {
    LockGuard guard(lock_);
    for (VmxContainer& c : containers_)
        if (&c == container) c.release();
}

} // namespace pv::x86::vmx
