// The guest general registers that a hardware container's world switch saves
// and restores itself: VMRUN and VM entry keep only RAX (SVM), RSP, RIP and
// RFLAGS in the control structure (APM Vol. 2 §15.5.1, SDM Vol. 3 §28.3).
// The world-switch stubs use the GR_* offsets; the static_asserts keep both
// in step.
#pragma once

#define GR_RAX 0x00
#define GR_RBX 0x08
#define GR_RCX 0x10
#define GR_RDX 0x18
#define GR_RSI 0x20
#define GR_RDI 0x28
#define GR_RBP 0x30
#define GR_R8 0x38
#define GR_R9 0x40
#define GR_R10 0x48
#define GR_R11 0x50
#define GR_R12 0x58
#define GR_R13 0x60
#define GR_R14 0x68
#define GR_R15 0x70
#define GR_SIZE 0x78

#ifdef __ASSEMBLER__
/* The registers both world switches move the same way between the CPU and
 * the GuestRegisters at \base: all but RAX (SVM keeps it in the VMCB), RDI
 * (the pointer itself) and RSP (in the VMCB / VMCS). */
.macro load_guest_registers base
        mov     GR_RBX(\base), %rbx
        mov     GR_RCX(\base), %rcx
        mov     GR_RDX(\base), %rdx
        mov     GR_RSI(\base), %rsi
        mov     GR_RBP(\base), %rbp
        mov     GR_R8(\base), %r8
        mov     GR_R9(\base), %r9
        mov     GR_R10(\base), %r10
        mov     GR_R11(\base), %r11
        mov     GR_R12(\base), %r12
        mov     GR_R13(\base), %r13
        mov     GR_R14(\base), %r14
        mov     GR_R15(\base), %r15
.endm
.macro save_guest_registers base
        mov     %rbx, GR_RBX(\base)
        mov     %rcx, GR_RCX(\base)
        mov     %rdx, GR_RDX(\base)
        mov     %rsi, GR_RSI(\base)
        mov     %rbp, GR_RBP(\base)
        mov     %r8, GR_R8(\base)
        mov     %r9, GR_R9(\base)
        mov     %r10, GR_R10(\base)
        mov     %r11, GR_R11(\base)
        mov     %r12, GR_R12(\base)
        mov     %r13, GR_R13(\base)
        mov     %r14, GR_R14(\base)
        mov     %r15, GR_R15(\base)
.endm
#endif

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>

namespace pv::x86::hvm {

// RSP lives in the vendor's control structure, so it is not here. RAX is
// here for every vendor; SVM copies it to and from the VMCB around VMRUN.
struct GuestRegisters {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

static_assert(offsetof(GuestRegisters, rax) == GR_RAX);
static_assert(offsetof(GuestRegisters, rbx) == GR_RBX);
static_assert(offsetof(GuestRegisters, rcx) == GR_RCX);
static_assert(offsetof(GuestRegisters, rdx) == GR_RDX);
static_assert(offsetof(GuestRegisters, rsi) == GR_RSI);
static_assert(offsetof(GuestRegisters, rdi) == GR_RDI);
static_assert(offsetof(GuestRegisters, rbp) == GR_RBP);
static_assert(offsetof(GuestRegisters, r8) == GR_R8);
static_assert(offsetof(GuestRegisters, r9) == GR_R9);
static_assert(offsetof(GuestRegisters, r10) == GR_R10);
static_assert(offsetof(GuestRegisters, r11) == GR_R11);
static_assert(offsetof(GuestRegisters, r12) == GR_R12);
static_assert(offsetof(GuestRegisters, r13) == GR_R13);
static_assert(offsetof(GuestRegisters, r14) == GR_R14);
static_assert(offsetof(GuestRegisters, r15) == GR_R15);
static_assert(sizeof(GuestRegisters) == GR_SIZE);

} // namespace pv::x86::hvm
#endif
