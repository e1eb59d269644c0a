/* Numbers the assembly files need, as preprocessor macros (the ABI headers
 * are C++ and cannot be included from .S files). arch/asm_checks.cpp
 * static_asserts every value here against hypervisor/include/public and
 * arch/frame.hpp, so the two cannot drift apart. */
#ifndef MINIOS_ARCH_ASM_CONSTANTS_H
#define MINIOS_ARCH_ASM_CONSTANTS_H

/* Where the image is linked and asks to be mapped (VIRT_BASE note); the
 * kernel code model needs the top 2 GiB. */
#define MINIOS_VIRT_BASE 0xffffffff80000000

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

/* RFLAGS for a new user process: IF (events unmasked) and the always-one
 * bit 1. */
#define MINIOS_USER_RFLAGS 0x202

#endif /* MINIOS_ARCH_ASM_CONSTANTS_H */
