/* Guest memory by guest-virtual address, through the address space the CPU
 * has loaded: a PV guest's own page tables (the hypervisor's mappings sit
 * beside the guest's in every guest L4). The hardware walks the tables, so
 * an access reaches exactly what the guest itself could reach in its current
 * mode: every guest entry carries U (the PV MMU forces it), the guest's page
 * tables and descriptor pages are mapped read-only and CR0.WP makes ring 0
 * honour that (pv_cpu_init sets it). The caller (PvGuestSpace) has checked
 * that the range lies outside the hypervisor's slots
 * (guest_range_plausible).
 *
 * An access that faults (#PF: not present, read-only; #GP) does not reach
 * the hypervisor's fault handling: interrupt_common (entry.S) sees a fault
 * raised in ring 0 between pv_guest_access_begin and pv_guest_access_end and
 * resumes at pv_guest_access_fixup, which reports it. With SMAP on, the
 * accesses run between STAC and CLAC (SDM Vol. 3 §5.6.1), only here. */

        .section .text

/* uint64_t pv_guest_copy(void* dst, const void* src, uint64_t len): copies
 * len bytes, 8 at a time then the rest; returns 0, or 1 if an access
 * faulted (the destination may then hold part of the bytes). DF is clear
 * in the hypervisor (every entry stub clears it; SFMASK clears it on
 * SYSCALL). */
        .balign 16
        .globl  pv_guest_copy
        .type   pv_guest_copy, @function
pv_guest_copy:
        mov     %rdx, %rcx
        shr     $3, %rcx
        and     $7, %edx
        testb   $1, pv_guest_access_smap(%rip)
        jz      1f
        stac
1:
        .globl  pv_guest_access_begin
pv_guest_access_begin:
        rep movsq
        mov     %edx, %ecx
        rep movsb
        .globl  pv_guest_access_end
pv_guest_access_end:
        xor     %eax, %eax
2:      testb   $1, pv_guest_access_smap(%rip)
        jz      3f
        clac
3:      ret

/* Where a faulting access resumes (RSP and the other registers as at the
 * fault; AC as at the fault, cleared again below). */
        .globl  pv_guest_access_fixup
pv_guest_access_fixup:
        mov     $1, %eax
        jmp     2b
        .size   pv_guest_copy, . - pv_guest_copy
