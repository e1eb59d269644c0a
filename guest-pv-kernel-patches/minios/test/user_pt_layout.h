/* The address space of the self-test's process with its own page tables
 * (test/test_pv_mmu.cpp): one L4 -> L3 -> L2 -> L1 chain in the lower half
 * mapping a read-only code page and a writable data/stack page. Shared by
 * C++ and test/user_pt_programs.S. */
#ifndef MINIOS_TEST_USER_PT_LAYOUT_H
#define MINIOS_TEST_USER_PT_LAYOUT_H

/* L4 slot 0, L3 slot 0, L2 slot 2, L1 slots 0 and 1. */
#define USER_PT_CODE_VA 0x400000
#define USER_PT_DATA_VA 0x401000
#define USER_PT_STACK_TOP 0x402000

/* Words the main program leaves in its data page. */
#define USER_PT_DATA_ARG 0       /* its argument */
#define USER_PT_DATA_ENOSYS 8    /* result of an unknown syscall */
#define USER_PT_DATA_EFAULT 16   /* write() of its own buffer: the kernel cannot see it */
#define USER_PT_DATA_STACK 24    /* a value pushed and popped on its stack */
#define USER_PT_DATA_RSP 32      /* rsp at that point */

#endif
