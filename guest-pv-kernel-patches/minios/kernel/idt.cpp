#include "kernel/idt.hpp"

#include "arch/asm_constants.h"

#include <cstdint>

namespace minios {
namespace {

// arch/idt_entry.S: (vector, entry) pairs ending with a zero entry.
struct IdtStub {
    uint64_t vector;
    void (*entry)();
};
extern "C" const IdtStub minios_idt_stubs[];

// A 64-bit interrupt gate (SDM Vol. 3 §6.14.1, Figure 6-8).
struct Gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attributes; // P, DPL, type
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

// Present, DPL 0, type 0xE (64-bit interrupt gate: clears IF, so handlers
// run with events masked as PV's trap table asks).
constexpr uint8_t k_interrupt_gate = 0x8e;
// int3 and into may come from any privilege level (DPL 3).
constexpr uint8_t k_interrupt_gate_dpl3 = 0xee;

struct [[gnu::packed]] Pointer {
    uint16_t limit;
    uint64_t base;
};

alignas(16) Gate idt[256];

} // namespace

void load_idt() {
    for (const IdtStub* stub = minios_idt_stubs; stub->entry != nullptr; ++stub) {
        const uint64_t address = reinterpret_cast<uintptr_t>(stub->entry);
        Gate& g = idt[stub->vector & 0xff];
        g.offset_low = static_cast<uint16_t>(address);
        g.selector = MINIOS_GDT_CODE64;
        g.ist = 0;
        g.type_attributes =
            stub->vector == 3 || stub->vector == 4 ? k_interrupt_gate_dpl3 : k_interrupt_gate;
        g.offset_middle = static_cast<uint16_t>(address >> 16);
        g.offset_high = static_cast<uint32_t>(address >> 32);
        g.reserved = 0;
    }
    const Pointer pointer{sizeof idt - 1, reinterpret_cast<uintptr_t>(idt)};
    asm volatile("lidt %0" ::"m"(pointer) : "memory");
}

void load_empty_idt() {
    const Pointer pointer{0, 0};
    asm volatile("lidt %0" ::"m"(pointer) : "memory");
}

} // namespace minios
