/* PV: entry points the hypervisor bounces to (exception handlers, event,
 * failsafe and syscall callbacks) and the user-mode switch. The frame
 * layouts are described in arch/frame.hpp. (PVH and bare metal take
 * exceptions through a real IDT: arch/idt_entry.S.) */
#include "arch/asm_constants.h"
#include "arch/gprs.h"

#define IRET_STUB (hypercall_page + MINIOS_HYPERCALL_IRET * MINIOS_HYPERCALL_STUB_SIZE)

    .section .text, "ax", @progbits

/* Bounce frame without error code: restore rcx/r11, add a zero error code. */
.macro entry_no_error name:req, vector:req
    .globl \name
    .type \name, @function
\name:
    popq %rcx
    popq %r11
    pushq $0
    pushq $\vector
    jmp trap_common
    .size \name, . - \name
.endm

/* Bounce frame with the hardware error code already in place. */
.macro entry_error name:req, vector:req
    .globl \name
    .type \name, @function
\name:
    popq %rcx
    popq %r11
    pushq $\vector
    jmp trap_common
    .size \name, . - \name
.endm


    entry_no_error minios_trap_de, 0
    entry_no_error minios_trap_db, 1
    entry_no_error minios_trap_bp, 3
    entry_no_error minios_trap_of, 4
    entry_no_error minios_trap_br, 5
    entry_no_error minios_trap_ud, 6
    entry_no_error minios_trap_nm, 7
    entry_error    minios_trap_ts, 10
    entry_error    minios_trap_np, 11
    entry_error    minios_trap_ss, 12
    entry_error    minios_trap_gp, 13
    entry_error    minios_trap_pf, 14
    entry_no_error minios_trap_mf, 16
    entry_error    minios_trap_ac, 17
    entry_no_error minios_trap_mc, 18
    entry_no_error minios_trap_xm, 19
    entry_no_error minios_event_callback, MINIOS_VECTOR_EVENT
    entry_no_error minios_syscall_callback, MINIOS_VECTOR_SYSCALL

/* rsp -> vector, error code, bounce frame. Saves the registers into a
 * TrapFrame, calls minios_trap(TrapFrame*) which returns the iret flags,
 * and returns through the iret hypercall with the (possibly edited) frame. */
trap_common:
    save_gprs
    cld
    movq %rsp, %rbx                 /* callee-saved: survives the call */
    movq %rsp, %rdi
    andq $-16, %rsp                 /* the ABI's call alignment */
    call minios_trap
    movq %rbx, %rsp
    movq %rax, MINIOS_FRAME_ERROR_CODE(%rsp)
    restore_gprs
    addq $8, %rsp                   /* vector; rsp -> flags, rip, cs, rflags, rsp, ss */
    jmp IRET_STUB

/* rsp -> rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss. Never returns:
 * minios never loads segment registers, so a failsafe callback is a bug. */
    .globl minios_failsafe_callback
    .type minios_failsafe_callback, @function
minios_failsafe_callback:
    popq %rcx
    popq %r11
    save_gprs
    cld
    movq %rsp, %rdi
    andq $-16, %rsp
    call minios_failsafe            /* noreturn */
1:  ud2
    jmp 1b
    .size minios_failsafe_callback, . - minios_failsafe_callback

/* uint64_t user_enter(KernelContext* saved, uint64_t entry,
 *                     uint64_t user_stack, uint64_t arg) */
    .globl user_enter
    .type user_enter, @function
user_enter:
    movq %rbx, MINIOS_CONTEXT_RBX(%rdi)
    movq %rbp, MINIOS_CONTEXT_RBP(%rdi)
    movq %r12, MINIOS_CONTEXT_R12(%rdi)
    movq %r13, MINIOS_CONTEXT_R13(%rdi)
    movq %r14, MINIOS_CONTEXT_R14(%rdi)
    movq %r15, MINIOS_CONTEXT_R15(%rdi)
    movq %rsp, MINIOS_CONTEXT_RSP(%rdi)  /* -> our return address */
    /* IretContext minus the rax/r11/rcx the stub pushes: RPL 3 in cs means
     * "return to guest user mode". */
    pushq $MINIOS_FLAT_SS
    pushq %rdx
    pushq $MINIOS_USER_RFLAGS
    pushq $MINIOS_FLAT_CS
    pushq %rsi
    pushq $0                        /* flags: restore rax, r11, rcx too */
    movq %rcx, %rdi                 /* the program's argument */
    /* Hand no kernel values to user mode. */
    xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %edx, %edx
    xorl %esi, %esi
    xorl %ebp, %ebp
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    xorl %r10d, %r10d
    xorl %r11d, %r11d
    xorl %r12d, %r12d
    xorl %r13d, %r13d
    xorl %r14d, %r14d
    xorl %r15d, %r15d
    jmp IRET_STUB
    .size user_enter, . - user_enter

/* [[noreturn]] void user_exit(const KernelContext* saved, uint64_t code) */
    .globl user_exit
    .type user_exit, @function
user_exit:
    movq MINIOS_CONTEXT_RBX(%rdi), %rbx
    movq MINIOS_CONTEXT_RBP(%rdi), %rbp
    movq MINIOS_CONTEXT_R12(%rdi), %r12
    movq MINIOS_CONTEXT_R13(%rdi), %r13
    movq MINIOS_CONTEXT_R14(%rdi), %r14
    movq MINIOS_CONTEXT_R15(%rdi), %r15
    movq MINIOS_CONTEXT_RSP(%rdi), %rsp
    movq %rsi, %rax
    ret                             /* from user_enter */
    .size user_exit, . - user_exit

/* The exception handlers for the trap table: (vector, entry) pairs, ended
 * by a zero entry. */
    .section .rodata, "a", @progbits
    .balign 8
    .globl minios_trap_stubs
minios_trap_stubs:
    .quad 0, minios_trap_de
    .quad 1, minios_trap_db
    .quad 3, minios_trap_bp
    .quad 4, minios_trap_of
    .quad 5, minios_trap_br
    .quad 6, minios_trap_ud
    .quad 7, minios_trap_nm
    .quad 10, minios_trap_ts
    .quad 11, minios_trap_np
    .quad 12, minios_trap_ss
    .quad 13, minios_trap_gp
    .quad 14, minios_trap_pf
    .quad 16, minios_trap_mf
    .quad 17, minios_trap_ac
    .quad 18, minios_trap_mc
    .quad 19, minios_trap_xm
    .quad 0, 0

    .section .note.GNU-stack, "", @progbits
