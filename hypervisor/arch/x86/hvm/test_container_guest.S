/* The guest program of the hardware-container self-test
 * (test_container.cpp): 32-bit flat protected mode, paging off, loaded at
 * guest-physical 0x1000 and never run by the hypervisor itself, so it lives
 * in .rodata as data. Each marked instruction is one exit, in this order.
 * The hypercall instruction is the vendor's: the test copies the program
 * and writes Backend::hypercall_instruction over the three bytes at
 * hvm_test_guest_hypercall (VMMCALL here, VMCALL on Intel). */
        .section .rodata
        .balign 16
        .globl  hvm_test_guest_start
        .globl  hvm_test_guest_hypercall
        .globl  hvm_test_guest_end
        .code32
hvm_test_guest_start:
        xor     %eax, %eax
        cpuid                           /* exit 1: leaf 0 */
        mov     %ebx, 0x3000            /* the host's answer, kept in guest memory */
        mov     %ecx, %eax
        out     %al, $0x80              /* exit 2: OUT imm8, one byte */
        mov     %edx, %eax
        mov     $0x510, %dx
        out     %eax, %dx               /* exit 3: OUT DX, four bytes */
        mov     %cr0, %eax
        mov     %eax, 0x300c            /* CR0 as the guest starts: PE|ET */
        or      $0x20, %eax             /* NE: forced and owned by the host on VMX, */
        mov     %eax, %cr0              /* so this move exits there and the container */
        mov     %cr0, %eax              /* completes it without a generic exit */
        mov     %eax, 0x3010
        mov     $0x2a, %eax             /* hypercall number, then Xen's 32-bit argument registers */
        mov     $0x11, %ebx
        mov     $0x22, %ecx
        mov     $0x33, %edx
        mov     $0x44, %esi
        mov     $0x55, %edi
hvm_test_guest_hypercall:
        vmmcall                         /* exit 4 */
        mov     %eax, 0x3004            /* the hypercall's result */
        movl    $0xc0ffee11, 0x3008
1:      hlt                             /* exit 5 */
        jmp     1b
hvm_test_guest_end:
        .code64
