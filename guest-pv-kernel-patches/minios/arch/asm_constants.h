/* Numbers the assembly files need, as preprocessor macros (the ABI headers
 * are C++ and cannot be included from .S files). arch/asm_checks.cpp
 * static_asserts every value here against hypervisor/include/public and
 * arch/frame.hpp, so the two cannot drift apart. */
#ifndef MINIOS_ARCH_ASM_CONSTANTS_H
#define MINIOS_ARCH_ASM_CONSTANTS_H

/* Where the image is linked and asks to be mapped (VIRT_BASE note); the
 * kernel code model needs the top 2 GiB. */
#define MINIOS_VIRT_BASE 0xffffffff80000000
/* Where the image starts, physically (its p_paddr, PADDR_OFFSET 0) and
 * virtually (VIRT_BASE + that). 1 MiB: above the real-mode area, where a
 * PVH or multiboot loader can put it, like Linux's layout (16 MiB there).
 * minios.ld restates both. */
#define MINIOS_KERNEL_PHYS 0x100000
#define MINIOS_KERNEL_VIRT (MINIOS_VIRT_BASE + MINIOS_KERNEL_PHYS)

/* Hypercall page: one 32-byte stub per hypercall number. */
#define MINIOS_HYPERCALL_STUB_SIZE 32
#define MINIOS_HYPERCALL_IRET 23

/* Xen's flat ring-3 selectors (kernel and user are the same on x86-64). */
#define MINIOS_FLAT_CS 0xe033
#define MINIOS_FLAT_SS 0xe02b

/* IretContext.flags: return SYSRET-style (rcx/r11 discarded). */
#define MINIOS_VGCF_IN_SYSCALL 0x100

/* ELF note types (Xen's elfnote.h numbers). */
#define MINIOS_NOTE_ENTRY 1
#define MINIOS_NOTE_HYPERCALL_PAGE 2
#define MINIOS_NOTE_VIRT_BASE 3
#define MINIOS_NOTE_PADDR_OFFSET 4
#define MINIOS_NOTE_XEN_VERSION 5
#define MINIOS_NOTE_GUEST_OS 6
#define MINIOS_NOTE_GUEST_VERSION 7
#define MINIOS_NOTE_LOADER 8
#define MINIOS_NOTE_FEATURES 10
#define MINIOS_NOTE_SUPPORTED_FEATURES 17
#define MINIOS_NOTE_PHYS32_ENTRY 18
/* XENFEAT_dom0: the kernel can run as the initial domain. */
#define MINIOS_FEATURE_DOM0_BIT 11

/* Pseudo-vectors for entries that are not exceptions (TrapFrame.vector). */
#define MINIOS_VECTOR_EVENT 0x100
#define MINIOS_VECTOR_SYSCALL 0x101

/* TrapFrame (arch/frame.hpp): byte offsets and size. */
#define MINIOS_FRAME_VECTOR 120
#define MINIOS_FRAME_ERROR_CODE 128
#define MINIOS_FRAME_SIZE 176

/* KernelContext (arch/frame.hpp): callee-saved registers and rsp. */
#define MINIOS_CONTEXT_RBX 0
#define MINIOS_CONTEXT_RBP 8
#define MINIOS_CONTEXT_R12 16
#define MINIOS_CONTEXT_R13 24
#define MINIOS_CONTEXT_R14 32
#define MINIOS_CONTEXT_R15 40
#define MINIOS_CONTEXT_RSP 48

/* Hardware-container (PVH) and bare-metal start of day (arch/start32.S):
 * the GDT selectors of the 64-bit kernel, and the boot modes the 32-bit
 * entry points hand to minios_start_hvm() (kernel/platform.hpp BootMode). */
#define MINIOS_GDT_CODE64 0x08
#define MINIOS_GDT_DATA 0x10
#define MINIOS_BOOT_MODE_PVH 1
#define MINIOS_BOOT_MODE_NATIVE 2
/* Multiboot (version 1) header and loader magics. */
#define MINIOS_MULTIBOOT_MAGIC 0x1badb002
#define MINIOS_MULTIBOOT_LOADER_MAGIC 0x2badb002
/* The event-channel upcall vector of a PVH domain (the IDT entry
 * arch/idt_entry.S installs; Xen's vector-type callback). */
#define MINIOS_UPCALL_VECTOR 0xf3

/* RFLAGS for a new user process: IF (events unmasked) and the always-one
 * bit 1. */
#define MINIOS_USER_RFLAGS 0x202

#endif /* MINIOS_ARCH_ASM_CONSTANTS_H */
