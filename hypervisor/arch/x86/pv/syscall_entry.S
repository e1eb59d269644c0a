/* SYSCALL from a PV guest, kernel or user (both run in ring 3). The CPU
 * leaves RCX = the guest's next RIP, R11 = its RFLAGS, RSP untouched and
 * interrupts off (SFMASK clears IF; SDM Vol. 2B SYSCALL). We switch to the
 * hypervisor's GS and stack and build the same TrapFrame an interrupt from
 * ring 3 builds, so one exit path (interrupt_exit, IRETQ) serves both. */
#include "hypervisor/arch/x86/percpu.hpp"
#include "hypervisor/arch/x86/trap_frame.hpp"

#define GUEST_CS64 0xe033
#define GUEST_SS 0xe02b
#define VECTOR_SYSCALL 0x100
#define VECTOR_SYSCALL_COMPAT 0x101

        .section .text
/* Both entries share one body; only the pseudo-vector differs. */
.macro PV_SYSCALL_ENTRY name, vector
        .balign 16
        .globl \name
\name:
        swapgs
        mov     %rsp, %gs:PERCPU_SCRATCH_RSP
        mov     %gs:PERCPU_STACK_TOP, %rsp
        pushq   $GUEST_SS
        pushq   %gs:PERCPU_SCRATCH_RSP
        pushq   %r11
        pushq   $GUEST_CS64
        pushq   %rcx
        pushq   $0                      /* error code */
        pushq   $\vector
        jmp     pv_syscall_common
.endm

        PV_SYSCALL_ENTRY pv_syscall_entry, VECTOR_SYSCALL
        PV_SYSCALL_ENTRY pv_syscall_compat_entry, VECTOR_SYSCALL_COMPAT

pv_syscall_common:
        SAVE_FRAME_AND_CALL pv_handle_syscall
        jmp     interrupt_exit
