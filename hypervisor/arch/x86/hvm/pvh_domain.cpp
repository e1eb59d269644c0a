#include "arch/x86/hvm/pvh_domain.hpp"

#include "include/public/hvm.hpp"
#include "include/public/memory.hpp"

#include <new>

namespace pv::x86::hvm {

Status PvhDomain::init(Domain& domain, Backend& backend, FrameAllocator& frames) {
    if (active()) return Errno::ebusy;
    domain_ = &domain;
    table_frames_ = HypervisorTableFrames(&frames);
    TRY(p2m_.init(table_frames_, backend.nested_format()));
    backend_ = &backend;
    return Status::ok();
}

void PvhDomain::release() {
    if (!active()) return;
    for (Container*& c : containers_) {
        if (c) backend_->destroy(c);
        c = nullptr;
    }
    p2m_.destroy();
    backend_ = nullptr;
}

Status PvhDomain::map(uint64_t gfn, uint64_t mfn) {
    if (gfn >= (pv::nested::NestedPageTable::k_guest_physical_limit >> 12)) return Errno::einval;
    LockGuard guard(lock_);
    return p2m_.map(gfn << 12, mfn << 12);
}

Status PvhDomain::remap(uint64_t gfn, uint64_t mfn) {
    if (gfn >= (pv::nested::NestedPageTable::k_guest_physical_limit >> 12)) return Errno::einval;
    {
        LockGuard guard(lock_);
        TRY(p2m_.remap(gfn << 12, mfn << 12));
    }
    flush_all_containers();
    return Status::ok();
}

Result<uint64_t> PvhDomain::machine_frame(uint64_t gfn) const {
    if (gfn >= (pv::nested::NestedPageTable::k_guest_physical_limit >> 12)) return Errno::enoent;
    LockGuard guard(lock_);
    return TRY(p2m_.translate(gfn << 12)) >> 12;
}

// A container that runs on another CPU right now picks the flush up at its
// next entry; the caller (the guest itself, or the toolstack before the
// domain runs) does not need the old translation gone sooner.
void PvhDomain::flush_all_containers() {
    for (Container* c : containers_)
        if (c) c->flush_guest_tlb();
}

Status PvhDomain::start_vcpu(uint32_t vcpu, uint32_t entry, uint32_t start_info) {
    if (!active() || vcpu >= Domain::k_max_vcpus) return Errno::einval;
    GuestStart start;
    start.mode = GuestMode::protected32_unpaged;
    start.rip = entry;
    start.registers.rbx = start_info;
    start.nested_root = p2m_.root();
    Container* fresh = TRY(backend_->create(start));
    if (containers_[vcpu]) backend_->destroy(containers_[vcpu]);
    containers_[vcpu] = fresh;
    // Reset state: x2APIC enabled, PAT and MTRR defaults.
    new (vlapic_storage_[vcpu]) pv::hvm::Vlapic(vcpu);
    msr_state_[vcpu] = pv::hvm::PvhMsrState{};
    return Status::ok();
}

void PvhDomain::set_param(uint32_t index, uint64_t value) {
    if (index >= k_param_count) return;
    params_[index] = value;
    if (index == abi::raw(abi::HvmParamIndex::callback_irq))
        domain_vector_ = value == 0 ? 0 : abi::hvm_callback_vector(value);
}

long PvhDomain::add_to_physmap(uint32_t space, uint64_t idx, uint64_t gpfn) {
    // Only shared_info: grant-table frames and moving RAM (gmfn) are not
    // offered yet.
    if (space != abi::raw(abi::MapSpace::shared_info) || idx != 0) return -static_cast<long>(Errno::einval);
    Status s = remap(gpfn, domain_->shared_info_mfn);
    if (!s) return -static_cast<long>(s.error());
    shared_info_gfn = gpfn;
    return 0;
}

long PvhDomain::populated(uint64_t gfn, uint64_t mfn) {
    Status s = map(gfn, mfn);
    return s ? 0 : -static_cast<long>(s.error());
}

uint8_t PvhDomain::upcall_vector(uint32_t vcpu) const {
    if (vcpu < Domain::k_max_vcpus && vcpu_vectors_[vcpu]) return vcpu_vectors_[vcpu];
    return domain_vector_;
}

} // namespace pv::x86::hvm
