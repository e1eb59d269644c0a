#include "arch/x86/vmx/vmx_container.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/gdt.hpp"
#include "arch/x86/paging.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/vmx/exit_decode.hpp"
#include "arch/x86/vmx/guest_bits.hpp"
#include "arch/x86/vmx/vmcs_fields.hpp"
#include "arch/x86/vmx/vmx_cpus.hpp"
#include "arch/x86/vmx/vmx_instructions.hpp"

#include <cstring>

// world_switch.S: 0 after a VM exit, 1 after VMfailInvalid, 2 after VMfailValid.
extern "C" uint64_t vmx_world_switch(pv::x86::hvm::GuestRegisters* regs, uint64_t* guest_cr2,
                                     uint64_t launched);

namespace pv::x86::vmx {

using namespace bits;

namespace {

// The host's data selector for DS and ES after an exit (write_fixed_fields).
constexpr uint16_t k_host_data = selector::hypervisor_data;

struct [[gnu::packed]] TablePointer {
    uint16_t limit;
    uint64_t base;
};

struct HostSegments {
    uint16_t ds, es, fs, gs;
    TablePointer gdt;
    uint64_t dr7;
};

HostSegments save_host_segments() {
    HostSegments h{};
    asm volatile("mov %%ds, %0\n\tmov %%es, %1\n\tmov %%fs, %2\n\tmov %%gs, %3"
                 : "=r"(h.ds), "=r"(h.es), "=r"(h.fs), "=r"(h.gs));
    asm volatile("sgdt %0" : "=m"(h.gdt));
    asm volatile("mov %%dr7, %0" : "=r"(h.dr7));
    return h;
}

// Selectors that can be loaded again without a fault: those of the
// hypervisor's own GDT page (its ring-0 data and the flat ring-3 entries
// every PV guest uses). Anything else may be stale (an AP's boot selectors,
// a PV guest's descriptor since changed) and is not reloaded.
bool reloadable(uint16_t selector) {
    switch (selector & ~uint16_t{3}) {
    case selector::hypervisor_data & ~3:
    case selector::guest_code32 & ~3:
    case selector::guest_data & ~3:
    case selector::guest_code64 & ~3:
        return true;
    default:
        return false;
    }
}

// A VM exit loads the host-state selectors, sets the GDTR limit to FFFFh
// and DR7 to 400h (§28.5.1-§28.5.2). What the hypervisor had before (a PV
// guest's selectors are live in DS/ES/FS/GS while the hypervisor runs) goes
// back where it can (reloadable); FS and GS keep the bases the exit
// restored. The others stay as the exit left them: DS/ES the hypervisor's
// data selector, FS/GS null.
void restore_host_segments(const HostSegments& h) {
    asm volatile("lgdt %0" ::"m"(h.gdt));
    if (h.ds != k_host_data && reloadable(h.ds)) asm volatile("mov %0, %%ds" ::"r"(uint32_t{h.ds}));
    if (h.es != k_host_data && reloadable(h.es)) asm volatile("mov %0, %%es" ::"r"(uint32_t{h.es}));
    if (reloadable(h.fs)) {
        const uint64_t base = rdmsr(k_msr_fs_base);
        asm volatile("mov %0, %%fs" ::"r"(uint32_t{h.fs}));
        wrmsr(k_msr_fs_base, base);
    }
    if (reloadable(h.gs)) {
        const uint64_t base = rdmsr(k_msr_gs_base);
        asm volatile("mov %0, %%gs" ::"r"(uint32_t{h.gs}));
        wrmsr(k_msr_gs_base, base);
    }
    if (h.dr7 != k_dr7_reset) asm volatile("mov %0, %%dr7" ::"r"(h.dr7));
}

} // namespace

Status VmxContainer::init(FrameAllocator& frames, const VmxCpus& cpus, const VmxSetup& setup,
                          uint16_t vpid, const hvm::GuestStart& start) {
    if (in_use()) return Errno::ebusy;
    frames_ = &frames;
    cpus_ = &cpus;
    setup_ = &setup;
    table_frames_ = hvm::HypervisorTableFrames(&frames);
    Result<uint64_t> vmcs = frames.alloc(k_owner_hypervisor);
    Result<uint64_t> bitmap = vmcs ? frames.alloc(k_owner_hypervisor) : vmcs;
    if (vmcs) vmcs_phys_ = *vmcs << 12;
    if (bitmap) msr_bitmap_phys_ = *bitmap << 12;
    owns_table_ = start.nested_root == 0;
    Status ept = !bitmap ? bitmap.status()
                 : owns_table_ ? ept_.init(table_frames_, pv::nested::k_ept_format)
                               : Status::ok();
    if (!ept) {
        release();
        return ept;
    }
    // The VMCS region starts with the revision identifier (§25.2); VMCLEAR
    // at the first run initializes the rest.
    memset(phys_to_virt(vmcs_phys_), 0, 4096);
    *static_cast<uint32_t*>(phys_to_virt(vmcs_phys_)) = setup.revision;
    // All ones: every RDMSR and WRMSR exits (§25.6.9) but those passed through.
    memset(phys_to_virt(msr_bitmap_phys_), 0xff, 4096);
    // FS/GS bases and the SYSENTER MSRs switch with the VMCS; the SYSCALL
    // MSRs and KernelGSBase are exchanged by run() (the state SVM's
    // VMLOAD/VMSAVE switch, so both vendors give the guest the same MSRs).
    for (uint32_t msr : {k_msr_fs_base, k_msr_gs_base, k_msr_kernel_gs_base, k_msr_star, k_msr_lstar,
                         k_msr_cstar, k_msr_sfmask, k_msr_sysenter_cs, k_msr_sysenter_esp,
                         k_msr_sysenter_eip})
        pass_through_msr(msr);

    vpid_ = vpid;
    last_cpu_ = ~0u;
    flush_pending_ = false;
    fields_written_ = false;
    registers_ = start.registers;
    cr2_ = 0;
    msrs_ = {};
    nested_root_ = owns_table_ ? ept_.root() : start.nested_root;
    load_start_state(start);
    return Status::ok();
}

void VmxContainer::load_start_state(const hvm::GuestStart& start) {
    long64_start_ = start.mode == hvm::GuestMode::long64;
    GuestState& g = guest_;
    g = {};
    g.rip = start.rip;
    g.rsp = start.rsp;
    g.rflags = k_rflags_reserved;
    g.cr0_shadow = k_cr0_pe | k_cr0_et | (long64_start_ ? k_cr0_pg : 0);
    g.cr0 = real_cr0(*setup_, g.cr0_shadow);
    g.cr4_shadow = long64_start_ ? k_cr4_pae : 0;
    g.cr4 = real_cr4(*setup_, g.cr4_shadow);
    g.cr3 = long64_start_ ? start.cr3 : 0;
    g.efer = long64_start_ ? k_efer_lme | k_efer_lma : 0;
    g.processor_controls = setup_->processor;
    g.pat = k_default_pat;
    g.cs = 0x08;
    g.ss = 0x10;
}

// Clears the read and write bits of `msr`: read bitmaps for 0-1FFFh at 0
// and C000_0000h-C000_1FFFh at 400h, the write bitmaps 800h further (§25.6.9).
void VmxContainer::pass_through_msr(uint32_t msr) {
    uint32_t base = 0;
    if (msr <= 0x1fff)
        base = 0;
    else if (msr - 0xc0000000u <= 0x1fff)
        base = 0x400, msr -= 0xc0000000u;
    else
        return;
    auto* map = static_cast<uint8_t*>(phys_to_virt(msr_bitmap_phys_));
    for (uint32_t offset : {base, base + 0x800u})
        map[offset + msr / 8] &= static_cast<uint8_t>(~(1u << (msr % 8)));
}

void VmxContainer::release() {
    if (owns_table_) ept_.destroy();
    owns_table_ = false;
    nested_root_ = 0;
    if (msr_bitmap_phys_) (void)frames_->free(msr_bitmap_phys_ >> 12);
    if (vmcs_phys_) (void)frames_->free(vmcs_phys_ >> 12);
    vmcs_phys_ = msr_bitmap_phys_ = 0;
    vpid_ = 0;
}

Status VmxContainer::map(const hvm::GuestMemoryRange& range) {
    if (!owns_table_) return Errno::einval; // the domain's table is changed through the domain
    for (uint64_t i = 0; i < range.count; ++i) {
        Status s = ept_.map((range.first_gfn + i) << 12, range.host_frames[i] << 12);
        if (!s) return s;
    }
    return Status::ok();
}

Result<uint64_t> VmxContainer::host_frame(uint64_t gfn) const {
    if (!owns_table_) return Errno::einval;
    Result<uint64_t> host = ept_.translate(gfn << 12);
    if (!host) return host.status();
    return *host >> 12;
}

// Stepping over an instruction ends the shadow of a preceding STI or MOV SS
// (SDM Vol. 3 §25.4.2): the instruction it covered has run.
void VmxContainer::set_rip(uint64_t rip) {
    guest_.rip = rip;
    guest_.interruptibility &=
        ~(interruptibility::blocking_by_sti | interruptibility::blocking_by_mov_ss);
}

bool VmxContainer::can_inject_interrupt() const {
    return (guest_.rflags & k_rflags_if) &&
           !(guest_.interruptibility &
             (interruptibility::blocking_by_sti | interruptibility::blocking_by_mov_ss)) &&
           !(guest_.entry_info & interruption::valid);
}

void VmxContainer::inject_interrupt(uint8_t vector) {
    guest_.entry_info = interruption::valid | interruption::type_external | vector;
    guest_.entry_error_code = 0;
    guest_.entry_length = 0;
}

void VmxContainer::request_interrupt_window(bool on) {
    if (on)
        guest_.processor_controls |= proc::interrupt_window_exiting;
    else
        guest_.processor_controls &= ~proc::interrupt_window_exiting;
}

// What the guest sees: its own values for the bits the host owns.
hvm::GuestPaging VmxContainer::paging() const {
    const uint64_t cr0_mask = cr0_host_owned(*setup_), cr4_mask = cr4_forced(*setup_);
    return {(guest_.cr0 & ~cr0_mask) | (guest_.cr0_shadow & cr0_mask), guest_.cr3,
            (guest_.cr4 & ~cr4_mask) | (guest_.cr4_shadow & cr4_mask), guest_.efer};
}

hvm::Container::Snapshot VmxContainer::snapshot() const {
    return {registers_, guest_.rsp, guest_.rip, guest_.rflags, guest_.cs, guest_.ss, paging()};
}

// Where the guest's value of a state MSR lives between runs (the VMCS
// fields' copies and the MSRs run() exchanges), or null.
uint64_t* VmxContainer::state_msr(uint32_t index) {
    GuestState& g = guest_;
    switch (index) {
    case k_msr_efer: return &g.efer;
    case k_msr_star: return &msrs_.star;
    case k_msr_lstar: return &msrs_.lstar;
    case k_msr_cstar: return &msrs_.cstar;
    case k_msr_sfmask: return &msrs_.sfmask;
    case k_msr_fs_base: return &g.fs_base;
    case k_msr_gs_base: return &g.gs_base;
    case k_msr_kernel_gs_base: return &msrs_.kernel_gs_base;
    case k_msr_sysenter_cs: return &g.sysenter_cs;
    case k_msr_sysenter_esp: return &g.sysenter_esp;
    case k_msr_sysenter_eip: return &g.sysenter_eip;
    case k_msr_pat: return &g.pat;
    default: return nullptr;
    }
}

Result<uint64_t> VmxContainer::read_state_msr(uint32_t index) const {
    const uint64_t* value = const_cast<VmxContainer*>(this)->state_msr(index);
    if (value == nullptr) return Errno::einval;
    return *value;
}

Status VmxContainer::write_state_msr(uint32_t index, uint64_t value) {
    uint64_t* field = state_msr(index);
    if (field == nullptr) return Errno::einval;
    // EFER.LMA is the CPU's: it follows CR0.PG while EFER.LME is set.
    *field = index == k_msr_efer ? (value & ~k_efer_lma) | (guest_.efer & k_efer_lma) : value;
    return Status::ok();
}

// A hardware exception at the next entry; the error code goes with the
// vectors that push one, and only in protected mode (SDM Vol. 3 §27.2.1.3).
void VmxContainer::inject_exception(uint8_t vector, uint32_t error_code) {
    const bool has_error = (vector == 8 || (vector >= 10 && vector <= 14) || vector == 17) &&
                           (guest_.cr0 & k_cr0_pe);
    guest_.entry_info = interruption::valid | interruption::type_hardware_exception | vector |
                        (has_error ? interruption::error_code_valid : 0);
    guest_.entry_error_code = has_error ? error_code : 0;
    guest_.entry_length = 0;
}

// A cached translation may be stale when the container comes from another
// CPU (its guest changed its tables meanwhile) or the nested table changed:
// INVEPT drops the guest-physical and combined mappings of this EPTP, and
// INVVPID the linear ones tagged with the VPID (SDM Vol. 3 §29.4.3).
void VmxContainer::invalidate_translations() {
    const uint64_t eptp = nested_root_ | k_eptp_flags;
    (void)invept(setup_->invept_type, eptp);
    if (vpid_ != 0) (void)invvpid(setup_->invvpid_type, vpid_);
}

hvm::Exit VmxContainer::run() {
    InterruptsOff interrupts_off;
    for (;;) {
        bool internal = false;
        hvm::Exit exit = enter(internal);
        if (!internal) return exit;
    }
}

// Runs the guest until it exits, around the world switch: the state VMX
// does not switch, the SYSCALL MSRs and KernelGSBase (the guest reaches
// them directly through the MSR bitmap), and the host's segment state.
uint64_t VmxContainer::switch_to_guest() {
    const SyscallMsrs host{rdmsr(k_msr_kernel_gs_base), rdmsr(k_msr_star),
                           rdmsr(k_msr_lstar), rdmsr(k_msr_cstar), rdmsr(k_msr_sfmask)};
    wrmsr(k_msr_kernel_gs_base, msrs_.kernel_gs_base);
    wrmsr(k_msr_star, msrs_.star);
    wrmsr(k_msr_lstar, msrs_.lstar);
    wrmsr(k_msr_cstar, msrs_.cstar);
    wrmsr(k_msr_sfmask, msrs_.sfmask);
    const HostSegments segments = save_host_segments();

    const uint64_t outcome = vmx_world_switch(&registers_, &cr2_, 0);

    restore_host_segments(segments);
    msrs_ = {rdmsr(k_msr_kernel_gs_base), rdmsr(k_msr_star), rdmsr(k_msr_lstar),
             rdmsr(k_msr_cstar), rdmsr(k_msr_sfmask)};
    wrmsr(k_msr_kernel_gs_base, host.kernel_gs_base);
    wrmsr(k_msr_star, host.star);
    wrmsr(k_msr_lstar, host.lstar);
    wrmsr(k_msr_cstar, host.cstar);
    wrmsr(k_msr_sfmask, host.sfmask);
    return outcome;
}

// The exit's information and the guest state it changed.
VmexitInfo VmxContainer::read_exit() {
    VmexitInfo info;
    info.reason = static_cast<uint32_t>(vmread(field::exit_reason));
    info.qualification = vmread(field::exit_qualification);
    info.instruction_length = static_cast<uint32_t>(vmread(field::exit_instruction_length));
    info.guest_physical = vmread(field::guest_physical_address);
    info.interruption_info = static_cast<uint32_t>(vmread(field::exit_interruption_info));
    read_guest_state();
    if (!(info.reason & exit_reason::entry_failure)) {
        // The exit cleared the entry event's valid bit (§28.2.5); an event
        // the exit interrupted is delivered again at the next entry
        // (IDT-vectoring information, §28.2.4, §29.2.1.1).
        const uint32_t vectoring = static_cast<uint32_t>(vmread(field::idt_vectoring_info));
        guest_.entry_info = 0;
        if (vectoring & interruption::valid) {
            guest_.entry_info = vectoring & (interruption::valid | interruption::error_code_valid |
                                             interruption::type_mask | interruption::vector_mask);
            guest_.entry_error_code = static_cast<uint32_t>(vmread(field::idt_vectoring_error_code));
            guest_.entry_length = info.instruction_length;
        }
    }
    return info;
}

hvm::Exit VmxContainer::enter(bool& internal) {
    hvm::Exit failed;
    failed.reason = hvm::ExitReason::invalid_state;
    const uint32_t cpu = this_cpu().index;
    if (!cpus_->enabled(cpu)) {
        failed.vendor_code = ~uint64_t{0};
        return failed;
    }
    // The first VMCLEAR initializes the region and its launch state (§25.11.3).
    if (!fields_written_ && !vmclear(vmcs_phys_)) {
        failed.vendor_code = ~uint64_t{0};
        return failed;
    }
    if (!vmptrld(vmcs_phys_)) {
        failed.vendor_code = ~uint64_t{0};
        return failed;
    }
    if (!fields_written_) {
        write_fixed_fields();
        fields_written_ = true;
    }
    write_host_state();
    write_guest_state();
    if (cpu != last_cpu_ || flush_pending_) invalidate_translations();
    last_cpu_ = cpu;
    flush_pending_ = false;

    const uint64_t outcome = switch_to_guest();
    if (outcome != 0) {
        // VMLAUNCH refused before entering: VMfailValid leaves the reason
        // in the VM-instruction error field (SDM Vol. 3 §31.4).
        failed.vendor_code = outcome == 2 ? vmread(field::vm_instruction_error) : ~uint64_t{0};
        (void)vmclear(vmcs_phys_);
        return failed;
    }

    const VmexitInfo info = read_exit();
    (void)vmclear(vmcs_phys_);

    const uint32_t basic_reason = info.reason & 0xffff;
    if (!(info.reason & exit_reason::entry_failure)) {
        // NMI exiting consumes the NMI (§27.2): hand it to the host's own handler.
        if (basic_reason == exit_reason::exception_or_nmi &&
            (info.interruption_info & interruption::type_mask) == interruption::type_nmi)
            asm volatile("int $2" ::: "memory");
        if (basic_reason == exit_reason::cr_access &&
            emulate_cr_access(info.qualification, info.instruction_length)) {
            internal = true;
            return {};
        }
    }
    return decode_exit(info);
}

} // namespace pv::x86::vmx
