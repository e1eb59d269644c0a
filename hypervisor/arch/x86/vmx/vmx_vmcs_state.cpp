// Writing the VMCS before an entry and reading it back after an exit.
#include "arch/x86/cpu.hpp"
#include "arch/x86/gdt.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/vmx/guest_bits.hpp"
#include "arch/x86/vmx/vmcs_fields.hpp"
#include "arch/x86/vmx/vmx_container.hpp"
#include "arch/x86/vmx/vmx_instructions.hpp"

extern "C" const char vmx_world_switch_exit[];

namespace pv::x86::vmx {

using namespace bits;

namespace {

void write_segment(Segment s, uint16_t selector, uint64_t base, uint32_t limit, uint32_t access) {
    const uint32_t n = static_cast<uint32_t>(s) * 2;
    vmwrite(field::guest_es_selector + n, selector);
    vmwrite(field::guest_es_base + n, base);
    vmwrite(field::guest_es_limit + n, limit);
    vmwrite(field::guest_es_access + n, access);
}

uint64_t idt_base() {
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } idt{};
    asm volatile("sidt %0" : "=m"(idt));
    return idt.base;
}

} // namespace

// Everything that stays as it is from one entry to the next: the controls,
// the bitmaps and EPT, the host's selectors and the guest's segments
// (written once; exits save the segments back into the VMCS).
void VmxContainer::write_fixed_fields() {
    const VmxSetup& s = *setup_;
    vmwrite(field::pin_controls, s.pin);
    vmwrite(field::secondary_controls, s.secondary);
    vmwrite(field::exit_controls, s.exit);
    vmwrite(field::exception_bitmap, 0);
    vmwrite(field::cr3_target_count, 0);
    vmwrite(field::exit_msr_store_count, 0);
    vmwrite(field::exit_msr_load_count, 0);
    vmwrite(field::entry_msr_load_count, 0);
    vmwrite(field::msr_bitmap, msr_bitmap_phys_);
    vmwrite(field::ept_pointer, nested_root_ | k_eptp_flags);
    if (vpid_ != 0) vmwrite(field::vpid, vpid_);
    vmwrite(field::cr0_guest_host_mask, cr0_host_owned(s));
    vmwrite(field::cr4_guest_host_mask, cr4_forced(s));
    vmwrite(field::vmcs_link_pointer, ~uint64_t{0}); // no shadow VMCS (§26.3.1.5)

    vmwrite(field::host_cs_selector, selector::hypervisor_code);
    // DS, ES and SS: the hypervisor's data selector; FS and GS null, with
    // their bases from the host-state area (§28.5.2).
    vmwrite(field::host_ss_selector, selector::hypervisor_data);
    vmwrite(field::host_ds_selector, selector::hypervisor_data);
    vmwrite(field::host_es_selector, selector::hypervisor_data);
    vmwrite(field::host_fs_selector, 0);
    vmwrite(field::host_gs_selector, 0);
    vmwrite(field::host_tr_selector, selector::tss);
    vmwrite(field::host_rip, reinterpret_cast<uint64_t>(vmx_world_switch_exit));

    // Flat segments, ring 0; TR a busy TSS and LDTR unusable, as at reset
    // but for the flat protected-mode selectors of Xen's PVH start of day.
    const uint32_t code = long64_start_ ? access::code64 : access::code32;
    write_segment(Segment::cs, guest_.cs, 0, 0xffffffff, code);
    for (Segment seg : {Segment::ds, Segment::es, Segment::ss, Segment::fs, Segment::gs})
        write_segment(seg, guest_.ss, 0, 0xffffffff, access::data);
    write_segment(Segment::tr, 0, 0, 0x67, access::tss_busy);
    write_segment(Segment::ldtr, 0, 0, 0, access::unusable);
    vmwrite(field::guest_gdtr_base, 0);
    vmwrite(field::guest_gdtr_limit, 0);
    vmwrite(field::guest_idtr_base, 0);
    vmwrite(field::guest_idtr_limit, 0);
    vmwrite(field::guest_dr7, k_dr7_reset);
    vmwrite(field::guest_debugctl, 0);
    vmwrite(field::guest_pending_debug, 0);
    vmwrite(field::guest_activity_state, 0); // active
}

// The host state that may differ between CPUs or between runs: control
// registers (a PV guest's CR3 and CR0.TS may be live), segment and table
// bases, and the MSRs the exit loads.
void VmxContainer::write_host_state() {
    PerCpu& cpu = this_cpu();
    vmwrite(field::host_cr0, read_cr0());
    vmwrite(field::host_cr3, read_cr3());
    vmwrite(field::host_cr4, read_cr4());
    vmwrite(field::host_fs_base, rdmsr(k_msr_fs_base));
    vmwrite(field::host_gs_base, rdmsr(k_msr_gs_base));
    vmwrite(field::host_tr_base, reinterpret_cast<uint64_t>(&cpu.tables.tss));
    vmwrite(field::host_gdtr_base, reinterpret_cast<uint64_t>(cpu.tables.gdt));
    vmwrite(field::host_idtr_base, idt_base());
    vmwrite(field::host_sysenter_cs, rdmsr(k_msr_sysenter_cs));
    vmwrite(field::host_sysenter_esp, rdmsr(k_msr_sysenter_esp));
    vmwrite(field::host_sysenter_eip, rdmsr(k_msr_sysenter_eip));
    vmwrite(field::host_pat, rdmsr(k_msr_pat));
    vmwrite(field::host_efer, rdmsr(pv::x86::msr::efer));
}

void VmxContainer::write_guest_state() {
    const GuestState& g = guest_;
    vmwrite(field::processor_controls, g.processor_controls);
    // The "IA-32e mode guest" control follows the guest's EFER.LMA, which
    // the CPU changes itself when the guest turns paging on (§26.3.1.1).
    vmwrite(field::entry_controls,
            setup_->entry | (g.efer & k_efer_lma ? entry_ctl::ia32e_mode_guest : 0));
    vmwrite(field::guest_rip, g.rip);
    vmwrite(field::guest_rsp, g.rsp);
    vmwrite(field::guest_rflags, g.rflags);
    vmwrite(field::guest_cr0, g.cr0);
    vmwrite(field::cr0_read_shadow, g.cr0_shadow);
    vmwrite(field::guest_cr3, g.cr3);
    vmwrite(field::guest_cr4, g.cr4);
    vmwrite(field::cr4_read_shadow, g.cr4_shadow);
    vmwrite(field::guest_efer, g.efer);
    vmwrite(field::guest_es_base + 2 * static_cast<uint32_t>(Segment::fs), g.fs_base);
    vmwrite(field::guest_es_base + 2 * static_cast<uint32_t>(Segment::gs), g.gs_base);
    vmwrite(field::guest_sysenter_cs, g.sysenter_cs);
    vmwrite(field::guest_sysenter_esp, g.sysenter_esp);
    vmwrite(field::guest_sysenter_eip, g.sysenter_eip);
    vmwrite(field::guest_pat, g.pat);
    vmwrite(field::guest_interruptibility, g.interruptibility);
    vmwrite(field::entry_interruption_info, g.entry_info);
    vmwrite(field::entry_exception_error_code, g.entry_error_code);
    vmwrite(field::entry_instruction_length, g.entry_length);
}

void VmxContainer::read_guest_state() {
    GuestState& g = guest_;
    g.rip = vmread(field::guest_rip);
    g.rsp = vmread(field::guest_rsp);
    g.rflags = vmread(field::guest_rflags);
    g.cr0 = vmread(field::guest_cr0);
    g.cr3 = vmread(field::guest_cr3);
    g.cr4 = vmread(field::guest_cr4);
    g.efer = vmread(field::guest_efer);
    g.fs_base = vmread(field::guest_es_base + 2 * static_cast<uint32_t>(Segment::fs));
    g.gs_base = vmread(field::guest_es_base + 2 * static_cast<uint32_t>(Segment::gs));
    g.sysenter_cs = vmread(field::guest_sysenter_cs);
    g.sysenter_esp = vmread(field::guest_sysenter_esp);
    g.sysenter_eip = vmread(field::guest_sysenter_eip);
    g.pat = vmread(field::guest_pat);
    g.interruptibility = static_cast<uint32_t>(vmread(field::guest_interruptibility));
    g.cs = static_cast<uint16_t>(vmread(field::guest_cs_selector));
    g.ss = static_cast<uint16_t>(vmread(field::guest_ss_selector));
}

} // namespace pv::x86::vmx
