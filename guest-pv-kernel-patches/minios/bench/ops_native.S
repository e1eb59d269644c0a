/* Bare-metal user mode for minios-bench's native reference (bench/
 * native.cpp): the smallest SYSCALL/SYSRET round trip there is. The
 * user program is bench/ops.S's bench_user_syscalls, the one the PV run
 * times; here its SYSCALL lands in bench_native_syscall_entry (IA32_LSTAR)
 * in ring 0, which counts it and returns with SYSRETQ at once.
 *
 * SYSCALL (Intel SDM Vol. 2B, AMD APM Vol. 3): rcx = return rip, r11 =
 * rflags, CS/SS from IA32_STAR[47:32], rflags &= ~IA32_FMASK; no stack
 * switch. SYSRETQ: rip = rcx, rflags = r11, CS = STAR[63:48] + 16 | 3,
 * SS = STAR[63:48] + 8 | 3. The handler runs on the user stack (interrupts
 * stay off throughout: nothing else can arrive), which the benchmark
 * reserves in the kernel image and maps user-accessible. */

    .section .text, "ax", @progbits

/* int bench_native_run_user(void (*program)(uint64_t), uint64_t arg,
 *                           void* user_stack_top):
 * enters ring 3 at program(arg) with SYSRETQ (rflags 0x2: interrupts off)
 * and returns 0 when the program makes syscall 60 (exit). Callee-saved
 * registers and the kernel stack are kept in bench_native_kernel_context. */
    .globl bench_native_run_user
    .type bench_native_run_user, @function
bench_native_run_user:
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, bench_native_kernel_rsp(%rip)
    movq %rdi, %rcx                 /* user rip */
    movq %rsi, %rdi                 /* the program's argument */
    movq %rdx, %rsp
    movl $0x2, %r11d                /* rflags: the always-one bit only */
    sysretq
    .size bench_native_run_user, . - bench_native_run_user

/* IA32_LSTAR. rax = 60: exit to bench_native_run_user's caller; anything
 * else: counted, answered -ENOSYS (-38) as minios' PV kernel does, and
 * returned to. */
    .globl bench_native_syscall_entry
    .type bench_native_syscall_entry, @function
bench_native_syscall_entry:
    cmpq $60, %rax
    je 1f
    incq bench_native_syscalls(%rip)
    movq $-38, %rax
    sysretq
1:  incq bench_native_syscalls(%rip)
    movq bench_native_kernel_rsp(%rip), %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    xorl %eax, %eax
    ret
    .size bench_native_syscall_entry, . - bench_native_syscall_entry

    .section .bss, "aw", @nobits
    .balign 8
bench_native_kernel_rsp:
    .quad 0
    .globl bench_native_syscalls
bench_native_syscalls:
    .quad 0

    .section .note.GNU-stack, "", @progbits
