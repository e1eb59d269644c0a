#include "arch/x86/svm/svm_container.hpp"

#include "arch/x86/cpu.hpp"
#include "arch/x86/paging.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/svm/exit_decode.hpp"
#include "arch/x86/svm/svm_cpus.hpp"

#include <cstring>

extern "C" void svm_world_switch(pv::x86::hvm::GuestRegisters* regs, uint64_t vmcb_phys,
                                 uint64_t host_save_phys);

namespace pv::x86::svm {

namespace {

// Flat segments: base 0, limit 4 GiB, granular, present, DPL 0. Attributes
// in the VMCB's packed form (vmcb.hpp): type/S/DPL/P in 7:0, AVL/L/DB/G in 11:8.
constexpr uint16_t k_code32 = 0xc9b;   // execute/read, accessed; D = 1, G = 1
constexpr uint16_t k_code64 = 0xa9b;   // execute/read, accessed; L = 1, G = 1
constexpr uint16_t k_data = 0xc93;     // read/write, accessed; B = 1, G = 1
constexpr uint16_t k_tss_busy = 0x08b; // 32/64-bit busy TSS: what VMRUN expects in TR
constexpr uint16_t k_ldt = 0x082;

constexpr uint64_t k_cr0_pe = 1ull << 0;
constexpr uint64_t k_cr0_et = 1ull << 4;
constexpr uint64_t k_cr0_pg = 1ull << 31;
constexpr uint64_t k_cr4_pae = 1ull << 5;
constexpr uint64_t k_efer_lme = 1ull << 8;
constexpr uint64_t k_efer_lma = 1ull << 10;
constexpr uint64_t k_efer_svme = 1ull << 12; // must be set in the guest's EFER too (§15.5.1)
constexpr uint64_t k_rflags_reserved = 1ull << 1;

constexpr VmcbSegment segment(uint16_t selector, uint16_t attributes, uint32_t limit = 0xffffffff) {
    return VmcbSegment{selector, attributes, limit, 0};
}

Result<uint64_t> zeroed_frames(FrameAllocator& frames, size_t count, uint8_t fill) {
    Result<uint64_t> mfn = count == 1 ? frames.alloc(k_owner_hypervisor)
                                      : frames.alloc_contiguous(count, 1, k_owner_hypervisor);
    if (!mfn) return mfn.status();
    memset(phys_to_virt(*mfn << 12), fill, count * 4096);
    return *mfn << 12;
}

} // namespace

Status SvmContainer::init(FrameAllocator& frames, const SvmCpus& cpus, uint32_t asid,
                          const hvm::GuestStart& start) {
    if (in_use()) return Errno::ebusy;
    frames_ = &frames;
    cpus_ = &cpus;
    table_frames_ = hvm::HypervisorTableFrames(&frames);
    // All-ones permission maps: every port and every MSR is intercepted
    // (§15.10.1, §15.11); a later policy clears the bits it lets through.
    Result<uint64_t> vmcb = zeroed_frames(frames, 1, 0);
    Result<uint64_t> iopm = vmcb ? zeroed_frames(frames, k_iopm_pages, 0xff) : vmcb;
    Result<uint64_t> msrpm = iopm ? zeroed_frames(frames, k_msrpm_pages, 0xff) : iopm;
    owns_table_ = start.nested_root == 0;
    Status npt = !msrpm ? msrpm.status()
                 : owns_table_ ? npt_.init(table_frames_, pv::nested::k_npt_format)
                               : Status::ok();
    if (vmcb) vmcb_phys_ = *vmcb, vmcb_ = static_cast<Vmcb*>(phys_to_virt(*vmcb));
    if (iopm) iopm_phys_ = *iopm;
    if (msrpm) msrpm_phys_ = *msrpm;
    if (!npt) {
        release();
        return npt;
    }
    asid_ = asid;
    last_cpu_ = ~0u;
    flush_pending_ = false;
    registers_ = start.registers;
    nested_root_ = owns_table_ ? npt_.root() : start.nested_root;
    // The state VMLOAD/VMSAVE switch with the VMCB is the guest's own:
    // segment bases, the SYSCALL and SYSENTER MSRs (§15.5.2, §15.11).
    for (uint32_t msr : {0xc0000100u, 0xc0000101u, 0xc0000102u, 0xc0000081u, 0xc0000082u,
                         0xc0000083u, 0xc0000084u, 0x174u, 0x175u, 0x176u})
        pass_through_msr(msr);

    VmcbControl& c = vmcb_->control;
    c.intercept_misc1 = intercept1::intr | intercept1::nmi | intercept1::cpuid | intercept1::hlt |
                        intercept1::ioio_prot | intercept1::msr_prot | intercept1::shutdown;
    c.intercept_misc2 = intercept2::vmrun | intercept2::vmmcall | intercept2::vmload |
                        intercept2::vmsave | intercept2::stgi | intercept2::clgi |
                        intercept2::skinit | intercept2::xsetbv;
    c.iopm_base = iopm_phys_;
    c.msrpm_base = msrpm_phys_;
    c.guest_asid = asid;
    // V_INTR_MASKING: the guest's RFLAGS.IF masks only its virtual
    // interrupts; physical ones stay the host's (§15.21.1).
    c.virtual_interrupt = k_v_intr_masking;
    c.np_control = k_np_enable;
    c.nested_cr3 = nested_root_;
    load_start_state(start);
    return Status::ok();
}

void SvmContainer::load_start_state(const hvm::GuestStart& start) {
    VmcbSave& s = vmcb_->save;
    const bool long64 = start.mode == hvm::GuestMode::long64;
    s.cs = segment(0x08, long64 ? k_code64 : k_code32);
    s.ds = s.es = s.ss = s.fs = s.gs = segment(0x10, k_data);
    s.tr = segment(0, k_tss_busy, 0x67);
    s.ldtr = segment(0, k_ldt, 0);
    s.gdtr = segment(0, 0, 0);
    s.idtr = segment(0, 0, 0);
    s.cpl = 0;
    s.cr0 = k_cr0_pe | k_cr0_et | (long64 ? k_cr0_pg : 0);
    s.cr4 = long64 ? k_cr4_pae : 0;
    s.cr3 = long64 ? start.cr3 : 0;
    s.efer = k_efer_svme | (long64 ? k_efer_lme | k_efer_lma : 0);
    s.dr6 = 0xffff0ff0;
    s.dr7 = 0x400;
    s.rflags = k_rflags_reserved;
    s.rip = start.rip;
    s.rsp = start.rsp;
    s.rax = start.registers.rax;
    s.g_pat = k_default_pat;
}

// Clears the read and write intercept bits of `msr` in the permission map:
// two bits per MSR, ranges 0-1FFFh at byte 0, C000_0000h-C000_1FFFh at
// 800h, C001_0000h-C001_1FFFh at 1000h (APM Vol. 2 §15.11, Table 15-5).
void SvmContainer::pass_through_msr(uint32_t msr) {
    uint64_t base = 0;
    if (msr <= 0x1fff)
        base = 0;
    else if (msr - 0xc0000000u <= 0x1fff)
        base = 0x800, msr -= 0xc0000000u;
    else if (msr - 0xc0010000u <= 0x1fff)
        base = 0x1000, msr -= 0xc0010000u;
    else
        return;
    auto* map = static_cast<uint8_t*>(phys_to_virt(msrpm_phys_));
    const uint64_t bit = uint64_t(msr) * 2;
    map[base + bit / 8] &= static_cast<uint8_t>(~(3u << (bit % 8)));
}

bool SvmContainer::can_inject_interrupt() const {
    constexpr uint64_t k_if = 1u << 9;
    const VmcbControl& c = vmcb_->control;
    return (vmcb_->save.rflags & k_if) && !(c.interrupt_shadow & k_interrupt_shadow) &&
           !(c.event_inject & k_event_valid);
}

void SvmContainer::inject_interrupt(uint8_t vector) {
    vmcb_->control.event_inject = k_event_valid | k_event_type_intr | vector;
}

void SvmContainer::request_interrupt_window(bool on) {
    VmcbControl& c = vmcb_->control;
    if (on) {
        c.virtual_interrupt |= k_v_irq_window;
        c.intercept_misc1 |= intercept1::vintr;
    } else {
        c.virtual_interrupt &= ~k_v_irq_window;
        c.intercept_misc1 &= ~intercept1::vintr;
    }
}

hvm::GuestPaging SvmContainer::paging() const {
    const VmcbSave& s = vmcb_->save;
    return {s.cr0, s.cr3, s.cr4, s.efer & ~k_efer_svme};
}

hvm::Container::Snapshot SvmContainer::snapshot() const {
    const VmcbSave& s = vmcb_->save;
    return {registers_, s.rsp, s.rip, s.rflags, s.cs.selector, s.ss.selector, paging()};
}

namespace {
// The VMCB field of a state MSR (APM Vol. 2 Table B-2), or null.
template <typename Save> auto* state_field(Save& s, uint32_t index) {
    using Field = decltype(&s.efer);
    switch (index) {
    case 0xc0000080: return Field(&s.efer);
    case 0xc0000081: return Field(&s.star);
    case 0xc0000082: return Field(&s.lstar);
    case 0xc0000083: return Field(&s.cstar);
    case 0xc0000084: return Field(&s.sfmask);
    case 0xc0000100: return Field(&s.fs.base);
    case 0xc0000101: return Field(&s.gs.base);
    case 0xc0000102: return Field(&s.kernel_gs_base);
    case 0x174: return Field(&s.sysenter_cs);
    case 0x175: return Field(&s.sysenter_esp);
    case 0x176: return Field(&s.sysenter_eip);
    case 0x277: return Field(&s.g_pat);
    default: return Field(nullptr);
    }
}
} // namespace

Result<uint64_t> SvmContainer::read_state_msr(uint32_t index) const {
    const auto* field = state_field(vmcb_->save, index);
    if (field == nullptr) return Errno::einval;
    return index == 0xc0000080 ? *field & ~k_efer_svme : *field;
}

Status SvmContainer::write_state_msr(uint32_t index, uint64_t value) {
    auto* field = state_field(vmcb_->save, index);
    if (field == nullptr) return Errno::einval;
    *field = index == 0xc0000080 ? value | k_efer_svme : value;
    return Status::ok();
}

// EVENTINJ type 3 is an exception; EV (bit 11) says an error code follows
// (§15.20).
void SvmContainer::inject_exception(uint8_t vector, uint32_t error_code) {
    const bool has_error = vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
    vmcb_->control.event_inject = k_event_valid | (3ull << 8) | vector |
                                  (has_error ? (1ull << 11) | (uint64_t(error_code) << 32) : 0);
}

void SvmContainer::release() {
    if (owns_table_) npt_.destroy();
    owns_table_ = false;
    nested_root_ = 0;
    if (msrpm_phys_) (void)frames_->free_contiguous(msrpm_phys_ >> 12, k_msrpm_pages);
    if (iopm_phys_) (void)frames_->free_contiguous(iopm_phys_ >> 12, k_iopm_pages);
    if (vmcb_phys_) (void)frames_->free(vmcb_phys_ >> 12);
    vmcb_ = nullptr;
    vmcb_phys_ = iopm_phys_ = msrpm_phys_ = 0;
    asid_ = 0;
}

Status SvmContainer::map(const hvm::GuestMemoryRange& range) {
    if (!owns_table_) return Errno::einval; // the domain's table is changed through the domain
    for (uint64_t i = 0; i < range.count; ++i) {
        Status s = npt_.map((range.first_gfn + i) << 12, range.host_frames[i] << 12);
        if (!s) return s;
    }
    return Status::ok();
}

Result<uint64_t> SvmContainer::host_frame(uint64_t gfn) const {
    if (!owns_table_) return Errno::einval;
    Result<uint64_t> host = npt_.translate(gfn << 12);
    if (!host) return host.status();
    return *host >> 12;
}

hvm::Exit SvmContainer::run() {
    InterruptsOff interrupts_off;
    const uint32_t cpu = this_cpu().index;
    VmcbControl& c = vmcb_->control;
    if (cpu != last_cpu_) {
        c.tlb_control = k_tlb_flush_all;
        last_cpu_ = cpu;
    } else if (flush_pending_) {
        c.tlb_control = k_tlb_flush_all;
    }
    flush_pending_ = false;
    c.next_rip = 0;   // only intercepts that save it write it (§15.7.1)
    c.clean_bits = 0; // every VMCB field may have changed
    vmcb_->save.rax = registers_.rax;

    svm_world_switch(&registers_, vmcb_phys_, cpus_->host_save_phys(cpu));

    c.tlb_control = 0;
    registers_.rax = vmcb_->save.rax;
    // An event the exit interrupted (EXITINTINFO valid, bit 31) is
    // delivered again on the next VMRUN (§15.7.2).
    c.event_inject = c.exit_int_info & (1ull << 31) ? c.exit_int_info : 0;
    return decode_exit({c.exit_code, c.exit_info1, c.exit_info2, c.next_rip, vmcb_->save.rip});
}

} // namespace pv::x86::svm
