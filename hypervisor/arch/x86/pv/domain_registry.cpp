#include "arch/x86/pv/domain_registry.hpp"

#include "arch/x86/paging.hpp"

namespace pv::x86 {

Result<PvDomain*> DomainRegistry::create(uint32_t id, bool privileged) {
    LockGuard guard(lock_);
    if (id == k_any_id) {
        // Dom0 keeps 0; others go round 1..k_max_domain_id-1.
        for (uint32_t tries = 0; tries < k_max_domain_id - 1 && id == k_any_id; ++tries) {
            uint32_t candidate = next_id_;
            next_id_ = next_id_ + 1 < k_max_domain_id ? next_id_ + 1 : 1;
            if (!slots_[candidate]) id = candidate;
        }
        if (id == k_any_id) return Errno::enospc;
    } else if (id >= k_max_domain_id) {
        return Errno::einval;
    } else if (slots_[id]) {
        return Errno::eexist;
    }
    uint64_t first = TRY(frames_->alloc_contiguous(pages(), 1, k_owner_hypervisor));
    void* memory = phys_to_virt(first * k_page);
    auto* bytes = static_cast<uint64_t*>(memory);
    for (size_t i = 0; i < pages() * k_page / 8; ++i) bytes[i] = 0;
    auto* domain = new (memory) PvDomain(static_cast<DomainId>(id), privileged, *services_);
    for (uint64_t& deadline : domain->timer_deadline) deadline = ~uint64_t{0};
    __atomic_store_n(&slots_[id], domain, __ATOMIC_RELEASE);
    return domain;
}

void DomainRegistry::release(PvDomain& domain) {
    const DomainId id = domain.domain.id();
    {
        LockGuard guard(lock_);
        __atomic_store_n(&slots_[id], nullptr, __ATOMIC_RELEASE);
    }
    domain.~PvDomain();
    (void)frames_->free_contiguous(virt_to_phys(&domain) / k_page, pages());
}

uint32_t DomainRegistry::count() const {
    uint32_t n = 0;
    for (PvDomain* slot : slots_) n += slot != nullptr;
    return n;
}

} // namespace pv::x86
