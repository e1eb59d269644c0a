/* The handover from UEFI's 64-bit long mode to the hypervisor's 32-bit
 * multiboot2 entry (Multiboot2 Specification §3.3, i386 machine state).
 *
 *   void handover(uint32_t entry, uint32_t info, uint32_t magic, uint64_t stack_top)
 *
 * efi_main.cpp copies handover_start..handover_end into a page it allocated
 * below 4 GiB and calls the copy after ExitBootServices, with stack_top the end
 * of that page. The code is position-independent: it finds its GDT
 * RIP-relatively and builds the GDT pointer on that stack. The firmware's page
 * tables identity-map all memory, so the copy keeps running at the same
 * address once paging is off.
 *
 * Leaving IA-32e mode (SDM Vol. 3 §10.8.5.4): go to compatibility mode
 * through a 32-bit code segment, turn paging off, clear EFER.LME. CR4.PCIDE
 * must be clear before paging can be (SDM Vol. 3 §4.10.1), so it goes first;
 * CR4 then starts from zero as after a BIOS boot, and the entry sets what it
 * needs (PAE) itself. */

#define CODE32 0x08
#define DATA32 0x10
#define CR0_PG (1 << 31)
#define CR4_PCIDE (1 << 17)
#define EFER_MSR 0xc0000080
#define EFER_LME (1 << 8)

        .text
        .code64
        .globl handover_start, handover_end
        .balign 16
handover_start:
        cli
        mov     %rcx, %rsp              /* our own stack, below 4 GiB */
        mov     %cr4, %rax
        and     $~CR4_PCIDE, %rax
        mov     %rax, %cr4

        lea     handover_gdt(%rip), %rax
        sub     $16, %rsp
        movw    $(handover_gdt_end - handover_gdt - 1), (%rsp)
        mov     %rax, 2(%rsp)
        lgdt    (%rsp)
        add     $16, %rsp

        /* EDI = entry stays; EBX = info and EBP = magic survive RDMSR/WRMSR. */
        mov     %esi, %ebx
        mov     %edx, %ebp
        lea     compat32(%rip), %rax
        pushq   $CODE32
        pushq   %rax
        lretq

        .code32
compat32:
        mov     $DATA32, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %fs
        mov     %eax, %gs
        mov     %eax, %ss

        mov     %cr0, %eax
        and     $~CR0_PG, %eax
        mov     %eax, %cr0
        jmp     1f
1:      mov     $EFER_MSR, %ecx
        rdmsr
        and     $~EFER_LME, %eax
        wrmsr
        xor     %eax, %eax
        mov     %eax, %cr4
        mov     %eax, %cr3

        mov     %ebp, %eax              /* EAX = multiboot2 magic, EBX = info */
        xor     %ebp, %ebp
        jmp     *%edi

        .balign 8
handover_gdt:
        .quad   0
        .quad   0x00cf9a000000ffff      /* CODE32: flat 32-bit ring-0 code */
        .quad   0x00cf92000000ffff      /* DATA32: flat ring-0 data */
handover_gdt_end:
handover_end:

        .section .note.GNU-stack, "", @progbits
