/* The timed operations of minios-bench that exit a hardware container
 * (PVH) and that the bare-metal reference times too: plain instructions,
 * timed like bench/ops.S (fenced RDTSC on both sides, raw difference
 * returned, the timer's cost subtracted by the harness). Each takes one
 * pointer argument (bench/modes.hpp Op), unused unless said.
 *
 * Under SVM every one of them is intercepted (AMD APM Vol. 2 §15.9-15.11:
 * the CPUID intercept, the I/O permission map, the MSR permission map),
 * so each sample is one #VMEXIT, the hypervisor's emulation and VMRUN. */

/* rax = fenced TSC (clobbers rdx) */
.macro tsc
    lfence
    rdtsc
    lfence
    shlq $32, %rdx
    orq %rdx, %rax
.endm

.macro func name:req
    .globl \name
    .type \name, @function
\name:
.endm

    .section .text, "ax", @progbits

/* uint64_t bench_op_cpuid(const void*): CPUID leaf 0. CPUID writes rbx:
 * the start value is kept in r12. */
func bench_op_cpuid
    pushq %rbx
    pushq %r12
    tsc
    movq %rax, %r12
    xorl %eax, %eax
    xorl %ecx, %ecx
    cpuid
    tsc
    subq %r12, %rax
    popq %r12
    popq %rbx
    ret
    .size bench_op_cpuid, . - bench_op_cpuid

/* uint64_t bench_op_port_in(const void*): inb from port 0x80 (the POST
 * port: no device answers a read, so it reads all-ones). */
func bench_op_port_in
    pushq %rbx
    tsc
    movq %rax, %rbx
    inb $0x80, %al
    tsc
    subq %rbx, %rax
    popq %rbx
    ret
    .size bench_op_port_in, . - bench_op_port_in

/* uint64_t bench_op_rdmsr(const uint32_t* msr): rdmsr of *msr. */
func bench_op_rdmsr
    pushq %rbx
    movl (%rdi), %ecx
    tsc
    movq %rax, %rbx
    rdmsr
    tsc
    subq %rbx, %rax
    popq %rbx
    ret
    .size bench_op_rdmsr, . - bench_op_rdmsr

    .section .note.GNU-stack, "", @progbits
