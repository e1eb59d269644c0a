/* The VMX world switch (SDM Vol. 3 §27, §28.5, §31.3):
 *
 *   uint64_t vmx_world_switch(GuestRegisters* regs, uint64_t* guest_cr2,
 *                             uint64_t launched);
 *
 * The current VMCS is the guest's, its host state written except HOST_RSP,
 * which this stub writes (its own stack pointer after saving the host's
 * callee-saved registers); HOST_RIP is vmx_world_switch_exit. VM entry and
 * exit switch RSP, RIP, RFLAGS, CR0/CR3/CR4, segments, EFER, PAT and the
 * SYSENTER MSRs; VMX keeps no general register and no CR2, so the guest's
 * (RAX included) go to and from `regs` (GR_* offsets) and *guest_cr2.
 *
 * `launched` nonzero: VMRESUME, else VMLAUNCH. Returns 0 after a VM exit,
 * 1 when the instruction failed with VMfailInvalid (CF), 2 with VMfailValid
 * (ZF: the VM-instruction error field says why). Called with interrupts
 * off; a VM exit leaves RFLAGS = 2, so they stay off. */
#include "hypervisor/arch/x86/hvm/guest_registers.hpp"

#define HOST_RSP 0x6c14

        .section .text
        .globl  vmx_world_switch
        .type   vmx_world_switch, @function
vmx_world_switch:
        pushq   %rbp
        mov     %rsp, %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        pushq   %rdi            /* 8(%rsp): regs */
        pushq   %rsi            /* 0(%rsp): guest_cr2 */

        mov     $HOST_RSP, %eax
        vmwrite %rsp, %rax
        mov     (%rsi), %rax
        mov     %rax, %cr2

        /* MOV leaves the flags alone: the test decides after the loads. */
        test    %rdx, %rdx
        mov     GR_RAX(%rdi), %rax
        load_guest_registers %rdi
        mov     GR_RDI(%rdi), %rdi
        jnz     1f
        vmlaunch
        jmp     2f
1:      vmresume
        /* Still here: the instruction failed, the guest never ran. */
2:      mov     $2, %eax
        jnc     3f
        mov     $1, %eax
        jmp     3f

        .globl  vmx_world_switch_exit
vmx_world_switch_exit:
        /* VM exit: RSP is HOST_RSP again; the general registers are the guest's. */
        pushq   %rdi
        mov     16(%rsp), %rdi
        mov     %rax, GR_RAX(%rdi)
        save_guest_registers %rdi
        popq    GR_RDI(%rdi)
        mov     (%rsp), %rsi
        mov     %cr2, %rax
        mov     %rax, (%rsi)
        xor     %eax, %eax

3:      add     $16, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .size   vmx_world_switch, . - vmx_world_switch
