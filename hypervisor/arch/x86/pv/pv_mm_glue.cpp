#include "arch/x86/pv/pv_mm_glue.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/paging.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/pv/remote_tlb.hpp"
#include "core/domain/domain.hpp"
#include "lib/log.hpp"

namespace pv::x86 {

namespace {
constexpr uint64_t k_page = 4096;
volatile uint64_t* entries_of(uint64_t mfn) { return static_cast<volatile uint64_t*>(phys_to_virt(mfn * k_page)); }

void flush_all() { flush_tlb_including_global(); }
} // namespace

void flush_tlb_including_global() {
    uint64_t cr4 = read_cr4();
    if (cr4 & cr4::pge) {
        write_cr4(cr4 & ~cr4::pge);
        write_cr4(cr4);
    } else {
        write_cr3(read_cr3());
    }
}

uint64_t DirectMapFrameMemory::read(uint64_t mfn, unsigned index) { return entries_of(mfn)[index & 511]; }

void DirectMapFrameMemory::write(uint64_t mfn, unsigned index, uint64_t value) { entries_of(mfn)[index & 511] = value; }

bool DirectMapFrameMemory::compare_exchange(uint64_t mfn, unsigned index, uint64_t& expected, uint64_t desired) {
    // Locked: the CPU sets accessed/dirty bits in live entries concurrently.
    auto* slot = const_cast<uint64_t*>(&entries_of(mfn)[index & 511]);
    return __atomic_compare_exchange_n(slot, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

void DirectMapFrameMemory::copy_frame(uint64_t dst_mfn, uint64_t src_mfn) {
    volatile uint64_t* d = entries_of(dst_mfn);
    volatile uint64_t* s = entries_of(src_mfn);
    for (unsigned i = 0; i < 512; ++i) d[i] = s[i];
}

void DirectMapFrameMemory::clear_frame(uint64_t mfn) {
    volatile uint64_t* d = entries_of(mfn);
    for (unsigned i = 0; i < 512; ++i) d[i] = 0;
}

void PvMmuHooks::flush_local(Vcpu&, bool one_va, uint64_t va) {
    if (one_va)
        invlpg(va);
    else
        flush_all();
}

void PvMmuHooks::flush_vcpus(Domain& domain, VcpuMask, bool one_va, uint64_t va) {
    if (one_va)
        invlpg(va);
    else
        flush_all();
    flush_remote_tlbs(&domain); // the domain's vCPUs running elsewhere now
}

void PvMmuHooks::flush_stale_mappings(uint64_t) {
    flush_all();
    flush_remote_tlbs(nullptr); // the frame may be mapped by any guest
}

void PvMmuHooks::baseptr_changed(Vcpu& vcpu) {
    if (this_cpu().current != &vcpu) return;
    uint64_t cr3 = vcpu.pv.kernel_mode ? vcpu.pv.kernel_cr3 : vcpu.pv.user_cr3;
    if (cr3) write_cr3(cr3);
}

void PvMmuHooks::set_ldt(Vcpu& vcpu, uint64_t base, uint32_t entries) {
    // An LDT's descriptors must live in frames the guest can no longer
    // write, shadow-mapped into the hypervisor; until that exists the guest
    // runs with a null LDT, and any LDT selector it loads faults back to it.
    if (entries != 0)
        log_warning("d{}v{}: LDT of {} entries at {:#x} not installed (not supported yet)", vcpu.domain().id(),
                    vcpu.id(), entries, base);
    asm volatile("lldt %w0" ::"r"(0));
}

void PvMmuHooks::flush_cache(bool) { asm volatile("wbinvd" ::: "memory"); }

Result<uint64_t> AllocatorDomainFrames::alloc(Domain& domain) {
    if (domain.tot_pages >= domain.max_pages) return Errno::enomem;
    uint64_t mfn = TRY(frames_.alloc(domain.id()));
    volatile uint64_t* page = entries_of(mfn);
    for (unsigned i = 0; i < 512; ++i) page[i] = 0;
    ++domain.tot_pages;
    return mfn;
}

Result<uint64_t> AllocatorDomainFrames::alloc_shared(Domain& domain) {
    uint64_t mfn = TRY(frames_.alloc(domain.id()));
    volatile uint64_t* page = entries_of(mfn);
    for (unsigned i = 0; i < 512; ++i) page[i] = 0;
    if (FrameInfo* info = frames_.frame_table().lookup(mfn)) info->flags |= k_frame_shared;
    return mfn;
}

void AllocatorDomainFrames::free(uint64_t mfn) {
    const FrameInfo* info = frames_.frame_table().lookup(mfn);
    if (!info) return;
    const bool counted = (info->flags & k_frame_shared) == 0;
    Domain* owner = lookup_ ? lookup_(info->owner) : nullptr;
    if (frames_.free(mfn) && counted && owner && owner->tot_pages > 0) --owner->tot_pages;
}

} // namespace pv::x86
