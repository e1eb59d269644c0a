#include "arch/x86/idt.hpp"

#include "arch/x86/gdt.hpp"
#include "arch/x86/panic.hpp"

namespace pv::x86 {

namespace {

// A 64-bit interrupt gate (SDM Vol. 3 §7.14.1, Figure 7-8).
struct [[gnu::packed]] IdtEntry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attributes;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(IdtEntry) == 16);

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

constexpr uint8_t k_interrupt_gate_ring0 = 0x8e; // present, DPL 0, 64-bit interrupt gate
constexpr uint64_t k_stub_size = 16;

// The hardware tables: one IDT shared by all CPUs, and the vector routing.
alignas(16) IdtEntry idt[256];
InterruptHandler handlers[256];
InterruptHandler guest_exception_handler;
InterruptHandler guest_return_hook;
InterruptHandler guest_iret_fault_hook;

constexpr const char* k_exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
    "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
    "#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
    "#MF x87 floating point", "#AC alignment check", "#MC machine check",
    "#XM SIMD floating point", "#VE virtualization", "#CP control protection",
    "reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26", "reserved 27",
    "#HV hypervisor injection", "#VC VMM communication", "#SX security", "reserved 31"};

} // namespace

extern "C" char interrupt_stubs[], interrupt_exit_iret[];

const char* exception_name(uint64_t vector) {
    return vector < 32 ? k_exception_names[vector] : "external interrupt";
}

void idt_init() {
    for (unsigned v = 0; v < 256; ++v) {
        uint64_t target = reinterpret_cast<uint64_t>(interrupt_stubs) + v * k_stub_size;
        IdtEntry& e = idt[v];
        e.offset_low = target & 0xffff;
        e.selector = selector::hypervisor_code;
        e.ist = 0;
        e.type_attributes = k_interrupt_gate_ring0;
        e.offset_mid = (target >> 16) & 0xffff;
        e.offset_high = target >> 32;
        e.reserved = 0;
    }
    // #BP and #OF are raised by int3/into, which guests use directly.
    idt[vector::breakpoint].type_attributes = k_interrupt_gate_ring0 | (3 << 5);
    idt[vector::overflow].type_attributes = k_interrupt_gate_ring0 | (3 << 5);
    idt[vector::nmi].ist = ist::nmi;
    idt[vector::double_fault].ist = ist::double_fault;
    idt[vector::machine_check].ist = ist::machine_check;
}

void idt_load() {
    DescriptorPointer pointer{sizeof(idt) - 1, reinterpret_cast<uint64_t>(idt)};
    asm volatile("lidt %0" ::"m"(pointer));
}

void set_interrupt_handler(uint8_t v, InterruptHandler handler) { handlers[v] = handler; }
void set_guest_exception_handler(InterruptHandler handler) { guest_exception_handler = handler; }
void set_guest_return_hook(InterruptHandler hook) { guest_return_hook = hook; }
void set_guest_iret_fault_hook(InterruptHandler hook) { guest_iret_fault_hook = hook; }

extern "C" void x86_handle_interrupt(TrapFrame* frame) {
    uint64_t v = frame->vector;
    if (v == vector::nmi && panic_in_progress()) halt_this_cpu_for_panic();
    // An exception raised by a PV guest (ring 3) is the guest's business.
    if (v < 32 && (frame->cs & 3) == 3 && guest_exception_handler) {
        guest_exception_handler(*frame);
        return;
    }
    if (v < 256 && handlers[v]) {
        handlers[v](*frame);
        // An interrupt that arrived while a guest ran: it may have made an
        // event pending for that guest.
        if ((frame->cs & 3) == 3 && guest_return_hook) guest_return_hook(*frame);
        return;
    }
    // The return into a guest faulted on the guest's own selectors: the
    // guest's fault, not the hypervisor's.
    if (v < 32 && frame->rip == reinterpret_cast<uint64_t>(interrupt_exit_iret) && guest_iret_fault_hook) {
        guest_iret_fault_hook(*frame);
        return;
    }
    // Nothing expects this vector: an exception in the hypervisor is a bug.
    panic_on_exception(*frame);
}

} // namespace pv::x86
