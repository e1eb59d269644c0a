// The register frame that the interrupt/exception entry stubs build on the
// stack. entry.S uses the TF_* offsets; the static_asserts keep both in step.
#pragma once

#define TF_R15 0x00
#define TF_RAX 0x70
#define TF_VECTOR 0x78
#define TF_ERROR_CODE 0x80
#define TF_RIP 0x88
#define TF_CS 0x90
#define TF_RFLAGS 0x98
#define TF_RSP 0xa0
#define TF_SS 0xa8
#define TF_SIZE 0xb0

#ifdef __ASSEMBLER__
/* With the vector and error code already pushed (and the CPU's frame above
 * them): push the general registers to complete a TrapFrame, and call
 * `handler(frame)` under a frame-pointer link to the interrupted code so
 * that backtraces continue through it. Shared by every entry stub. */
.macro SAVE_FRAME_AND_CALL handler
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %rbp
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        cld
        mov     %rsp, %rdi
        pushq   TF_RIP(%rsp)
        pushq   %rbp
        mov     %rsp, %rbp
        call    \handler
        add     $16, %rsp
.endm
#else
#include <cstddef>
#include <cstdint>

namespace pv::x86 {

struct TrapFrame {
    // Pushed by exception_common, r15 last (lowest address).
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    // Pushed by the per-vector stub (a zero error code where the CPU gives none).
    uint64_t vector, error_code;
    // Pushed by the CPU (SDM Vol. 3 §7.14.2, 64-bit mode always pushes SS:RSP).
    uint64_t rip, cs, rflags, rsp, ss;
};

static_assert(offsetof(TrapFrame, r15) == TF_R15);
static_assert(offsetof(TrapFrame, rax) == TF_RAX);
static_assert(offsetof(TrapFrame, vector) == TF_VECTOR);
static_assert(offsetof(TrapFrame, error_code) == TF_ERROR_CODE);
static_assert(offsetof(TrapFrame, rip) == TF_RIP);
static_assert(offsetof(TrapFrame, cs) == TF_CS);
static_assert(offsetof(TrapFrame, rflags) == TF_RFLAGS);
static_assert(offsetof(TrapFrame, rsp) == TF_RSP);
static_assert(offsetof(TrapFrame, ss) == TF_SS);
static_assert(sizeof(TrapFrame) == TF_SIZE);

} // namespace pv::x86
#endif
