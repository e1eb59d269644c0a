/* Interrupt and exception entry: one 16-byte stub per IDT vector pushes a
 * zero error code where the CPU pushes none (SDM Vol. 3 §7.3: vectors 8,
 * 10-14, 17, 21, 29 and 30 push one), then the vector, and joins
 * interrupt_common, which saves the general registers as a TrapFrame
 * (trap_frame.hpp) and calls x86_handle_interrupt(frame). Each stub is at
 * most 2 + 5 + 5 bytes, so the stride is exactly STUB_SIZE. */
#include "hypervisor/arch/x86/trap_frame.hpp"

#define STUB_SIZE 16

        .section .text
        .balign STUB_SIZE
        .globl interrupt_stubs
interrupt_stubs:
        .set    vector, 0
        .rept   256
        .balign STUB_SIZE
        .if !(vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30)
        pushq   $0
        .endif
        pushq   $vector
        jmp     interrupt_common
        .set    vector, vector + 1
        .endr

interrupt_common:
        cld
        /* Entered from a less privileged ring: switch to the hypervisor's GS. */
        testb   $3, (TF_CS - TF_VECTOR)(%rsp)
        jz      from_hypervisor
        swapgs
        /* An exception raised by a PV guest (vector < 32 from ring 3) goes
         * straight to the PV code; not NMI, which may be another CPU's panic
         * stopping this one (x86_handle_interrupt sees to that). */
        cmpq    $32, (%rsp)
        jae     handle_interrupt
        cmpq    $2, (%rsp)
        je      handle_interrupt
        SAVE_FRAME_AND_CALL pv_guest_exception_entry
        jmp     interrupt_exit
handle_interrupt:
        SAVE_FRAME_AND_CALL x86_handle_interrupt
        .globl  interrupt_exit
/* Leave through the TrapFrame at %rsp: back to the hypervisor or, with a
 * ring-3 CS, into a PV guest (the guest's GS base is swapped back in). */
interrupt_exit:
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rbp
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx
        popq    %rbx
        popq    %rax
        testb   $3, (TF_CS - TF_VECTOR)(%rsp)
        jz      2f
        swapgs
2:      add     $16, %rsp               /* vector and error code */
        /* IRETQ into a guest faults if the guest's CS/SS are not loadable;
         * the fault handler recognises this address (interrupt_exit_iret). */
        .globl  interrupt_exit_iret
interrupt_exit_iret:
        iretq

/* Raised in ring 0. A #PF or #GP inside pv_guest_copy's accesses to guest
 * memory (pv/guest_access.S) is the guest's bad address, not a hypervisor
 * bug: resume at pv_guest_access_fixup, which returns the failure. The
 * stack holds the vector, the error code, then the CPU's frame (RIP first). */
from_hypervisor:
        cmpq    $14, (%rsp)
        je      1f
        cmpq    $13, (%rsp)
        jne     handle_interrupt
1:      pushq   %rax
        leaq    pv_guest_access_begin(%rip), %rax
        cmpq    %rax, (TF_RIP - TF_VECTOR + 8)(%rsp)
        jb      2f
        leaq    pv_guest_access_end(%rip), %rax
        cmpq    %rax, (TF_RIP - TF_VECTOR + 8)(%rsp)
        jae     2f
        leaq    pv_guest_access_fixup(%rip), %rax
        movq    %rax, (TF_RIP - TF_VECTOR + 8)(%rsp)
        popq    %rax
        add     $16, %rsp               /* vector and error code */
        iretq
2:      popq    %rax
        jmp     handle_interrupt

/* x86_resume_frame(frame): load %rsp with a TrapFrame (a guest's, at the
 * top of this CPU's stack) and leave through it. Never returns. */
        .globl x86_resume_frame
x86_resume_frame:
        mov     %rdi, %rsp
        jmp     interrupt_exit

/* x86_enter_guest_frame(src, dst): enter a guest for the first time on this
 * CPU from a TrapFrame built anywhere (src) by placing it at dst (the top of
 * this CPU's stack) and leaving through it. dst lies above src and may
 * overlap the caller's own frames, so the copy runs backwards (a memmove)
 * with interrupts off, and nothing on the old stack is used afterwards. */
        .globl x86_enter_guest_frame
x86_enter_guest_frame:
        cli
        mov     %rdi, %rax
        mov     %rsi, %rdi
        mov     %rax, %rsi
        lea     (TF_SIZE - 8)(%rsi), %rsi
        lea     (TF_SIZE - 8)(%rdi), %rdi
        mov     $(TF_SIZE / 8), %ecx
        std
        rep movsq
        cld
        lea     8(%rdi), %rsp
        jmp     interrupt_exit
