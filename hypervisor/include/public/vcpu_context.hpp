// The full register state of an x86-64 PV vCPU, as VCPUOP_initialise takes
// it (and as a toolstack sets a new domain's first vCPU). Layouts of Xen's
// cpu_user_regs (arch-x86/xen-x86_64.h) and vcpu_guest_context
// (arch-x86/xen.h), in our words.
#ifndef PARAVANE_PUBLIC_VCPU_CONTEXT_HPP
#define PARAVANE_PUBLIC_VCPU_CONTEXT_HPP

#include "hypercall.hpp"
#include "types.hpp"

namespace pv::abi {

struct CpuUserRegs {
    uint64_t r15;
    uint64_t r14;
    uint64_t r13;
    uint64_t r12;
    uint64_t rbp;
    uint64_t rbx;
    uint64_t r11;
    uint64_t r10;
    uint64_t r9;
    uint64_t r8;
    uint64_t rax;
    uint64_t rcx;
    uint64_t rdx;
    uint64_t rsi;
    uint64_t rdi;
    uint32_t error_code;   // hypervisor-private
    uint32_t entry_vector; // hypervisor-private
    uint64_t rip;
    uint16_t cs;
    uint16_t pad0;
    uint8_t saved_upcall_mask; // rflags.IF as the guest sees it is !saved_upcall_mask
    uint8_t pad1[3];
    uint64_t rflags;
    uint64_t rsp;
    uint16_t ss;
    uint16_t pad2[3];
    uint16_t es;
    uint16_t pad3[3];
    uint16_t ds;
    uint16_t pad4[3];
    uint16_t fs; // non-zero: takes precedence over VcpuGuestContext::fs_base
    uint16_t pad5[3];
    uint16_t gs; // non-zero: takes precedence over VcpuGuestContext::gs_base_user
    uint16_t pad6[3];
};
static_assert(sizeof(CpuUserRegs) == 200);
static_assert(offsetof(CpuUserRegs, r15) == 0);
static_assert(offsetof(CpuUserRegs, r14) == 8);
static_assert(offsetof(CpuUserRegs, r13) == 16);
static_assert(offsetof(CpuUserRegs, r12) == 24);
static_assert(offsetof(CpuUserRegs, rbp) == 32);
static_assert(offsetof(CpuUserRegs, rbx) == 40);
static_assert(offsetof(CpuUserRegs, r11) == 48);
static_assert(offsetof(CpuUserRegs, r10) == 56);
static_assert(offsetof(CpuUserRegs, r9) == 64);
static_assert(offsetof(CpuUserRegs, r8) == 72);
static_assert(offsetof(CpuUserRegs, rax) == 80);
static_assert(offsetof(CpuUserRegs, rcx) == 88);
static_assert(offsetof(CpuUserRegs, rdx) == 96);
static_assert(offsetof(CpuUserRegs, rsi) == 104);
static_assert(offsetof(CpuUserRegs, rdi) == 112);
static_assert(offsetof(CpuUserRegs, error_code) == 120);
static_assert(offsetof(CpuUserRegs, entry_vector) == 124);
static_assert(offsetof(CpuUserRegs, rip) == 128);
static_assert(offsetof(CpuUserRegs, cs) == 136);
static_assert(offsetof(CpuUserRegs, saved_upcall_mask) == 140);
static_assert(offsetof(CpuUserRegs, rflags) == 144);
static_assert(offsetof(CpuUserRegs, rsp) == 152);
static_assert(offsetof(CpuUserRegs, ss) == 160);
static_assert(offsetof(CpuUserRegs, es) == 168);
static_assert(offsetof(CpuUserRegs, ds) == 176);
static_assert(offsetof(CpuUserRegs, fs) == 184);
static_assert(offsetof(CpuUserRegs, gs) == 192);

struct VcpuGuestContext {
    uint8_t fpu_ctxt[512]; // FXSAVE image
    uint64_t flags;        // k_vgcf_*
    CpuUserRegs user_regs;
    TrapInfo trap_ctxt[256]; // the virtual IDT, indexed by vector
    uint64_t ldt_base;       // linear address
    uint64_t ldt_ents;
    uint64_t gdt_frames[16]; // machine frames of the guest GDT
    uint64_t gdt_ents;
    uint64_t kernel_ss; // stack for entering the guest kernel
    uint64_t kernel_sp;
    // ctrlreg[3]: kernel page-table base (CR3 format); ctrlreg[1] holds the
    // user page-table base on x86-64.
    uint64_t ctrlreg[8];
    uint64_t debugreg[8];
    uint64_t event_callback_eip;
    uint64_t failsafe_callback_eip;
    uint64_t syscall_callback_eip;
    uint64_t vm_assist; // bitmap of enabled VmAssistType
    uint64_t fs_base;
    uint64_t gs_base_kernel;
    uint64_t gs_base_user;
};
static_assert(sizeof(VcpuGuestContext) == 5168);
static_assert(offsetof(VcpuGuestContext, fpu_ctxt) == 0);
static_assert(offsetof(VcpuGuestContext, flags) == 512);
static_assert(offsetof(VcpuGuestContext, user_regs) == 520);
static_assert(offsetof(VcpuGuestContext, trap_ctxt) == 720);
static_assert(offsetof(VcpuGuestContext, ldt_base) == 4816);
static_assert(offsetof(VcpuGuestContext, ldt_ents) == 4824);
static_assert(offsetof(VcpuGuestContext, gdt_frames) == 4832);
static_assert(offsetof(VcpuGuestContext, gdt_ents) == 4960);
static_assert(offsetof(VcpuGuestContext, kernel_ss) == 4968);
static_assert(offsetof(VcpuGuestContext, kernel_sp) == 4976);
static_assert(offsetof(VcpuGuestContext, ctrlreg) == 4984);
static_assert(offsetof(VcpuGuestContext, debugreg) == 5048);
static_assert(offsetof(VcpuGuestContext, event_callback_eip) == 5112);
static_assert(offsetof(VcpuGuestContext, failsafe_callback_eip) == 5120);
static_assert(offsetof(VcpuGuestContext, syscall_callback_eip) == 5128);
static_assert(offsetof(VcpuGuestContext, vm_assist) == 5136);
static_assert(offsetof(VcpuGuestContext, fs_base) == 5144);
static_assert(offsetof(VcpuGuestContext, gs_base_kernel) == 5152);
static_assert(offsetof(VcpuGuestContext, gs_base_user) == 5160);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_VCPU_CONTEXT_HPP
