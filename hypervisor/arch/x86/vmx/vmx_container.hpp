// One guest vCPU in Intel VMX non-root operation: its VMCS, MSR bitmap, EPT
// and saved general registers (SDM Vol. 3 Chapters 25-29).
//
// A VMCS is current and active on one CPU at a time, and its contents may
// live inside that CPU until VMCLEAR writes them back (§25.11.1). A vCPU may
// run on another CPU next time, so run() makes the VMCS current with
// VMPTRLD, enters with VMLAUNCH and ends with VMCLEAR on the same CPU: no
// VMCS ever stays active on a CPU after run() returns, and nothing needs an
// IPI. Outside run() the container works on its own copy of the guest state
// that exits change (RIP, RSP, RFLAGS, control registers, EFER,
// interruptibility, the pending event) and writes it back at the next entry.
// The price is a VMCLEAR, VMPTRLD and VMLAUNCH and those writes per entry;
// keeping the VMCS current while the vCPU stays on its CPU (VMRESUME, which
// the world switch supports) and clearing it on the old CPU by IPI when it
// moves would save them.
#pragma once

#include "arch/x86/hvm/container.hpp"
#include "arch/x86/hvm/table_frames.hpp"
#include "arch/x86/vmx/vmx_capabilities.hpp"
#include "core/hvm/nested_page_table.hpp"
#include "core/memory/frame_allocator.hpp"

#include <cstdint>

namespace pv::x86::vmx {

class VmxCpus;
struct VmexitInfo;

class VmxContainer final : public hvm::Container {
public:
    VmxContainer() = default;
    VmxContainer(const VmxContainer&) = delete;
    VmxContainer& operator=(const VmxContainer&) = delete;

    // Allocates the VMCS and MSR bitmap (every MSR intercepted but those the
    // world switch exchanges) and the EPT root, and loads `start`. `vpid` 0:
    // no VPID. On failure nothing stays allocated.
    Status init(FrameAllocator& frames, const VmxCpus& cpus, const VmxSetup& setup, uint16_t vpid,
                const hvm::GuestStart& start);
    void release();
    bool in_use() const { return vmcs_phys_ != 0; }

    hvm::GuestRegisters& registers() override { return registers_; }
    uint64_t rip() const override { return guest_.rip; }
    void set_rip(uint64_t rip) override;
    uint64_t rsp() const override { return guest_.rsp; }
    Status map(const hvm::GuestMemoryRange& range) override;
    Result<uint64_t> host_frame(uint64_t gfn) const override;
    bool can_inject_interrupt() const override;
    void inject_interrupt(uint8_t vector) override;
    void request_interrupt_window(bool on) override;
    hvm::GuestPaging paging() const override;
    // EFER: LMA stays the CPU's (it follows CR0.PG) and picks the "IA-32e
    // mode guest" entry control at the next entry.
    Result<uint64_t> read_state_msr(uint32_t index) const override;
    Status write_state_msr(uint32_t index, uint64_t value) override;
    void inject_exception(uint8_t vector, uint32_t error_code) override;
    void flush_guest_tlb() override { flush_pending_ = true; }
    Snapshot snapshot() const override;
    hvm::Exit run() override;

    uint16_t vpid() const { return vpid_; }

private:
    // The guest state this container keeps between runs (see the top).
    struct GuestState {
        uint64_t rip, rsp, rflags;
        uint64_t cr0, cr0_shadow, cr3, cr4, cr4_shadow, efer;
        uint64_t fs_base, gs_base, sysenter_cs, sysenter_esp, sysenter_eip, pat;
        uint32_t interruptibility;
        uint32_t entry_info, entry_error_code, entry_length; // the event to deliver at entry
        uint32_t processor_controls;
        uint16_t cs, ss;
        uint8_t cr8; // only when the CPU forces CR8 exiting
    };
    // The MSRs VMX does not switch and the world switch exchanges by hand.
    struct SyscallMsrs {
        uint64_t kernel_gs_base, star, lstar, cstar, sfmask;
    };

    void load_start_state(const hvm::GuestStart& start);
    void pass_through_msr(uint32_t msr);
    void write_fixed_fields();
    void write_host_state();
    void write_guest_state();
    void read_guest_state();
    // Enters the guest once; `internal` says the exit was handled here and
    // the caller should enter again. ExitReason::invalid_state carries in
    // vendor_code the exit reason (bit 31: entry failed on the guest state),
    // the VM-instruction error (VMLAUNCH failed with VMfailValid) or ~0
    // (VMX off on this CPU, VMCLEAR/VMPTRLD refused, VMfailInvalid).
    hvm::Exit enter(bool& internal);
    uint64_t switch_to_guest();
    VmexitInfo read_exit();
    bool emulate_cr_access(uint64_t qualification, uint32_t length);
    bool write_cr0(uint64_t value);
    uint64_t& gpr(unsigned index);
    uint64_t* state_msr(uint32_t index);
    void invalidate_translations();

    FrameAllocator* frames_ = nullptr;
    const VmxCpus* cpus_ = nullptr;
    const VmxSetup* setup_ = nullptr;
    uint64_t vmcs_phys_ = 0;
    uint64_t msr_bitmap_phys_ = 0;
    hvm::HypervisorTableFrames table_frames_;
    pv::nested::NestedPageTable ept_;
    hvm::GuestRegisters registers_{};
    uint64_t cr2_ = 0; // VMX keeps no CR2: the world switch swaps it
    SyscallMsrs msrs_{};
    GuestState guest_{};
    bool long64_start_ = false;
    uint16_t vpid_ = 0;
    uint32_t last_cpu_ = ~0u;   // where the VPID/EPTP translations may be; another CPU flushes first
    bool fields_written_ = false; // the VMCS holds the controls and the start state
    bool owns_table_ = false;     // ept_ is this container's own (GuestStart::nested_root was 0)
    bool flush_pending_ = false;
    uint64_t nested_root_ = 0;
};

} // namespace pv::x86::vmx
