#include "arch/x86/vmx/vmx_cpus.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/paging.hpp"
#include "arch/x86/vmx/vmx_instructions.hpp"

#include <cstring>

namespace pv::x86::vmx {

namespace {

// IA32_FEATURE_CONTROL (SDM Vol. 3 §25.7): the lock bit and "VMXON outside
// SMX operation". Once locked, the MSR cannot change until reset.
constexpr uint64_t k_feature_control_lock = 1ull << 0;
constexpr uint64_t k_feature_control_vmxon = 1ull << 2;

} // namespace

Status VmxCpus::enable_this_cpu(uint32_t cpu_index, const VmxSetup& setup, FrameAllocator& frames) {
    if (cpu_index >= k_max_cpus) return Errno::einval;
    if (vmxon_phys_[cpu_index] != 0) return Errno::ebusy;
    uint64_t control = rdmsr(pv::x86::msr::feature_control);
    if (!(control & k_feature_control_lock)) {
        control |= k_feature_control_lock | k_feature_control_vmxon;
        wrmsr(pv::x86::msr::feature_control, control);
    }
    if (!(control & k_feature_control_vmxon)) return Errno::enodev;

    Result<uint64_t> mfn = frames.alloc(k_owner_hypervisor);
    if (!mfn) return mfn.status();
    const uint64_t region = *mfn << 12;
    memset(phys_to_virt(region), 0, 4096);
    // The region starts with the VMCS revision identifier, bit 31 clear (§25.11.5).
    *static_cast<uint32_t*>(phys_to_virt(region)) = setup.revision;

    // VMXON needs CR0 and CR4 within the fixed bits (§25.8); the host keeps
    // them (the hypervisor runs with PE, PG and NE already; CR4.VMXE is new).
    InterruptsOff off;
    write_cr0((read_cr0() | setup.cr0_fixed0) & setup.cr0_fixed1);
    write_cr4((read_cr4() | setup.cr4_fixed0) & setup.cr4_fixed1);
    if (!vmxon(region)) {
        (void)frames.free(*mfn);
        return Errno::enodev;
    }
    vmxon_phys_[cpu_index] = region;
    return Status::ok();
}

} // namespace pv::x86::vmx
