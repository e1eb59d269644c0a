/* minios start of day: the Xen ELF notes, the PV entry point, the boot
 * stack and the hypercall page. (The PVH and bare-metal entries, in 32-bit
 * mode, are in arch/start32.S.)
 *
 * State on PV entry (Xen's x86-64 PV start of day, xen.h and dom0_build.c):
 *   rip = ENTRY note (_start), cs = 0xe033, ss = 0xe02b, ds = es = fs = gs = 0
 *   rsi = virtual address of start_info
 *   rsp = top of a one-page boot stack that follows the bootstrap page
 *         tables; at least 512 KiB of mapped padding follow it
 *   all other general registers zero, events masked (upcall_mask = 1)
 * The one-page stack is small for C++, so we switch to our own at once. */
#include "arch/asm_constants.h"

/* One Xen ELF note: owner "Xen", type, descriptor emitted by `directive`. */
.macro xen_note type:req, directive:req, value:vararg
    .balign 4
    .long 2f - 1f
    .long 4f - 3f
    .long \type
1:  .asciz "Xen"
2:  .balign 4
3:  \directive \value
4:  .balign 4
.endm

    .section .note.Xen, "a", @note
    xen_note MINIOS_NOTE_GUEST_OS, .asciz, "Paravane-minios"
    xen_note MINIOS_NOTE_GUEST_VERSION, .asciz, MINIOS_VERSION_STRING
    xen_note MINIOS_NOTE_XEN_VERSION, .asciz, "xen-3.0"
    xen_note MINIOS_NOTE_LOADER, .asciz, "generic"
    xen_note MINIOS_NOTE_VIRT_BASE, .quad, MINIOS_VIRT_BASE
    /* p_paddr is the physical load address (minios.ld): a PV builder maps
     * the kernel at VIRT_BASE + p_paddr - PADDR_OFFSET = its p_vaddr, a PVH
     * builder loads it at p_paddr. */
    xen_note MINIOS_NOTE_PADDR_OFFSET, .quad, 0
    xen_note MINIOS_NOTE_ENTRY, .quad, _start
    /* PVH: 32-bit protected mode, paging off, ebx = hvm_start_info
     * (arch/start32.S); a physical address. */
    xen_note MINIOS_NOTE_PHYS32_ENTRY, .long, minios_pvh_start32 - MINIOS_VIRT_BASE
    xen_note MINIOS_NOTE_HYPERCALL_PAGE, .quad, hypercall_page
    /* Nothing required: minios never writes page tables and runs in ring 3.
     * "dom0" says it can be the initial domain (Xen checks this bit when
     * SUPPORTED_FEATURES is present). */
    xen_note MINIOS_NOTE_FEATURES, .asciz, "dom0"
    xen_note MINIOS_NOTE_SUPPORTED_FEATURES, .long, (1 << MINIOS_FEATURE_DOM0_BIT)

    .section .text.entry, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    cld
    movq %rsp, %rdx                 /* the hypervisor's boot stack top */
    leaq boot_stack_top(%rip), %rsp
    movq %rsi, %rdi                 /* start_info */
    movq %rdx, %rsi
    xorl %ebp, %ebp                 /* end of the frame-pointer chain */
    call minios_start               /* (const StartInfo*, uint64_t entry_rsp), noreturn */
1:  ud2
    jmp 1b
    .size _start, . - _start

    /* Filled by the hypervisor while building the domain (PV: the
     * HYPERCALL_PAGE note; PVH: minios writes the page's physical address
     * to Xen's hypercall MSR); int3 until then
     * so that a call into an unfilled page traps instead of running on. */
    .section .text.hypercall_page, "ax", @progbits
    .balign 4096
    .globl hypercall_page
    .type hypercall_page, @object
hypercall_page:
    .fill 4096, 1, 0xcc
    .size hypercall_page, 4096

    .section .bss.boot_stack, "aw", @nobits
    .balign 16
    .globl boot_stack_top
boot_stack:
    .skip 32768
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
