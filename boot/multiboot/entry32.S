/* The 32-bit entry from a multiboot loader and the climb to long mode.
 *
 * Both multiboot protocols enter here in 32-bit protected mode, paging off,
 * EAX = loader magic, EBX = physical address of the loader's information.
 * We check for long mode, load static boot page tables that identity-map the
 * first 4 GiB and map the image window at PV_IMAGE_VIRT_OFFSET, enable
 * PAE + LME (+ NXE when present) + paging (SDM Vol. 3 §10.8.5), and jump to
 * the high 64-bit code, which zeroes .bss and calls hypervisor_start(). */
#include "hypervisor/arch/x86/layout.hpp"

#define COM1 0x3f8
#define CR4_PAE (1 << 5)
#define EFER_MSR 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define PTE_P_RW 0x003
#define PDE_LARGE 0x083

        .section .boot.text, "ax"
        .code32
        .globl multiboot_entry
multiboot_entry:
        cli
        cld
        mov     %eax, %edi              /* loader magic */
        mov     %ebx, %esi              /* loader info */

        mov     $0x80000000, %eax
        cpuid
        cmp     $0x80000001, %eax
        jb      no_long_mode
        mov     $0x80000001, %eax
        cpuid
        bt      $29, %edx               /* CPUID.80000001h:EDX.LM */
        jnc     no_long_mode
        mov     %edx, %ebp              /* keep EDX.NX (bit 20) */

        mov     $boot_pml4, %eax
        mov     %eax, %cr3
        mov     %cr4, %eax
        or      $CR4_PAE, %eax
        mov     %eax, %cr4
        mov     $EFER_MSR, %ecx
        rdmsr
        or      $EFER_LME, %eax
        bt      $20, %ebp
        jnc     1f
        or      $EFER_NXE, %eax
1:      wrmsr
        mov     %cr0, %eax
        or      $(CR0_PE | CR0_WP | CR0_PG), %eax
        mov     %eax, %cr0

        lgdt    boot_gdt_pointer
        ljmp    $0x08, $entry64_low

/* Without long mode there is nothing we can do: say so on COM1 and stop. */
no_long_mode:
        mov     $no_long_mode_message, %ebx
2:      movb    (%ebx), %al
        test    %al, %al
        jz      3f
        mov     $(COM1 + 5), %dx        /* line status: wait for THR empty */
4:      inb     %dx, %al
        test    $0x20, %al
        jz      4b
        movb    (%ebx), %al
        mov     $COM1, %dx
        outb    %al, %dx
        inc     %ebx
        jmp     2b
3:      hlt
        jmp     3b

        .code64
entry64_low:
        movabs  $entry64_high, %rax
        jmp     *%rax

        .section .boot.data, "aw"
no_long_mode_message:
        .asciz  "paravane: this CPU has no long mode (x86-64); cannot boot\r\n"

        .balign 16
        .globl boot_gdt
boot_gdt:
        .quad   0
        .quad   0x00af9a000000ffff      /* 0x08: 64-bit ring-0 code */
        .quad   0x00cf92000000ffff      /* 0x10: ring-0 data */
boot_gdt_end:
boot_gdt_pointer:
        .word   boot_gdt_end - boot_gdt - 1
        .long   boot_gdt

/* Boot page tables. PML4 slot 0 identity-maps 0-4 GiB with 2 MiB pages
 * (loader structures, the AP trampoline); slot 261 maps the 1 GiB image
 * window at PV_IMAGE_VIRT_OFFSET onto physical 0-1 GiB, reusing the first
 * identity page directory. The hypervisor replaces them once it runs. */
        .balign 4096
        .globl boot_pml4
boot_pml4:
        .quad   boot_pdpt_low + PTE_P_RW
        .fill   260, 8, 0
        .quad   boot_pdpt_high + PTE_P_RW       /* slot 261 */
        .fill   250, 8, 0
boot_pdpt_low:
        .quad   boot_pd + 0x0000 + PTE_P_RW
        .quad   boot_pd + 0x1000 + PTE_P_RW
        .quad   boot_pd + 0x2000 + PTE_P_RW
        .quad   boot_pd + 0x3000 + PTE_P_RW
        .fill   508, 8, 0
boot_pdpt_high:
        .fill   321, 8, 0
        .quad   boot_pd + PTE_P_RW              /* index 321 */
        .fill   190, 8, 0
boot_pd:
        .set    frame, 0
        .rept   2048
        .quad   (frame << 21) | PDE_LARGE
        .set    frame, frame + 1
        .endr

        .section .text.entry, "ax"
        .code64
entry64_high:
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        xor     %eax, %eax
        mov     %eax, %fs
        mov     %eax, %gs
        mov     %edi, %r12d             /* loader magic */
        mov     %esi, %r13d             /* loader info */

        lea     bss_start(%rip), %rdi   /* .bss holds the boot stack: zero it first */
        lea     bss_end(%rip), %rcx
        sub     %rdi, %rcx
        shr     $3, %rcx
        xor     %eax, %eax
        rep stosq

        lea     boot_stack_top(%rip), %rsp
        xor     %ebp, %ebp
        mov     %r12d, %edi
        mov     %r13d, %esi
        call    hypervisor_start
5:      cli
        hlt
        jmp     5b

        .section .bss
        .balign 4096
        .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
        .skip   PV_BOOT_STACK_SIZE
boot_stack_top:
