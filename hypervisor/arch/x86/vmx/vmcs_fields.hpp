// VMCS field encodings and the control, exit-reason and qualification bits
// Paravane uses (SDM Vol. 3 Appendix B, Appendix C, §25.6-§25.9, §28.2).
// Names follow the SDM; only the fields the VMX backend touches are here.
#pragma once

#include <cstdint>

namespace pv::x86::vmx {

namespace field {
// 16-bit control and guest/host selector fields (Appendix B.1).
inline constexpr uint32_t vpid = 0x0000;
inline constexpr uint32_t guest_es_selector = 0x0800; // ES CS SS DS FS GS LDTR TR, step 2
inline constexpr uint32_t guest_cs_selector = 0x0802;
inline constexpr uint32_t guest_ss_selector = 0x0804;
inline constexpr uint32_t guest_tr_selector = 0x080e;
inline constexpr uint32_t host_es_selector = 0x0c00;
inline constexpr uint32_t host_cs_selector = 0x0c02;
inline constexpr uint32_t host_ss_selector = 0x0c04;
inline constexpr uint32_t host_ds_selector = 0x0c06;
inline constexpr uint32_t host_fs_selector = 0x0c08;
inline constexpr uint32_t host_gs_selector = 0x0c0a;
inline constexpr uint32_t host_tr_selector = 0x0c0c;

// 64-bit fields (Appendix B.2).
inline constexpr uint32_t msr_bitmap = 0x2004;
inline constexpr uint32_t ept_pointer = 0x201a;
inline constexpr uint32_t guest_physical_address = 0x2400;
inline constexpr uint32_t vmcs_link_pointer = 0x2800;
inline constexpr uint32_t guest_debugctl = 0x2802;
inline constexpr uint32_t guest_pat = 0x2804;
inline constexpr uint32_t guest_efer = 0x2806;
inline constexpr uint32_t host_pat = 0x2c00;
inline constexpr uint32_t host_efer = 0x2c02;

// 32-bit fields (Appendix B.3).
inline constexpr uint32_t pin_controls = 0x4000;
inline constexpr uint32_t processor_controls = 0x4002;
inline constexpr uint32_t exception_bitmap = 0x4004;
inline constexpr uint32_t cr3_target_count = 0x400a;
inline constexpr uint32_t exit_controls = 0x400c;
inline constexpr uint32_t exit_msr_store_count = 0x400e;
inline constexpr uint32_t exit_msr_load_count = 0x4010;
inline constexpr uint32_t entry_controls = 0x4012;
inline constexpr uint32_t entry_msr_load_count = 0x4014;
inline constexpr uint32_t entry_interruption_info = 0x4016;
inline constexpr uint32_t entry_exception_error_code = 0x4018;
inline constexpr uint32_t entry_instruction_length = 0x401a;
inline constexpr uint32_t secondary_controls = 0x401e;
inline constexpr uint32_t vm_instruction_error = 0x4400;
inline constexpr uint32_t exit_reason = 0x4402;
inline constexpr uint32_t exit_interruption_info = 0x4404;
inline constexpr uint32_t idt_vectoring_info = 0x4408;
inline constexpr uint32_t idt_vectoring_error_code = 0x440a;
inline constexpr uint32_t exit_instruction_length = 0x440c;
inline constexpr uint32_t guest_es_limit = 0x4800; // step 2, as the selectors
inline constexpr uint32_t guest_gdtr_limit = 0x4810;
inline constexpr uint32_t guest_idtr_limit = 0x4812;
inline constexpr uint32_t guest_es_access = 0x4814; // step 2, as the selectors
inline constexpr uint32_t guest_interruptibility = 0x4824;
inline constexpr uint32_t guest_activity_state = 0x4826;
inline constexpr uint32_t guest_sysenter_cs = 0x482a;
inline constexpr uint32_t host_sysenter_cs = 0x4c00;

// Natural-width fields (Appendix B.4).
inline constexpr uint32_t cr0_guest_host_mask = 0x6000;
inline constexpr uint32_t cr4_guest_host_mask = 0x6002;
inline constexpr uint32_t cr0_read_shadow = 0x6004;
inline constexpr uint32_t cr4_read_shadow = 0x6006;
inline constexpr uint32_t exit_qualification = 0x6400;
inline constexpr uint32_t guest_cr0 = 0x6800;
inline constexpr uint32_t guest_cr3 = 0x6802;
inline constexpr uint32_t guest_cr4 = 0x6804;
inline constexpr uint32_t guest_es_base = 0x6806; // step 2, as the selectors
inline constexpr uint32_t guest_gdtr_base = 0x6816;
inline constexpr uint32_t guest_idtr_base = 0x6818;
inline constexpr uint32_t guest_dr7 = 0x681a;
inline constexpr uint32_t guest_rsp = 0x681c;
inline constexpr uint32_t guest_rip = 0x681e;
inline constexpr uint32_t guest_rflags = 0x6820;
inline constexpr uint32_t guest_pending_debug = 0x6822;
inline constexpr uint32_t guest_sysenter_esp = 0x6824;
inline constexpr uint32_t guest_sysenter_eip = 0x6826;
inline constexpr uint32_t host_cr0 = 0x6c00;
inline constexpr uint32_t host_cr3 = 0x6c02;
inline constexpr uint32_t host_cr4 = 0x6c04;
inline constexpr uint32_t host_fs_base = 0x6c06;
inline constexpr uint32_t host_gs_base = 0x6c08;
inline constexpr uint32_t host_tr_base = 0x6c0a;
inline constexpr uint32_t host_gdtr_base = 0x6c0c;
inline constexpr uint32_t host_idtr_base = 0x6c0e;
inline constexpr uint32_t host_sysenter_esp = 0x6c10;
inline constexpr uint32_t host_sysenter_eip = 0x6c12;
inline constexpr uint32_t host_rip = 0x6c16; // HOST_RSP (0x6c14) is the world switch's
} // namespace field

// Segment registers in the guest-state area, in encoding order: the
// selector, limit, access-rights and base of register n are the ES field
// plus 2 * n (Appendix B).
enum class Segment : uint32_t { es, cs, ss, ds, fs, gs, ldtr, tr };

// Pin-based VM-execution controls (§25.6.1, Table 25-5).
namespace pin {
inline constexpr uint32_t external_interrupt_exiting = 1u << 0;
inline constexpr uint32_t nmi_exiting = 1u << 3;
} // namespace pin

// Primary processor-based VM-execution controls (§25.6.2, Table 25-6).
namespace proc {
inline constexpr uint32_t interrupt_window_exiting = 1u << 2;
inline constexpr uint32_t hlt_exiting = 1u << 7;
inline constexpr uint32_t mwait_exiting = 1u << 10;
inline constexpr uint32_t rdpmc_exiting = 1u << 11;
inline constexpr uint32_t cr3_load_exiting = 1u << 15;
inline constexpr uint32_t cr3_store_exiting = 1u << 16;
inline constexpr uint32_t cr8_load_exiting = 1u << 19;
inline constexpr uint32_t cr8_store_exiting = 1u << 20;
inline constexpr uint32_t unconditional_io_exiting = 1u << 24;
inline constexpr uint32_t use_msr_bitmaps = 1u << 28;
inline constexpr uint32_t monitor_exiting = 1u << 29;
inline constexpr uint32_t secondary_controls = 1u << 31;
} // namespace proc

// Secondary processor-based VM-execution controls (§25.6.2, Table 25-7).
namespace proc2 {
inline constexpr uint32_t enable_ept = 1u << 1;
inline constexpr uint32_t enable_rdtscp = 1u << 3;
inline constexpr uint32_t enable_vpid = 1u << 5;
inline constexpr uint32_t unrestricted_guest = 1u << 7;
inline constexpr uint32_t enable_invpcid = 1u << 12;
} // namespace proc2

// VM-exit controls (§25.7.1, Table 25-13).
namespace exit_ctl {
inline constexpr uint32_t save_debug_controls = 1u << 2;
inline constexpr uint32_t host_address_space_size = 1u << 9;
inline constexpr uint32_t acknowledge_interrupt = 1u << 15;
inline constexpr uint32_t save_pat = 1u << 18;
inline constexpr uint32_t load_pat = 1u << 19;
inline constexpr uint32_t save_efer = 1u << 20;
inline constexpr uint32_t load_efer = 1u << 21;
} // namespace exit_ctl

// VM-entry controls (§25.8.1, Table 25-15).
namespace entry_ctl {
inline constexpr uint32_t load_debug_controls = 1u << 2;
inline constexpr uint32_t ia32e_mode_guest = 1u << 9;
inline constexpr uint32_t load_pat = 1u << 14;
inline constexpr uint32_t load_efer = 1u << 15;
} // namespace entry_ctl

// Basic exit reasons (Appendix C); bit 31 of the exit-reason field marks a
// VM-entry failure.
namespace exit_reason {
inline constexpr uint32_t exception_or_nmi = 0;
inline constexpr uint32_t external_interrupt = 1;
inline constexpr uint32_t triple_fault = 2;
inline constexpr uint32_t interrupt_window = 7;
inline constexpr uint32_t cpuid = 10;
inline constexpr uint32_t hlt = 12;
inline constexpr uint32_t vmcall = 18;
inline constexpr uint32_t cr_access = 28;
inline constexpr uint32_t io = 30;
inline constexpr uint32_t rdmsr = 31;
inline constexpr uint32_t wrmsr = 32;
inline constexpr uint32_t invalid_guest_state = 33;
inline constexpr uint32_t msr_loading = 34;
inline constexpr uint32_t machine_check_at_entry = 41;
inline constexpr uint32_t ept_violation = 48;
inline constexpr uint32_t ept_misconfiguration = 49;
inline constexpr uint32_t entry_failure = 1u << 31;
} // namespace exit_reason

// Interruption-information fields: VM-entry, VM-exit and IDT-vectoring share
// this layout (§25.8.3, §25.9.2, §25.9.3).
namespace interruption {
inline constexpr uint32_t vector_mask = 0xff;
inline constexpr uint32_t type_external = 0u << 8;
inline constexpr uint32_t type_nmi = 2u << 8;
inline constexpr uint32_t type_hardware_exception = 3u << 8;
inline constexpr uint32_t type_mask = 7u << 8;
inline constexpr uint32_t error_code_valid = 1u << 11;
inline constexpr uint32_t valid = 1u << 31;
} // namespace interruption

// Guest interruptibility state (§25.4.2, Table 25-3).
namespace interruptibility {
inline constexpr uint32_t blocking_by_sti = 1u << 0;
inline constexpr uint32_t blocking_by_mov_ss = 1u << 1;
} // namespace interruptibility

// Access rights of a segment in the guest-state area (§25.4.1, Table 25-2):
// descriptor bits 47:40 in 7:0, bits 55:52 in 15:12, "unusable" in bit 16.
namespace access {
inline constexpr uint32_t code32 = 0xc09b;   // execute/read, accessed, S, P; D = 1, G = 1
inline constexpr uint32_t code64 = 0xa09b;   // execute/read, accessed, S, P; L = 1, G = 1
inline constexpr uint32_t data = 0xc093;     // read/write, accessed, S, P; B = 1, G = 1
inline constexpr uint32_t tss_busy = 0x008b; // 32/64-bit busy TSS, P
inline constexpr uint32_t unusable = 1u << 16;
} // namespace access

// The capability MSRs (Appendix A).
namespace msr {
inline constexpr uint32_t basic = 0x480;
inline constexpr uint32_t pin_controls = 0x481;
inline constexpr uint32_t processor_controls = 0x482;
inline constexpr uint32_t exit_controls = 0x483;
inline constexpr uint32_t entry_controls = 0x484;
inline constexpr uint32_t cr0_fixed0 = 0x486;
inline constexpr uint32_t cr0_fixed1 = 0x487;
inline constexpr uint32_t cr4_fixed0 = 0x488;
inline constexpr uint32_t cr4_fixed1 = 0x489;
inline constexpr uint32_t secondary_controls = 0x48b;
inline constexpr uint32_t ept_vpid_cap = 0x48c;
inline constexpr uint32_t true_pin_controls = 0x48d;
inline constexpr uint32_t true_processor_controls = 0x48e;
inline constexpr uint32_t true_exit_controls = 0x48f;
inline constexpr uint32_t true_entry_controls = 0x490;
} // namespace msr

} // namespace pv::x86::vmx
