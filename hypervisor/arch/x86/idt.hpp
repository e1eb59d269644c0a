// The interrupt descriptor table and the dispatch of vectors to handlers.
#pragma once

#include "arch/x86/trap_frame.hpp"

#include <cstdint>

namespace pv::x86 {

namespace vector {
inline constexpr uint8_t divide_error = 0, debug = 1, nmi = 2, breakpoint = 3, overflow = 4;
inline constexpr uint8_t bound_range = 5, invalid_opcode = 6, device_not_available = 7;
inline constexpr uint8_t double_fault = 8, invalid_tss = 10, segment_not_present = 11;
inline constexpr uint8_t stack_fault = 12, general_protection = 13, page_fault = 14;
inline constexpr uint8_t x87_fault = 16, alignment_check = 17, machine_check = 18, simd = 19;
inline constexpr uint8_t virtualization = 20, control_protection = 21;
// Vectors the hypervisor programs itself (above the 0x20-0x2f legacy PIC range).
inline constexpr uint8_t call_function_ipi = 0xf0;
inline constexpr uint8_t apic_timer = 0xf1;
inline constexpr uint8_t halt_ipi = 0xf2;
inline constexpr uint8_t event_check_ipi = 0xf3; // wake a CPU to look at its vCPU
inline constexpr uint8_t tlb_flush_ipi = 0xf4;   // flush this CPU's TLB (pv/remote_tlb.hpp)
inline constexpr uint8_t apic_spurious = 0xff;
} // namespace vector

// Interrupt stack table slots in the TSS (SDM Vol. 3 §8.7): these three must
// run on a known-good stack whatever the state of the current one.
namespace ist {
inline constexpr uint8_t nmi = 1, double_fault = 2, machine_check = 3;
inline constexpr uint8_t count = 3;
} // namespace ist

using InterruptHandler = void (*)(TrapFrame&);

// Fill the IDT (once, on the boot CPU) and load it (on every CPU).
void idt_init();
void idt_load();
// Route an interrupt vector (>= 32) to a handler.
void set_interrupt_handler(uint8_t vector, InterruptHandler handler);
// Exceptions (vectors 0-31) raised in ring 3 go here instead of the crash dump.
void set_guest_exception_handler(InterruptHandler handler);
// Runs before an interrupt handler returns to ring 3 (event delivery).
void set_guest_return_hook(InterruptHandler hook);
// An exception raised by the IRETQ that returns to a guest (the guest's
// CS/SS cannot be loaded): Xen's failsafe case. The frame is the fault's;
// the guest frame being returned to lies at its RSP.
void set_guest_iret_fault_hook(InterruptHandler hook);

const char* exception_name(uint64_t vector);

} // namespace pv::x86
