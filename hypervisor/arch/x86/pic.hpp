// The two legacy 8259A interrupt controllers. The hypervisor takes its
// interrupts through the local APIC only; the PICs are moved off the
// exception vectors and silenced once, at boot.
#pragma once

#include <cstdint>

namespace pv::x86 {

// Where the PICs' IRQ 0-7 and 8-15 land if one ever gets through despite the
// mask: just above the exceptions (see vector:: in idt.hpp).
inline constexpr uint8_t k_pic_master_vector_base = 0x20;
inline constexpr uint8_t k_pic_slave_vector_base = 0x28;

// Reinitialise both PICs onto the vectors above and mask every IRQ line.
// Call with interrupts disabled, before any are enabled.
void pic_remap_and_mask();

} // namespace pv::x86
