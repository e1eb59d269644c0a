/* Assembler macros shared by arch/entry.S (PV bounce frames) and
 * arch/idt_entry.S (hardware exception frames): save and restore the
 * general registers in TrapFrame order (arch/frame.hpp), r15 lowest. */
#ifndef MINIOS_ARCH_GPRS_H
#define MINIOS_ARCH_GPRS_H

.macro save_gprs
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %rax
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm

.macro restore_gprs
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rax
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
.endm

#endif /* MINIOS_ARCH_GPRS_H */
