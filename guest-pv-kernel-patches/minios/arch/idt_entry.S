/* PVH and bare metal: exception and upcall entries of a real ring-0 IDT
 * (kernel/platform_hvm.cpp builds it). The CPU pushes ss, rsp, rflags, cs,
 * rip and, for some exceptions, an error code on the current stack aligned
 * down to 16 bytes (SDM Vol. 3 §6.14.2); the stubs complete that into a
 * TrapFrame (arch/frame.hpp) and share minios_trap() with the PV bounce
 * entries of arch/entry.S. rcx and r11 are live (no bounce clobbered
 * them) and are saved with the other registers. The handler's return
 * value (PV iret flags) is dropped: these return with iretq.
 * The event-channel upcall arrives as MINIOS_UPCALL_VECTOR and reaches
 * minios_trap() as MINIOS_VECTOR_EVENT, like the PV event callback. */
#include "arch/asm_constants.h"
#include "arch/gprs.h"

    .section .text, "ax", @progbits

.macro idt_no_error name:req, vector:req
    .type \name, @function
\name:
    pushq $0
    pushq $\vector
    jmp idt_common
    .size \name, . - \name
.endm

.macro idt_error name:req, vector:req
    .type \name, @function
\name:
    pushq $\vector
    jmp idt_common
    .size \name, . - \name
.endm

    idt_no_error idt_de, 0
    idt_no_error idt_db, 1
    idt_no_error idt_nmi, 2
    idt_no_error idt_bp, 3
    idt_no_error idt_of, 4
    idt_no_error idt_br, 5
    idt_no_error idt_ud, 6
    idt_no_error idt_nm, 7
    idt_error    idt_df, 8
    idt_error    idt_ts, 10
    idt_error    idt_np, 11
    idt_error    idt_ss, 12
    idt_error    idt_gp, 13
    idt_error    idt_pf, 14
    idt_no_error idt_mf, 16
    idt_error    idt_ac, 17
    idt_no_error idt_mc, 18
    idt_no_error idt_xm, 19
    idt_no_error idt_upcall, MINIOS_VECTOR_EVENT

/* rsp -> vector, error code, hardware frame. */
idt_common:
    save_gprs
    cld
    movq %rsp, %rbx                 /* callee-saved: survives the call */
    movq %rsp, %rdi
    andq $-16, %rsp
    call minios_trap
    movq %rbx, %rsp
    restore_gprs
    addq $16, %rsp                  /* vector, error code */
    iretq

/* (IDT vector, entry) pairs for kernel/platform_hvm.cpp, ended by a zero
 * entry. */
    .section .rodata, "a", @progbits
    .balign 8
    .globl minios_idt_stubs
minios_idt_stubs:
    .quad 0, idt_de
    .quad 1, idt_db
    .quad 2, idt_nmi
    .quad 3, idt_bp
    .quad 4, idt_of
    .quad 5, idt_br
    .quad 6, idt_ud
    .quad 7, idt_nm
    .quad 8, idt_df
    .quad 10, idt_ts
    .quad 11, idt_np
    .quad 12, idt_ss
    .quad 13, idt_gp
    .quad 14, idt_pf
    .quad 16, idt_mf
    .quad 17, idt_ac
    .quad 18, idt_mc
    .quad 19, idt_xm
    .quad MINIOS_UPCALL_VECTOR, idt_upcall
    .quad 0, 0

    .section .note.GNU-stack, "", @progbits
