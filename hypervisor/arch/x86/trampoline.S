/* How an application processor gets from a Start-Up IPI to the hypervisor.
 *
 * The boot CPU copies smp_trampoline_start..smp_trampoline_end to a page
 * below 1 MiB, fills in smp_trampoline_efer and smp_trampoline_start_info
 * (an ApStart, ap_start.hpp) and sends INIT-SIPI-SIPI (SDM Vol. 3 §10.4.4).
 * The AP wakes in real mode at CS:IP = page:0 and climbs to long mode the
 * way the boot CPU did (SDM Vol. 3 §10.8.5): a flat GDT, protected mode,
 * PAE + EFER.LME + paging on the boot page tables (boot_pml4 in entry32.S:
 * the low 4 GiB identity-mapped and the image window), then 64-bit code.
 * It leaves the copy through the image window for smp_ap_entry, which
 * checks that the ApStart is meant for it, switches to the hypervisor's page
 * tables and its own stack, and calls smp_ap_start() in smp.cpp.
 *
 * The copy runs at an address known only at run time: the real-mode code
 * works it out from CS and patches the GDT pointer and the far jumps. No
 * stack is used before smp_ap_entry, so any number of APs could share the
 * page; the boot CPU starts them one at a time all the same. */
#include "hypervisor/arch/x86/ap_start.hpp"

#define CR0_PE (1 << 0)
#define CR0_ET (1 << 4)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define EFER_MSR 0xc0000080
#define EFER_LME (1 << 8)

#define CODE32 0x08
#define DATA 0x10
#define CODE64 0x18

/* An offset inside the copy. */
#define REL(symbol) symbol - smp_trampoline_start

        .section .rodata.smp_trampoline, "a"
        .balign 16
        .globl smp_trampoline_start
smp_trampoline_start:
        .code16
        cli
        cld
        mov     %cs, %ax
        mov     %ax, %ds
        movzwl  %ax, %ebx
        shll    $4, %ebx                        /* ebx = the copy's physical address */

        leal    REL(tr_gdt)(%ebx), %eax
        movl    %eax, REL(tr_gdt_base)
        leal    REL(tr_protected)(%ebx), %eax
        movl    %eax, REL(tr_jump32)
        leal    REL(tr_long)(%ebx), %eax
        movl    %eax, REL(tr_jump64)

        lgdtl   REL(tr_gdt_pointer)
        /* INIT leaves CR0 = 60000010H, CD and NW set (SDM Vol. 3, processor
         * state following power-up, reset or INIT): caches on. */
        movl    $(CR0_PE | CR0_ET), %eax
        movl    %eax, %cr0
        ljmpl   *REL(tr_jump32)

        .code32
tr_protected:
        movl    $DATA, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        movl    %eax, %fs
        movl    %eax, %gs

        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $boot_pml4, %eax
        movl    %eax, %cr3
        movl    $EFER_MSR, %ecx
        rdmsr
        orl     $EFER_LME, %eax
        orl     REL(smp_trampoline_efer)(%ebx), %eax    /* NXE, if the boot CPU uses it */
        wrmsr
        movl    $(CR0_PE | CR0_ET | CR0_WP | CR0_PG), %eax
        movl    %eax, %cr0
        ljmpl   *REL(tr_jump64)(%ebx)

        .code64
tr_long:
        movl    %ebx, %ebx                      /* upper halves are undefined after compatibility mode */
        movq    REL(smp_trampoline_start_info)(%rbx), %rdi
        movabsq $smp_ap_entry, %rax
        jmpq    *%rax

        .balign 8
tr_gdt:
        .quad   0
        .quad   0x00cf9a000000ffff              /* CODE32: 32-bit ring-0 code, flat */
        .quad   0x00cf92000000ffff              /* DATA: ring-0 data, flat */
        .quad   0x00af9a000000ffff              /* CODE64: 64-bit ring-0 code */
tr_gdt_end:
tr_gdt_pointer:
        .word   tr_gdt_end - tr_gdt - 1
tr_gdt_base:
        .long   0
tr_jump32:
        .long   0
        .word   CODE32
tr_jump64:
        .long   0
        .word   CODE64

        .balign 4
        .globl smp_trampoline_efer
smp_trampoline_efer:
        .long   0
        .balign 8
        .globl smp_trampoline_start_info
smp_trampoline_start_info:
        .quad   0
        .globl smp_trampoline_end
smp_trampoline_end:

/* Through the image window, still on the boot page tables, no stack yet.
 * RDI = the ApStart. An AP that wakes up late, after the boot CPU gave up
 * on it and moved on, finds another CPU's ApStart here: it must not take
 * that CPU's stack, so it compares APIC IDs first (CPUID leaf 0BH EDX is
 * the x2APIC ID; leaf 01H EBX[31:24] the 8-bit one on older CPUs) and parks. */
        .section .text
        .code64
        .globl smp_ap_entry
smp_ap_entry:
        movq    %rdi, %r12
        xorl    %eax, %eax
        cpuid
        cmpl    $0xb, %eax
        jb      1f
        movl    $0xb, %eax
        xorl    %ecx, %ecx
        cpuid
        testw   %bx, %bx                        /* EBX[15:0] = 0: leaf 0BH not implemented */
        jz      1f
        movl    %edx, %esi
        jmp     2f
1:      movl    $1, %eax
        cpuid
        shrl    $24, %ebx
        movl    %ebx, %esi
2:      cmpl    AP_START_APIC_ID(%r12), %esi
        jne     3f

        movq    AP_START_CR3(%r12), %rax
        movq    %rax, %cr3
        movq    AP_START_STACK_TOP(%r12), %rsp
        xorl    %ebp, %ebp
        movq    %r12, %rdi
        call    smp_ap_start
3:      cli
        hlt
        jmp     3b
