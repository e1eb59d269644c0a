#include "arch/x86/svm/svm_cpus.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/paging.hpp"

#include <cstring>

namespace pv::x86::svm {

namespace {

constexpr uint32_t k_msr_vm_hsave_pa = 0xc0010117; // APM Vol. 2 §15.30.4
constexpr uint64_t k_efer_svme = 1ull << 12;
constexpr uint64_t k_vm_cr_svmdis = 1ull << 4;

Result<uint64_t> zeroed_frame(FrameAllocator& frames) {
    Result<uint64_t> mfn = frames.alloc(k_owner_hypervisor);
    if (!mfn) return mfn.status();
    memset(phys_to_virt(*mfn << 12), 0, 4096);
    return *mfn << 12;
}

} // namespace

Status SvmCpus::enable_this_cpu(uint32_t cpu_index, FrameAllocator& frames) {
    if (cpu_index >= k_max_cpus) return Errno::einval;
    if (host_save_phys_[cpu_index] != 0) return Errno::ebusy;
    if (rdmsr(msr::vm_cr) & k_vm_cr_svmdis) return Errno::enodev;
    Result<uint64_t> hsave = zeroed_frame(frames);
    if (!hsave) return hsave.status();
    Result<uint64_t> host_save = zeroed_frame(frames);
    if (!host_save) {
        (void)frames.free(*hsave >> 12);
        return host_save.status();
    }
    wrmsr(msr::efer, rdmsr(msr::efer) | k_efer_svme);
    wrmsr(k_msr_vm_hsave_pa, *hsave);
    hsave_phys_[cpu_index] = *hsave;
    host_save_phys_[cpu_index] = *host_save;
    return Status::ok();
}

} // namespace pv::x86::svm
