// What a PVH domain has beyond what every domain has (PvDomain): its
// guest-physical memory as one nested table shared by its vCPUs' containers
// (Xen's p2m), a container per started vCPU, the HVM parameters the
// toolstack and the guest exchange through hvm_op, and the vectors that
// event upcalls arrive on. PV domains leave it inactive.
#pragma once

#include "arch/x86/hvm/container.hpp"
#include "arch/x86/hvm/table_frames.hpp"
#include "core/domain/domain.hpp"
#include "core/hvm/msr_policy.hpp"
#include "core/hvm/nested_page_table.hpp"
#include "core/hvm/vlapic.hpp"
#include "core/hvm_hypercalls/hvm_domain_ops.hpp"
#include "lib/spinlock.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv::x86::hvm {

class PvhDomain final : public HvmDomainOps {
public:
    // Xen 4.17's HVM_NR_PARAMS (abi::k_hvm_nr_params).
    static constexpr uint32_t k_param_count = 39;
    static constexpr uint64_t k_no_gfn = ~uint64_t{0};

    bool active() const { return backend_ != nullptr; }
    Backend& backend() const { return *backend_; }

    // The nested root, in the backend's format. ENOMEM without frames.
    Status init(Domain& domain, Backend& backend, FrameAllocator& frames);
    // Every container and table frame back (not the guest's own frames,
    // which the domain owns). Safe on an inactive domain.
    void release();

    // Guest frame `gfn` is backed by machine frame `mfn` (populate_physmap).
    // EEXIST: already backed; EINVAL: beyond the guest-physical limit.
    Status map(uint64_t gfn, uint64_t mfn);
    // Puts `mfn` at `gfn` whatever was there (add_to_physmap), and has every
    // container drop stale translations.
    Status remap(uint64_t gfn, uint64_t mfn);
    // The machine frame behind `gfn`; ENOENT where the guest has none.
    Result<uint64_t> machine_frame(uint64_t gfn) const;

    // vCPU `vcpu` starts at Xen's PVH start of day: 32-bit protected mode,
    // paging off, EIP = `entry`, EBX = `start_info` (the rest zero). A vCPU
    // started before gets a fresh container. EBUSY: no container free.
    Status start_vcpu(uint32_t vcpu, uint32_t entry, uint32_t start_info);
    Container* container(uint32_t vcpu) const {
        return vcpu < Domain::k_max_vcpus ? containers_[vcpu] : nullptr;
    }
    // The vCPU's MSRs the policy keeps, and its x2APIC (valid once started).
    pv::hvm::PvhMsrState& msr_state(uint32_t vcpu) { return msr_state_[vcpu]; }
    pv::hvm::Vlapic& vlapic(uint32_t vcpu) { return *reinterpret_cast<pv::hvm::Vlapic*>(vlapic_storage_[vcpu]); }

    // HvmDomainOps: hvm_op and memory_op for this domain.
    uint64_t param(uint32_t index) const override { return index < k_param_count ? params_[index] : 0; }
    void set_param(uint32_t index, uint64_t value) override;
    void set_upcall_vector(uint32_t vcpu, uint8_t vector) override { set_vcpu_upcall_vector(vcpu, vector); }
    long add_to_physmap(uint32_t space, uint64_t idx, uint64_t gpfn) override;
    long populated(uint64_t gfn, uint64_t mfn) override;
    long machine_frame_of(uint64_t gfn, uint64_t& mfn) const override {
        Result<uint64_t> m = machine_frame(gfn);
        if (!m) return -static_cast<long>(Errno::einval);
        mfn = *m;
        return 0;
    }

    // The vector event upcalls arrive on for `vcpu`: its own
    // (HVMOP_set_evtchn_upcall_vector), else the domain's
    // (HVM_PARAM_CALLBACK_IRQ of the vector type); 0: none yet.
    uint8_t upcall_vector(uint32_t vcpu) const;
    void set_vcpu_upcall_vector(uint32_t vcpu, uint8_t vector) {
        if (vcpu < Domain::k_max_vcpus) vcpu_vectors_[vcpu] = vector;
    }
    void set_domain_upcall_vector(uint8_t vector) { domain_vector_ = vector; }

    // The guest-physical frame its shared_info is mapped at, or k_no_gfn.
    uint64_t shared_info_gfn = k_no_gfn;

    // Bytes written to the debug port 0xE9, logged a line at a time.
    static constexpr uint32_t k_debug_line = 120;
    char debug_line[k_debug_line] = {};
    uint32_t debug_length = 0;

private:
    void flush_all_containers();

    Domain* domain_ = nullptr;
    Backend* backend_ = nullptr;
    HypervisorTableFrames table_frames_;
    pv::nested::NestedPageTable p2m_;
    mutable SpinLock lock_; // p2m_ changes: populate from Dom0 and the guest's own calls
    Container* containers_[Domain::k_max_vcpus] = {};
    uint64_t params_[k_param_count] = {};
    uint8_t vcpu_vectors_[Domain::k_max_vcpus] = {};
    pv::hvm::PvhMsrState msr_state_[Domain::k_max_vcpus];
    alignas(pv::hvm::Vlapic) unsigned char vlapic_storage_[Domain::k_max_vcpus][sizeof(pv::hvm::Vlapic)];
    uint8_t domain_vector_ = 0;
};

} // namespace pv::x86::hvm
