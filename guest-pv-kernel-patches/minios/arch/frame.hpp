// Register frames shared between arch/entry.S and C++.
//
// How a 64-bit PV guest kernel is entered (Xen's create_bounce_frame in
// xen/arch/x86/x86_64/entry.S, and Paravane's trap bounce): the hypervisor
// switches to guest kernel mode (onto the stack given by stack_switch when
// the guest was in user mode, else below the interrupted rsp), aligns the
// stack down to 16 bytes and pushes, from high to low addresses:
//
//     ss, rsp, rflags, cs, rip, [error code], rcx, r11      <- rsp on entry
//     (failsafe callback: ds, es, fs, gs between rip and r11... see below)
//
// so on entry [rsp] = rcx and [rsp+8] = r11 of the interrupted context (the
// hypervisor may have returned through SYSRET, which clobbers both), then
// the error code if the exception has one, then a hardware-like frame.
//   cs:     bits 15:0 the interrupted selector, RPL 0 when the guest was in
//           kernel mode (the "ring 0" it pretends to run in), RPL 3 in user
//           mode; bits 39:32 the event mask (vcpu_info.evtchn_upcall_mask)
//           before the entry.
//   rflags: IF = !saved event mask.
// The failsafe callback frame has ds, es, fs, gs (8 bytes each, ds lowest)
// between r11 and rip instead of an error code.
// A handler returns through the iret hypercall (IretContext in
// include/public/hypercall.hpp) with the frame it got minus rcx/r11/error
// code: push the flags word and jump to the iret stub, which pushes rcx,
// r11 and rax itself.
#pragma once

#include "arch/asm_constants.h"

#include <cstddef>
#include <cstdint>

namespace minios {

// What arch/entry.S saves on every entry (exceptions, event and syscall
// callbacks) and hands to C++. Low addresses first.
struct TrapFrame {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    uint64_t rax, rcx, rdx, rsi, rdi;
    uint64_t vector;     // exception vector or MINIOS_VECTOR_*
    uint64_t error_code; // 0 when the exception has none; on return, the iret flags
    // The bounce frame the hypervisor built.
    uint64_t rip;
    uint64_t cs; // see above: selector and saved event mask
    uint64_t rflags;
    uint64_t rsp;
    uint64_t ss;

    uint16_t selector() const { return static_cast<uint16_t>(cs); }
    bool from_user_mode() const { return (cs & 3) == 3; }
    uint8_t saved_event_mask() const { return static_cast<uint8_t>(cs >> 32); }
};
static_assert(sizeof(TrapFrame) == MINIOS_FRAME_SIZE);
static_assert(offsetof(TrapFrame, vector) == MINIOS_FRAME_VECTOR);
static_assert(offsetof(TrapFrame, error_code) == MINIOS_FRAME_ERROR_CODE);
static_assert(offsetof(TrapFrame, rip) == 136);
static_assert(offsetof(TrapFrame, ss) == 168);

// The failsafe callback's frame, after entry.S saved the registers.
struct FailsafeFrame {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    uint64_t rax, rcx, rdx, rsi, rdi;
    uint64_t ds, es, fs, gs; // the selectors the hypervisor failed to load
    uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(FailsafeFrame) == 24 * 8);
static_assert(offsetof(FailsafeFrame, ds) == 120);
static_assert(offsetof(FailsafeFrame, rip) == 152);

// Kernel state saved by user_enter() and restored by user_exit(): the
// callee-saved registers and the stack pointer (a setjmp buffer).
struct KernelContext {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp;
};
static_assert(offsetof(KernelContext, rbx) == MINIOS_CONTEXT_RBX);
static_assert(offsetof(KernelContext, rbp) == MINIOS_CONTEXT_RBP);
static_assert(offsetof(KernelContext, r12) == MINIOS_CONTEXT_R12);
static_assert(offsetof(KernelContext, r13) == MINIOS_CONTEXT_R13);
static_assert(offsetof(KernelContext, r14) == MINIOS_CONTEXT_R14);
static_assert(offsetof(KernelContext, r15) == MINIOS_CONTEXT_R15);
static_assert(offsetof(KernelContext, rsp) == MINIOS_CONTEXT_RSP);

// Exception vectors minios installs handlers for (SDM Vol. 3 §6.3.1).
enum class Vector : uint8_t {
    divide_error = 0,
    debug = 1,
    breakpoint = 3,
    overflow = 4,
    bound_range = 5,
    invalid_opcode = 6,
    device_not_available = 7,
    invalid_tss = 10,
    segment_not_present = 11,
    stack_fault = 12,
    general_protection = 13,
    page_fault = 14,
    x87_fpu = 16,
    alignment_check = 17,
    machine_check = 18,
    simd = 19,
};

extern "C" {
// arch/head.S: the page the hypervisor fills with hypercall stubs.
extern char hypercall_page[];
// arch/entry.S entry points registered with the hypervisor.
void minios_event_callback();
void minios_failsafe_callback();
void minios_syscall_callback();
// Enters guest user mode at `entry` with rsp = user_stack and rdi = arg
// (iret hypercall, RPL 3). Returns the code a later user_exit() passes.
uint64_t user_enter(KernelContext* saved, uint64_t entry, uint64_t user_stack, uint64_t arg);
// Resumes the kernel where user_enter() was called, which returns `code`.
[[noreturn]] void user_exit(const KernelContext* saved, uint64_t code);
}

} // namespace minios
