// Every live domain by id, each PvDomain in hypervisor frames of its own.
// Ids are handed out round-robin (as Xen does) so that a destroyed domain's
// id is not reused at once.
#pragma once

#include "arch/x86/pv/pv_domain.hpp"
#include "core/control/control.hpp"
#include "core/memory/frame_allocator.hpp"
#include "lib/spinlock.hpp"
#include "lib/status.hpp"

namespace pv::x86 {

class DomainRegistry {
public:
    void init(FrameAllocator& frames, HypervisorServices& services) {
        frames_ = &frames;
        services_ = &services;
    }

    // A new PvDomain with id `id`, or the next free id when `id` is
    // k_any_id. ENOSPC: no free id; EEXIST: `id` taken; ENOMEM.
    static constexpr uint32_t k_any_id = ~0u;
    Result<PvDomain*> create(uint32_t id, bool privileged);
    // Gives the PvDomain's frames back; its id becomes free.
    void release(PvDomain& domain);

    PvDomain* find(DomainId id) const {
        return id < k_max_domain_id ? __atomic_load_n(&slots_[id], __ATOMIC_ACQUIRE) : nullptr;
    }
    PvDomain* find(const Domain& domain) const { return find(domain.id()); }
    uint32_t count() const;
    SpinLock& lock() { return lock_; }

private:
    static constexpr uint64_t k_page = 4096;
    static constexpr size_t pages() { return (sizeof(PvDomain) + k_page - 1) / k_page; }

    FrameAllocator* frames_ = nullptr;
    HypervisorServices* services_ = nullptr;
    PvDomain* slots_[k_max_domain_id] = {};
    uint32_t next_id_ = 1;
    SpinLock lock_;
};

} // namespace pv::x86
