/* The iret-fault probe (test/test_iret_fault.cpp): an iret hypercall to a
 * context whose CS or SS does not load. Xen (and Paravane) deliver #GP to
 * the guest's #GP trap handler with the failed context as the trap frame;
 * the test's trap hook sees rip == iret_fault_probe_unreached and calls
 * iret_fault_probe_resume(2), so iret_fault_probe() returns 2.
 *
 * uint64_t iret_fault_probe(const IretContext* ctx)
 *   saves the callee-saved registers and rsp in iret_fault_probe_saved,
 *   pushes ctx (ss, rsp, rflags, cs, rip, flags), loads rcx, r11 and rax
 *   from it and jumps to the iret stub. Returns what iret_fault_probe_resume
 *   was given, or 1 when iret_fault_probe_failsafe (a failsafe callback the
 *   test registers, so a hypervisor using the failsafe path is reported
 *   rather than crashing the domain) ran instead. */
#include "arch/asm_constants.h"

#define IRET_STUB (hypercall_page + MINIOS_HYPERCALL_IRET * MINIOS_HYPERCALL_STUB_SIZE)

    .section .text, "ax", @progbits

    .globl iret_fault_probe
    .type iret_fault_probe, @function
iret_fault_probe:
    leaq iret_fault_probe_saved(%rip), %rax
    movq %rbx, MINIOS_CONTEXT_RBX(%rax)
    movq %rbp, MINIOS_CONTEXT_RBP(%rax)
    movq %r12, MINIOS_CONTEXT_R12(%rax)
    movq %r13, MINIOS_CONTEXT_R13(%rax)
    movq %r14, MINIOS_CONTEXT_R14(%rax)
    movq %r15, MINIOS_CONTEXT_R15(%rax)
    movq %rsp, MINIOS_CONTEXT_RSP(%rax)  /* -> our return address */
    pushq 64(%rdi)                  /* ss */
    pushq 56(%rdi)                  /* rsp */
    pushq 48(%rdi)                  /* rflags */
    pushq 40(%rdi)                  /* cs */
    pushq 32(%rdi)                  /* rip */
    pushq 24(%rdi)                  /* flags */
    movq 16(%rdi), %rcx
    movq 8(%rdi), %r11
    movq 0(%rdi), %rax
    jmp IRET_STUB
    .size iret_fault_probe, . - iret_fault_probe

/* Where a completed iret would land (and the rip of the #GP frame). */
    .globl iret_fault_probe_unreached
    .type iret_fault_probe_unreached, @function
iret_fault_probe_unreached:
    ud2
    jmp iret_fault_probe_unreached
    .size iret_fault_probe_unreached, . - iret_fault_probe_unreached

/* The failsafe callback Xen does not use on this path: count it and resume. */
    .globl iret_fault_probe_failsafe
    .type iret_fault_probe_failsafe, @function
iret_fault_probe_failsafe:
    incq iret_fault_probe_failsafe_hits(%rip)
    movl $1, %edi
    jmp iret_fault_probe_resume
    .size iret_fault_probe_failsafe, . - iret_fault_probe_failsafe

/* [[noreturn]] void iret_fault_probe_resume(uint64_t code):
 * iret_fault_probe() returns `code`. */
    .globl iret_fault_probe_resume
    .type iret_fault_probe_resume, @function
iret_fault_probe_resume:
    leaq iret_fault_probe_saved(%rip), %rax
    movq MINIOS_CONTEXT_RBX(%rax), %rbx
    movq MINIOS_CONTEXT_RBP(%rax), %rbp
    movq MINIOS_CONTEXT_R12(%rax), %r12
    movq MINIOS_CONTEXT_R13(%rax), %r13
    movq MINIOS_CONTEXT_R14(%rax), %r14
    movq MINIOS_CONTEXT_R15(%rax), %r15
    movq MINIOS_CONTEXT_RSP(%rax), %rsp
    movq %rdi, %rax
    ret                             /* from iret_fault_probe */
    .size iret_fault_probe_resume, . - iret_fault_probe_resume

    .section .bss, "aw", @nobits
    .balign 16
    .globl iret_fault_probe_saved
iret_fault_probe_saved:
    .skip 7 * 8
    .balign 8
    .globl iret_fault_probe_failsafe_hits
iret_fault_probe_failsafe_hits:
    .skip 8

    .section .note.GNU-stack, "", @progbits
