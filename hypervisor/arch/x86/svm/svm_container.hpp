// One guest vCPU in AMD SVM guest mode: its VMCB, I/O and MSR permission
// maps, nested page table and saved general registers (APM Vol. 2 §15).
#pragma once

#include "arch/x86/hvm/container.hpp"
#include "arch/x86/hvm/table_frames.hpp"
#include "arch/x86/svm/vmcb.hpp"
#include "core/hvm/nested_page_table.hpp"
#include "core/memory/frame_allocator.hpp"

#include <cstdint>

namespace pv::x86::svm {

class SvmCpus;

class SvmContainer final : public hvm::Container {
public:
    SvmContainer() = default;
    SvmContainer(const SvmContainer&) = delete;
    SvmContainer& operator=(const SvmContainer&) = delete;

    // Allocates the VMCB, the permission maps (everything intercepted) and
    // the nested root, and loads `start`. On failure nothing stays allocated.
    Status init(FrameAllocator& frames, const SvmCpus& cpus, uint32_t asid,
                const hvm::GuestStart& start);
    void release();
    bool in_use() const { return vmcb_ != nullptr; }

    hvm::GuestRegisters& registers() override { return registers_; }
    uint64_t rip() const override { return vmcb_->save.rip; }
    void set_rip(uint64_t rip) override {
        vmcb_->save.rip = rip;
        vmcb_->control.interrupt_shadow &= ~k_interrupt_shadow;
    }
    uint64_t rsp() const override { return vmcb_->save.rsp; }
    Status map(const hvm::GuestMemoryRange& range) override;
    Result<uint64_t> host_frame(uint64_t gfn) const override;
    bool can_inject_interrupt() const override;
    void inject_interrupt(uint8_t vector) override;
    void request_interrupt_window(bool on) override;
    hvm::GuestPaging paging() const override;
    void flush_guest_tlb() override { flush_pending_ = true; }
    Snapshot snapshot() const override;
    hvm::Exit run() override;
    Result<uint64_t> read_state_msr(uint32_t index) const override;
    // SVME stays set in the guest's EFER, as VMRUN requires (§15.5.1).
    Status write_state_msr(uint32_t index, uint64_t value) override;
    void inject_exception(uint8_t vector, uint32_t error_code) override;

    uint32_t asid() const { return asid_; }

private:
    void load_start_state(const hvm::GuestStart& start);
    void pass_through_msr(uint32_t msr);

    FrameAllocator* frames_ = nullptr;
    const SvmCpus* cpus_ = nullptr;
    Vmcb* vmcb_ = nullptr;
    uint64_t vmcb_phys_ = 0;
    uint64_t iopm_phys_ = 0;
    uint64_t msrpm_phys_ = 0;
    hvm::HypervisorTableFrames table_frames_;
    pv::nested::NestedPageTable npt_;
    hvm::GuestRegisters registers_{};
    uint32_t asid_ = 0;
    uint32_t last_cpu_ = ~0u; // where the ASID's TLB entries may be; another CPU flushes first
    bool owns_table_ = false; // npt_ is this container's own (GuestStart::nested_root was 0)
    bool flush_pending_ = false;
    uint64_t nested_root_ = 0;
};

} // namespace pv::x86::svm
