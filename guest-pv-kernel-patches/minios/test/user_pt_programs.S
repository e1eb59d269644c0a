/* User programs for the process with its own page tables. They are not
 * run where they are linked: test/test_pv_mmu.cpp copies the bytes from
 * user_pt_programs to user_pt_programs_end into the process's code page at
 * USER_PT_CODE_VA, so everything here is position independent and uses
 * only the process's own addresses. Syscall ABI: kernel/syscall_abi.hpp. */
#include "arch/asm_constants.h"
#include "test/user_pt_layout.h"

#define SYS_WRITE 1
#define SYS_EXIT 60

    .section .rodata, "a", @progbits
    .balign 16
    .globl user_pt_programs, user_pt_programs_end
    .globl user_pt_main, user_pt_peek_kernel, user_pt_write_code
user_pt_programs:

/* (rdi = argument) Leaves results in the data page and exits with the
 * argument. */
user_pt_main:
    movabsq $USER_PT_DATA_VA, %rbx
    movq %rdi, USER_PT_DATA_ARG(%rbx)
    movl $9999, %eax                 /* no such syscall: -ENOSYS */
    syscall
    movq %rax, USER_PT_DATA_ENOSYS(%rbx)
    movl $SYS_WRITE, %eax            /* the kernel's page tables do not map us */
    movl $1, %edi
    movq %rbx, %rsi
    movl $8, %edx
    syscall
    movq %rax, USER_PT_DATA_EFAULT(%rbx)
    pushq $0x1234
    popq %rax
    movq %rax, USER_PT_DATA_STACK(%rbx)
    movq %rsp, USER_PT_DATA_RSP(%rbx)
    movq USER_PT_DATA_ARG(%rbx), %rdi
    movl $SYS_EXIT, %eax
    syscall
    ud2

/* Reads the kernel image, which this address space does not map: #PF. */
user_pt_peek_kernel:
    movabsq $MINIOS_VIRT_BASE, %rax
    movq (%rax), %rax
    ud2

/* Writes its own read-only code page: #PF. */
user_pt_write_code:
    movabsq $USER_PT_CODE_VA, %rax
    movq %rax, (%rax)
    ud2

user_pt_programs_end:

    .section .note.GNU-stack, "", @progbits
