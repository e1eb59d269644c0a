/* The SVM world switch (APM Vol. 2 §15.5 and §15.30.4):
 *
 *   void svm_world_switch(GuestRegisters* regs, uint64_t vmcb_phys,
 *                         uint64_t host_save_phys);
 *
 * VMRUN saves and restores only the host's RAX, RSP, RIP, RFLAGS, control
 * registers, EFER and the ES/CS/SS/DS/GDTR/IDTR state; the guest's RAX, RSP
 * and RIP live in the VMCB. Everything else is this stub's: the other guest
 * general registers go to and from `regs` (GR_* offsets), and VMSAVE/VMLOAD
 * switch FS, GS, TR, LDTR, KernelGSBase and the SYSCALL/SYSENTER MSRs, the
 * host's into the page at host_save_phys.
 *
 * Interrupts: CLGI holds everything off while the registers change, STI
 * then lets a physical interrupt end the guest's run (the INTR intercept)
 * once VMRUN sets GIF; after #VMEXIT (GIF = 0) CLI and STGI leave it pending
 * for the caller. Returns with interrupts off. */
#include "hypervisor/arch/x86/hvm/guest_registers.hpp"

        .section .text
        .globl  svm_world_switch
        .type   svm_world_switch, @function
svm_world_switch:
        pushq   %rbp
        mov     %rsp, %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        pushq   %rdi            /* 16(%rsp): regs */
        pushq   %rsi            /*  8(%rsp): the guest's VMCB */
        pushq   %rdx            /*  0(%rsp): the host's VMSAVE page */

        clgi
        mov     %rdx, %rax
        vmsave  %rax
        mov     %rsi, %rax
        vmload  %rax

        load_guest_registers %rdi
        mov     GR_RDI(%rdi), %rdi
        sti
        vmrun   %rax

        /* #VMEXIT: RSP and RAX (the VMCB address) are the host's again; the
         * other registers still hold the guest's values. */
        cli
        pushq   %rdi
        mov     24(%rsp), %rdi
        save_guest_registers %rdi
        popq    GR_RDI(%rdi)

        mov     8(%rsp), %rax
        vmsave  %rax
        mov     0(%rsp), %rax
        vmload  %rax
        stgi

        add     $24, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .size   svm_world_switch, . - svm_world_switch
