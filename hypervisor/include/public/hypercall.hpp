// Hypercall numbers and the x86-64 PV calling convention, the hypercall
// page, VM assists, reserved domain ids, the fixed parts of the guest
// address space and GDT, trap_info and the iret frame.
//
// Facts from Xen's public xen.h, arch-x86/xen.h and arch-x86/xen-x86_64.h;
// the text and names are ours.
//
// Calling convention (64-bit PV guest kernel, and 64-bit PVH):
//   rax            hypercall number (enum Hypercall)
//   rdi rsi rdx    arguments 1-3
//   r10 r8 r9      arguments 4-6 (r10 rather than rcx, which SYSCALL uses)
//   rax            result on return: >= 0 on success, -Errno on failure
// The argument registers may be clobbered by the call; rcx and r11 are
// clobbered by SYSCALL itself (the page stubs below save them).
// Transfer instruction: SYSCALL from a 64-bit PV guest kernel, VMCALL (Intel)
// or VMMCALL (AMD) from a PVH guest. Guests normally call through the
// hypercall page instead of issuing the instruction themselves.
#ifndef PARAVANE_PUBLIC_HYPERCALL_HPP
#define PARAVANE_PUBLIC_HYPERCALL_HPP

#include "types.hpp"

namespace pv::abi {

// ---------------------------------------------------------------------------
// Hypercall numbers (__HYPERVISOR_*). Gaps (11, 43..47) are unassigned.
enum class Hypercall : uint32_t {
    set_trap_table = 0,
    mmu_update = 1,
    set_gdt = 2,
    stack_switch = 3,
    set_callbacks = 4,
    fpu_taskswitch = 5,
    sched_op_compat = 6, // superseded by sched_op (29)
    platform_op = 7,     // formerly dom0_op
    set_debugreg = 8,
    get_debugreg = 9,
    update_descriptor = 10,
    memory_op = 12,
    multicall = 13,
    update_va_mapping = 14,
    set_timer_op = 15,
    event_channel_op_compat = 16, // superseded by event_channel_op (32)
    xen_version = 17,
    console_io = 18,
    physdev_op_compat = 19, // superseded by physdev_op (33)
    grant_table_op = 20,
    vm_assist = 21,
    update_va_mapping_otherdomain = 22,
    iret = 23, // x86 PV only; see the iret frame below
    vcpu_op = 24,
    set_segment_base = 25, // x86-64 PV only
    mmuext_op = 26,
    xsm_op = 27,
    nmi_op = 28,
    sched_op = 29,
    callback_op = 30,
    xenoprof_op = 31,
    event_channel_op = 32,
    physdev_op = 33,
    hvm_op = 34,
    sysctl = 35, // slot used by Paravane's own toolstack interface
    domctl = 36, // slot used by Paravane's own toolstack interface
    kexec_op = 37,
    tmem_op = 38,
    argo_op = 39, // was xc_reserved_op
    xenpmu_op = 40,
    dm_op = 41,
    hypfs_op = 42,
    // Architecture-specific slots.
    arch_0 = 48,
    arch_1 = 49,
    arch_2 = 50,
    arch_3 = 51,
    arch_4 = 52,
    arch_5 = 53,
    arch_6 = 54,
    arch_7 = 55,
    mca = arch_0, // x86: machine-check architecture operations
};

inline constexpr uint32_t k_hypercall_max_args = 6;

// ---------------------------------------------------------------------------
// The hypercall page (filled in by the domain builder at the address named
// by the HYPERCALL_PAGE ELF note, or by a write to the hypercall MSR).
// One 32-byte stub per hypercall number; a guest calls
//     hypercall_page + number * 32
// except for iret, which it jumps to with the iret frame on its stack.
inline constexpr uint32_t k_hypercall_page_stub_size = 32;
inline constexpr uint32_t k_hypercall_page_stubs = 128; // 128 * 32 == one 4 KiB page
static_assert(k_hypercall_page_stub_size * k_hypercall_page_stubs == k_page_size);

// Bytes between and after the stubs: int3, so a stray jump traps.
inline constexpr uint8_t k_hypercall_page_filler = 0xcc;

// Stub for every number but iret on a 64-bit PV guest (14 bytes):
//   51                 push %rcx
//   41 53              push %r11
//   b8 NN NN NN NN     mov  $number, %eax
//   0f 05              syscall
//   41 5b              pop  %r11
//   59                 pop  %rcx
//   c3                 ret
// The four imm32 bytes at k_pv_hypercall_stub_number_offset hold the number
// (little-endian).
inline constexpr uint8_t k_pv_hypercall_stub[] = {0x51, 0x41, 0x53, 0xb8, 0x00, 0x00, 0x00,
                                                  0x00, 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3};
inline constexpr uint32_t k_pv_hypercall_stub_number_offset = 4;
static_assert(sizeof(k_pv_hypercall_stub) == 14);

// Stub for iret (slot 23) on a 64-bit PV guest (11 bytes). It does not
// return: it pushes rcx, r11 and rax on top of the frame the guest already
// built and enters the hypervisor, which finds an IretContext at the guest's
// rsp.
//   51                 push %rcx
//   41 53              push %r11
//   50                 push %rax
//   b8 17 00 00 00     mov  $23, %eax
//   0f 05              syscall
inline constexpr uint8_t k_pv_hypercall_iret_stub[] = {0x51, 0x41, 0x53, 0x50, 0xb8, 0x17,
                                                       0x00, 0x00, 0x00, 0x0f, 0x05};
static_assert(sizeof(k_pv_hypercall_iret_stub) == 11);

// The transfer instructions themselves (the old TRAP_INSTR).
inline constexpr uint8_t k_trap_instr_pv64[] = {0x0f, 0x05};          // syscall
inline constexpr uint8_t k_trap_instr_vmcall[] = {0x0f, 0x01, 0xc1};  // Intel VMX
inline constexpr uint8_t k_trap_instr_vmmcall[] = {0x0f, 0x01, 0xd9}; // AMD SVM

// ---------------------------------------------------------------------------
// vm_assist(cmd, type): switch optional hypervisor behaviour on or off.
enum class VmAssistCmd : uint32_t {
    enable = 0,
    disable = 1,
};

enum class VmAssistType : uint32_t {
    four_gb_segments = 0,        // "4gb_segments": x86-32 guests only
    four_gb_segments_notify = 1, // "4gb_segments_notify": x86-32 guests only
    writable_pagetables = 2,     // guest may write L1 entries directly (trapped and checked)
    pae_extended_cr3 = 3,        // x86-32 PAE: page-directory pointer tables above 4 GiB
    architectural_iopl = 4, // virtual IOPL follows iret and bounce frames; kernel counts as ring 0
    runstate_update_flag = 5, // set k_runstate_update in guest-mapped runstate while updating
    m2p_strict = 32,          // x86-64: keep the M2P mapping out of user-mode page tables
};

// ---------------------------------------------------------------------------
// vCPUs: shared_info holds vcpu_info slots for the first 32 vCPUs only; a
// guest with more registers its own vcpu_info (VCPUOP_register_vcpu_info).
inline constexpr uint32_t k_legacy_max_vcpus = 32; // XEN_LEGACY_MAX_VCPUS (MAX_VIRT_CPUS)

// ---------------------------------------------------------------------------
// Reserved domain ids. Ids at or above k_domid_first_reserved never name an
// ordinary domain.
inline constexpr DomainId k_domid_first_reserved = 0x7ff0;
inline constexpr DomainId k_domid_self = 0x7ff0; // the calling domain
inline constexpr DomainId k_domid_io = 0x7ff1;   // "I/O memory only" in foreign-domain arguments
inline constexpr DomainId k_domid_xen = 0x7ff2;  // the hypervisor's own pages (privileged mappings)
inline constexpr DomainId k_domid_cow = 0x7ff3;  // owner of shared copy-on-write pages
inline constexpr DomainId k_domid_invalid = 0x7ff4; // owner unknown
inline constexpr DomainId k_domid_idle = 0x7fff;    // the idle domain

// ---------------------------------------------------------------------------
// Flat segments the hypervisor keeps in the reserved part of every guest GDT
// (so a guest can run without loading a GDT of its own). All have RPL 3:
// on x86-64 both guest kernel and guest user run in ring 3.
inline constexpr uint16_t k_flat_ring3_cs32 = 0xe023; // GDT entry 7172: 32-bit code
inline constexpr uint16_t k_flat_ring3_cs64 = 0xe033; // GDT entry 7174: 64-bit code
inline constexpr uint16_t k_flat_ring3_ds32 = 0xe02b; // GDT entry 7173: data
inline constexpr uint16_t k_flat_ring3_ds64 = 0x0000; // null selector: 64-bit data needs none
inline constexpr uint16_t k_flat_ring3_ss32 = 0xe02b;
inline constexpr uint16_t k_flat_ring3_ss64 = 0xe02b;

// The kernel and user flavours are the same selectors.
inline constexpr uint16_t k_flat_kernel_cs = k_flat_ring3_cs64;
inline constexpr uint16_t k_flat_kernel_ds = k_flat_ring3_ds64;
inline constexpr uint16_t k_flat_kernel_ss = k_flat_ring3_ss64;
inline constexpr uint16_t k_flat_user_cs = k_flat_ring3_cs64;
inline constexpr uint16_t k_flat_user_ds = k_flat_ring3_ds64;
inline constexpr uint16_t k_flat_user_ss = k_flat_ring3_ss64;

// The hypervisor owns the GDT from page 14 on (entries 7168..8191); a
// guest's set_gdt may only supply frames below it. Kept at the far end so
// the low selectors some OSes hard-code stay free.
inline constexpr uint32_t k_first_reserved_gdt_page = 14;
inline constexpr uint32_t k_first_reserved_gdt_byte = k_first_reserved_gdt_page * 4096;
inline constexpr uint32_t k_first_reserved_gdt_entry = k_first_reserved_gdt_byte / 8;
static_assert(k_first_reserved_gdt_entry == 7168);
static_assert((k_flat_ring3_cs64 >> 3) >= k_first_reserved_gdt_entry);

// ---------------------------------------------------------------------------
// x86-64 guest virtual address space: the hypervisor reserves the bottom of
// the upper canonical half; PV guest page tables may not map it. The
// machine-to-phys table (one 8-byte guest pfn per machine frame) is mapped
// read-only at its start.
inline constexpr uint64_t k_hypervisor_virt_start = 0xffff'8000'0000'0000;
inline constexpr uint64_t k_hypervisor_virt_end = 0xffff'8800'0000'0000;
inline constexpr uint64_t k_mach2phys_virt_start = 0xffff'8000'0000'0000;
inline constexpr uint64_t k_mach2phys_virt_end = 0xffff'8040'0000'0000;
inline constexpr uint64_t k_mach2phys_nr_entries =
    (k_mach2phys_virt_end - k_mach2phys_virt_start) >> 3;

// A page-table base as it appears in a CR3 value (x86-64: the frame number
// shifted by the page size).
constexpr uint64_t pfn_to_cr3(Pfn pfn) {
    return pfn << k_page_shift;
}
constexpr Pfn cr3_to_pfn(uint64_t cr3) {
    return cr3 >> k_page_shift;
}

// set_segment_base(which, base): x86-64 PV replacement for WRMSR to the
// segment base MSRs and for SWAPGS-based user %gs loads.
enum class SegmentBase : uint32_t {
    fs = 0,
    gs_user = 1,
    gs_kernel = 2,
    gs_user_sel = 3, // load the user %gs selector given in base[15:0]
};

// ---------------------------------------------------------------------------
// set_trap_table(const TrapInfo traps[]): the guest's virtual IDT. The list
// ends at the first entry whose address is 0.
struct TrapInfo {
    uint8_t vector;   // exception or software-interrupt vector
    uint8_t flags;    // k_trap_info_* below
    uint16_t cs;      // code selector of the handler
    uint32_t pad0;    // implicit in Xen's layout
    uint64_t address; // handler address; 0 ends the table
};
static_assert(sizeof(TrapInfo) == 16);
static_assert(offsetof(TrapInfo, vector) == 0);
static_assert(offsetof(TrapInfo, flags) == 1);
static_assert(offsetof(TrapInfo, cs) == 2);
static_assert(offsetof(TrapInfo, address) == 8);

// flags[1:0]: the privilege level a software INT needs to use the gate.
// With rings 1 and 2 absent on x86-64: 0 = nobody, 1 or 2 = guest kernel
// only, 3 = guest kernel and user.
inline constexpr uint8_t k_trap_info_dpl_mask = 0x3;
// flags[2]: deliver with events masked (evtchn_upcall_mask set on entry), the
// PV analogue of an interrupt gate clearing IF.
inline constexpr uint8_t k_trap_info_mask_events = 1u << 2;

// ---------------------------------------------------------------------------
// iret: the guest kernel jumps to the iret stub with this frame on its stack
// (rax at the lowest address, the stub pushes rax, r11 and rcx itself).
// The saved CS says where to return: RPL 3 means guest user mode, RPL 0..2
// means guest kernel mode (which really runs in ring 3). A kernel returning
// to itself can also just set RPL 3 in its frame and IRETQ directly.
// With k_vgcf_in_syscall in flags the return is SYSRET-like: rax, rip,
// rflags and rsp are restored and r11, rcx, cs, ss discarded; otherwise
// rax, r11, rcx, cs:rip, rflags and ss:rsp are all restored.
struct IretContext {
    uint64_t rax;
    uint64_t r11;
    uint64_t rcx;
    uint64_t flags; // k_vgcf_in_syscall or 0
    uint64_t rip;
    uint64_t cs;
    uint64_t rflags;
    uint64_t rsp;
    uint64_t ss;
};
static_assert(sizeof(IretContext) == 72);
static_assert(offsetof(IretContext, rax) == 0);
static_assert(offsetof(IretContext, r11) == 8);
static_assert(offsetof(IretContext, rcx) == 16);
static_assert(offsetof(IretContext, flags) == 24);
static_assert(offsetof(IretContext, rip) == 32);
static_assert(offsetof(IretContext, cs) == 40);
static_assert(offsetof(IretContext, rflags) == 48);
static_assert(offsetof(IretContext, rsp) == 56);
static_assert(offsetof(IretContext, ss) == 64);

// VGCF_* flags: vcpu_guest_context.flags (see vcpu_context.hpp) and, for
// in_syscall, IretContext.flags.
inline constexpr uint64_t k_vgcf_i387_valid = 1u << 0;
inline constexpr uint64_t k_vgcf_in_kernel = 1u << 2;
inline constexpr uint64_t k_vgcf_failsafe_disables_events = 1u << 3;
inline constexpr uint64_t k_vgcf_syscall_disables_events = 1u << 4;
inline constexpr uint64_t k_vgcf_online = 1u << 5;
inline constexpr uint64_t k_vgcf_in_syscall = 1u << 8;

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_HYPERCALL_HPP
