// The machine side of the PV MMU (core/pv_mm): frames read and written
// through the direct map, TLB and CR3 maintenance, and frames for
// memory_op reservations from the frame allocator.
#pragma once

#include "core/memory/frame_allocator.hpp"
#include "core/pv_mm/frame_memory.hpp"

namespace pv::x86 {

// A full TLB flush including global entries (guests may set G on their L1
// entries): toggling CR4.PGE flushes everything (SDM Vol. 3 §4.10.4.1).
// Needed whenever another domain's mappings may be cached.
void flush_tlb_including_global();

class DirectMapFrameMemory final : public FrameMemory {
public:
    uint64_t read(uint64_t mfn, unsigned index) override;
    void write(uint64_t mfn, unsigned index, uint64_t value) override;
    bool compare_exchange(uint64_t mfn, unsigned index, uint64_t& expected, uint64_t desired) override;
    void copy_frame(uint64_t dst_mfn, uint64_t src_mfn) override;
    void clear_frame(uint64_t mfn) override;
};

// A switch to a vCPU flushes everything (including global entries), so a
// vCPU that moves between CPUs never meets stale entries; flushes for a
// domain also reach the other CPUs running its vCPUs at that moment, and
// flushes for a frame changing hands every CPU running a guest
// (remote_tlb.hpp).
class PvMmuHooks final : public MmuHooks {
public:
    void flush_local(Vcpu& vcpu, bool one_va, uint64_t va) override;
    void flush_vcpus(Domain& domain, VcpuMask vcpus, bool one_va, uint64_t va) override;
    void flush_stale_mappings(uint64_t mfn) override;
    void baseptr_changed(Vcpu& vcpu) override;
    void set_ldt(Vcpu& vcpu, uint64_t base, uint32_t entries) override;
    void flush_cache(bool global) override;
};

class AllocatorDomainFrames final : public DomainFrames {
public:
    using DomainLookup = Domain* (*)(uint16_t id);
    AllocatorDomainFrames(FrameAllocator& frames, DomainLookup lookup) : frames_(frames), lookup_(lookup) {}
    Result<uint64_t> alloc(Domain& domain) override;
    Result<uint64_t> alloc_shared(Domain& domain) override;
    void free(uint64_t mfn) override;

private:
    FrameAllocator& frames_;
    DomainLookup lookup_;
};

} // namespace pv::x86
