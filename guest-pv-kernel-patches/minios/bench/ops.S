/* The timed operations of minios-bench, one function each, so that what
 * lies between the two TSC reads is exactly the operation and nothing the
 * compiler chose. Each returns the raw TSC difference (the timer's own
 * overhead included; bench/main.cpp measures it with bench_op_empty and
 * subtracts it).
 *
 * The clock: lfence; rdtsc; lfence on both sides. The first lfence waits
 * for everything before to finish, the second keeps what follows from
 * starting before the TSC is read (Intel SDM Vol. 2 RDTSC, AMD's
 * LFENCE-is-dispatch-serializing). The start value is kept in %rbx,
 * which hypercalls, traps and upcalls all preserve (CPUID does not: see
 * bench_op_forced_cpuid).
 *
 * Every function follows the SysV ABI: rbx/rbp/r12-r15 preserved. */
#include "arch/asm_constants.h"

#define HYPERCALL(nr) (hypercall_page + (nr) * MINIOS_HYPERCALL_STUB_SIZE)
#define HC_XEN_VERSION 17
#define HC_EVENT_CHANNEL_OP 32
#define XENVER_VERSION 0
#define XENVER_EXTRAVERSION 1
#define EVTCHNOP_SEND 4

/* rax = fenced TSC (clobbers rdx) */
.macro tsc
    lfence
    rdtsc
    lfence
    shlq $32, %rdx
    orq %rdx, %rax
.endm

.macro begin
    pushq %rbx
    tsc
    movq %rax, %rbx             /* callee-saved: survives hypercalls and traps */
.endm

.macro end
    tsc
    subq %rbx, %rax
    popq %rbx
    ret
.endm

.macro func name:req
    .globl \name
    .type \name, @function
\name:
.endm

    .section .text, "ax", @progbits

/* uint64_t bench_op_empty(void): the timer alone. */
func bench_op_empty
    begin
    end
    .size bench_op_empty, . - bench_op_empty

/* uint64_t bench_op_null_hypercall(void): xen_version(XENVER_version, NULL). */
func bench_op_null_hypercall
    begin
    movl $XENVER_VERSION, %edi
    xorl %esi, %esi
    call HYPERCALL(HC_XEN_VERSION)
    end
    .size bench_op_null_hypercall, . - bench_op_null_hypercall

/* uint64_t bench_op_copy_hypercall(char buffer[16]):
 * xen_version(XENVER_extraversion, buffer): 16 bytes copied to the guest. */
func bench_op_copy_hypercall
    begin
    movq %rdi, %rsi
    movl $XENVER_EXTRAVERSION, %edi
    call HYPERCALL(HC_XEN_VERSION)
    end
    .size bench_op_copy_hypercall, . - bench_op_copy_hypercall

/* uint64_t bench_op_evtchn_send(const uint32_t* port):
 * event_channel_op(EVTCHNOP_send, {port}); with events unmasked the upcall
 * runs on the way back, before the second TSC read. */
func bench_op_evtchn_send
    begin
    movq %rdi, %rsi
    movl $EVTCHNOP_SEND, %edi
    call HYPERCALL(HC_EVENT_CHANNEL_OP)
    end
    .size bench_op_evtchn_send, . - bench_op_evtchn_send

/* uint64_t bench_op_forced_cpuid(void): ud2a; "xen"; cpuid with leaf 0:
 * #UD in the hypervisor, decoded and emulated, no bounce to the guest.
 * CPUID writes rbx: the start value is kept in r12 instead. */
func bench_op_forced_cpuid
    pushq %rbx
    pushq %r12
    tsc
    movq %rax, %r12
    xorl %eax, %eax
    xorl %ecx, %ecx
    .byte 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2
    tsc
    subq %r12, %rax
    popq %r12
    popq %rbx
    ret
    .size bench_op_forced_cpuid, . - bench_op_forced_cpuid

/* uint64_t bench_op_read_cr0(void): mov %cr0 from ring 3: #GP in the
 * hypervisor, decoded and emulated. */
func bench_op_read_cr0
    begin
    movq %cr0, %rax
    end
    .size bench_op_read_cr0, . - bench_op_read_cr0

/* uint64_t bench_op_page_fault(const void* unmapped): a read of an unmapped
 * address; the hypervisor bounces the #PF to minios' handler, whose trap
 * hook (bench/main.cpp) moves rip from bench_pf_fault to bench_pf_resume
 * and returns through the iret hypercall. */
func bench_op_page_fault
    begin
    .globl bench_pf_fault
bench_pf_fault:
    movq (%rdi), %rax
    .globl bench_pf_resume
bench_pf_resume:
    end
    .size bench_op_page_fault, . - bench_op_page_fault

/* The user-mode program: void bench_user_syscalls(UserRun* run) with
 * run->count at 0 and run->samples at 8. Times `count` SYSCALLs of an
 * unknown number (minios answers -ENOSYS after counting it) from guest user
 * mode, stores each raw TSC difference, then exits (syscall 60, code 0).
 * Runs with minios' bootstrap page tables (user mode sees the whole image,
 * see kernel/user.hpp). */
    .section .user.text, "ax", @progbits
func bench_user_syscalls
    movq 0(%rdi), %r12          /* count */
    movq 8(%rdi), %r13          /* samples */
    testq %r12, %r12
    jz 2f
1:  tsc
    movq %rax, %r14
    movl $9999, %eax
    syscall
    tsc
    subq %r14, %rax
    movq %rax, (%r13)
    addq $8, %r13
    decq %r12
    jnz 1b
2:  movl $60, %eax
    xorl %edi, %edi
    syscall
3:  ud2
    jmp 3b
    .size bench_user_syscalls, . - bench_user_syscalls

    .section .note.GNU-stack, "", @progbits
