/* The 32-bit start of day: PVH (Xen's hardware-container entry) and bare
 * metal (multiboot version 1). Both arrive in 32-bit protected mode with
 * paging off and flat segments (Xen docs/misc/pvh.pandoc; Multiboot
 * Specification 0.6.96 §3.2), the kernel at its physical load address
 * (minios.ld: virtual - VIRT_BASE), no stack and interrupts off:
 *   PVH:       ebx = guest-physical address of hvm_start_info
 *   multiboot: eax = 0x2badb002, ebx = physical address of the
 *              multiboot information
 * Both build the same page tables, enter long mode and call
 *   minios_start_hvm(uint32_t boot_mode, uint64_t info_paddr)
 * (kernel/platform.hpp) on the kernel's boot stack at its virtual address.
 *
 * Page tables (six pages of .bss, 2 MiB pages; Intel SDM Vol. 3 §4.5):
 *   L4[0]   -> L3 low:  L3[0..3] -> L2[0..3]: identity map of 0..4 GiB, so
 *              that hvm_start_info, modules, the memory map and rings are
 *              reachable wherever the loader put them below 4 GiB;
 *   L4[511] -> L3 high: L3[510..511] -> L2[0..1]: VIRT_BASE + x -> x for the
 *              first 2 GiB, where the kernel runs (the kernel code model).
 * The first two L2 pages serve both maps. Everything is writable and
 * executable (no NX): a test kernel, not a hardened one. */
#include "arch/asm_constants.h"

/* The physical address of a kernel symbol: only meaningful before paging
 * (and in the identity map). */
#define PA(sym) ((sym) - MINIOS_VIRT_BASE)

#define CR0_PE 0x00000001
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100
#define PTE_TABLE 0x003 /* present, writable */
#define PTE_LARGE 0x083 /* present, writable, 2 MiB page */
#define PAGE 4096

    .section .text.start32, "ax", @progbits
    .code32

/* Multiboot version 1 header (the spec wants it 4-byte aligned in the
 * first 8 KiB of the file; the ELF32 wrapper QEMU's -kernel loads puts
 * the text early enough). Flags 0: no alignment, memory or video needs;
 * the loader uses the ELF program headers. */
    .balign 4
    .globl minios_multiboot_header
minios_multiboot_header:
    .long MINIOS_MULTIBOOT_MAGIC
    .long 0
    .long -MINIOS_MULTIBOOT_MAGIC

    .globl minios_pvh_start32
    .type minios_pvh_start32, @function
minios_pvh_start32:
    movl $MINIOS_BOOT_MODE_PVH, %edi
    jmp start32_common
    .size minios_pvh_start32, . - minios_pvh_start32

    .globl minios_multiboot_start32
    .type minios_multiboot_start32, @function
minios_multiboot_start32:
    movl $MINIOS_BOOT_MODE_NATIVE, %edi
    /* A multiboot loader without the magic in eax is not one: no info. */
    cmpl $MINIOS_MULTIBOOT_LOADER_MAGIC, %eax
    je start32_common
    xorl %ebx, %ebx
    jmp start32_common
    .size minios_multiboot_start32, . - minios_multiboot_start32

/* edi = boot mode, ebx = info address. Moved to edx and esi, which the
 * code below leaves alone (rep stos/loop use eax, ecx, edi; rdmsr/wrmsr
 * clobber edx, saved around them). */
start32_common:
    cli
    cld
    movl %edi, %edx                 /* boot mode */
    movl %ebx, %esi                 /* info address */
    movl $PA(boot_stack_top), %esp

    /* Zero the six page-table pages (the loader may not zero .bss). */
    movl $PA(start32_page_tables), %edi
    movl $(6 * PAGE / 4), %ecx
    xorl %eax, %eax
    rep stosl

    /* L2[0..3]: 2048 2 MiB pages, 0..4 GiB. */
    movl $PA(start32_l2), %edi
    movl $PTE_LARGE, %eax
    movl $2048, %ecx
1:  movl %eax, (%edi)
    addl $0x200000, %eax
    addl $8, %edi
    loop 1b

    /* L3 low: four L2 tables. L3 high: slots 510 and 511 (VIRT_BASE is
     * L4 slot 511, L3 slot 510) reuse the first two. */
    movl $(PA(start32_l2) + PTE_TABLE), PA(start32_l3_low)
    movl $(PA(start32_l2) + 1 * PAGE + PTE_TABLE), PA(start32_l3_low) + 8
    movl $(PA(start32_l2) + 2 * PAGE + PTE_TABLE), PA(start32_l3_low) + 16
    movl $(PA(start32_l2) + 3 * PAGE + PTE_TABLE), PA(start32_l3_low) + 24
    movl $(PA(start32_l2) + PTE_TABLE), PA(start32_l3_high) + 510 * 8
    movl $(PA(start32_l2) + 1 * PAGE + PTE_TABLE), PA(start32_l3_high) + 511 * 8
    movl $(PA(start32_l3_low) + PTE_TABLE), PA(start32_l4)
    movl $(PA(start32_l3_high) + PTE_TABLE), PA(start32_l4) + 511 * 8

    /* Long mode (SDM Vol. 3 §10.8.5): PAE, CR3, EFER.LME, then paging. */
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $PA(start32_l4), %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    pushl %edx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    popl %edx
    lgdt PA(start32_gdt_pointer32)
    movl %cr0, %eax
    orl $(CR0_PE | CR0_PG), %eax
    movl %eax, %cr0
    ljmp $MINIOS_GDT_CODE64, $PA(start64_low)

    .code64
start64_low:
    /* Running from the identity map: go to the kernel's virtual address. */
    movabsq $start64_high, %rax
    jmp *%rax
start64_high:
    lgdt start32_gdt_pointer64(%rip)
    movl $MINIOS_GDT_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs
    leaq boot_stack_top(%rip), %rsp
    movl %edx, %edi                 /* boot mode */
    movl %esi, %esi                 /* info address, zero-extended */
    xorl %ebp, %ebp                 /* end of the frame-pointer chain */
    call minios_start_hvm           /* noreturn */
1:  hlt
    jmp 1b

/* The kernel's GDT (also used after start of day: the IDT gates name
 * MINIOS_GDT_CODE64). 64-bit code, DPL 0 (L=1, D=0); flat data. */
    .section .rodata, "a", @progbits
    .balign 16
    .globl minios_gdt
minios_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* MINIOS_GDT_CODE64 */
    .quad 0x00cf92000000ffff        /* MINIOS_GDT_DATA */
minios_gdt_end:

    .balign 8
start32_gdt_pointer32:              /* lgdt in 32-bit mode: physical base */
    .word minios_gdt_end - minios_gdt - 1
    .long PA(minios_gdt)
    .balign 8
start32_gdt_pointer64:              /* lgdt in 64-bit mode: virtual base */
    .word minios_gdt_end - minios_gdt - 1
    .quad minios_gdt

    .section .bss.start32, "aw", @nobits
    .balign PAGE
start32_page_tables:
start32_l4:
    .skip PAGE
start32_l3_low:
    .skip PAGE
start32_l3_high:
    .skip PAGE
start32_l2:
    .skip 4 * PAGE

    .section .note.GNU-stack, "", @progbits
