/* The second guest program of the hardware-container self-test
 * (test_container_interrupts.cpp): 64-bit mode from its first instruction
 * (GuestMode::long64, the host's page tables at 0x4000 map the first 2 MiB
 * one to one), loaded at guest-physical 0x1000. It installs a GDT (interrupt
 * delivery and IRETQ read the code and stack descriptors) and an IDT with a
 * handler for vector 0x40, enables interrupts and halts (after reading and
 * writing MSRs that pass through to it). The host opens an
 * interrupt window (exit 1, before the HLT), injects vector 0x40 there, and
 * the handler leaves its mark before the HLT exits (exit 2). Position
 * independent: the tables are found RIP-relative. */
        .section .rodata
        .balign 16
        .globl  hvm_test_guest64_start
        .globl  hvm_test_guest64_end
        .code64
hvm_test_guest64_start:
        mov     $0xc0000082, %ecx       /* LSTAR, as the host set it: the MSR is the guest's */
        rdmsr
        mov     %eax, 0x3010
        mov     %edx, 0x3014
        mov     $0xc0000102, %ecx       /* KernelGSBase and FS base, for the host to read back */
        mov     $0x89abcdef, %eax
        mov     $0x7fff, %edx
        wrmsr
        mov     $0xc0000100, %ecx
        mov     $0x5678, %eax
        mov     $0x1234, %edx
        wrmsr
        lea     gdt(%rip), %rax
        movw    $gdt_end - gdt - 1, 0x3100
        mov     %rax, 0x3102
        lgdt    0x3100
        lea     handler(%rip), %rax     /* the 16-byte interrupt gate of vector 0x40 */
        mov     %ax, 0x2400             /* offset 15:0 */
        movw    $0x08, 0x2402           /* the 64-bit code selector */
        movw    $0x8e00, 0x2404         /* present, DPL 0, 64-bit interrupt gate */
        shr     $16, %rax
        mov     %ax, 0x2406             /* offset 31:16 */
        shr     $16, %rax
        mov     %eax, 0x2408            /* offset 63:32 */
        movw    $0xfff, 0x3110
        movq    $0x2000, 0x3112
        lidt    0x3110
        sti
        nop                             /* the STI shadow ends here: exit 1 */
1:      hlt                             /* exit 2, after the handler */
        jmp     1b

handler:
        movl    $0x1e7, 0x3000
        mov     %rsp, 0x3008            /* the frame the CPU pushed sits below 0x8000 */
        iretq

        .balign 8
gdt:    .quad   0
        .quad   0x00af9b000000ffff      /* 0x08: 64-bit code, DPL 0 */
        .quad   0x00cf93000000ffff      /* 0x10: data, DPL 0 */
gdt_end:
hvm_test_guest64_end:
