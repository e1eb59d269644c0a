// The ring-0 IDT of the modes that run on (virtual) hardware: PVH and bare
// metal. The entries are arch/idt_entry.S's: the exceptions minios handles
// and the event-channel upcall vector.
#pragma once

namespace minios {

// Fills and loads the IDT (lidt).
void load_idt();

// Loads an empty IDT: the next exception cannot be delivered and becomes a
// triple fault (SDM Vol. 3 §6.15, "Double Fault"): the hypervisor crashes
// the domain, a bare machine resets.
void load_empty_idt();

} // namespace minios
