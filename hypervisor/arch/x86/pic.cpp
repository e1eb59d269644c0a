// Initialisation sequence of the 8259A (Intel 8259A datasheet, "Programming
// the 8259A"; the PC/AT wiring: slave on master IR2, master at ports
// 0x20/0x21, slave at 0xa0/0xa1).
#include "arch/x86/pic.hpp"

#include "arch/x86/cpu.hpp"

namespace pv::x86 {

namespace {

constexpr uint16_t k_master_command = 0x20, k_master_data = 0x21;
constexpr uint16_t k_slave_command = 0xa0, k_slave_data = 0xa1;

constexpr uint8_t k_icw1_init = 0x10; // start initialisation
constexpr uint8_t k_icw1_needs_icw4 = 0x01;
constexpr uint8_t k_icw3_slave_on_ir2 = 1u << 2; // master: which IR line has a slave
constexpr uint8_t k_icw3_slave_id = 2;           // slave: its cascade identity
constexpr uint8_t k_icw4_8086_mode = 0x01;
constexpr uint8_t k_ocw1_mask_all = 0xff;

// Old PICs need a moment between accesses; a write to the unused POST-code
// port 0x80 takes about a microsecond on the ISA bus.
void io_wait() {
    outb(0x80, 0);
}

void write(uint16_t port, uint8_t value) {
    outb(port, value);
    io_wait();
}

} // namespace

void pic_remap_and_mask() {
    // ICW1 (edge-triggered, cascaded, ICW4 follows) starts the sequence on
    // both; ICW2 is the vector base, ICW3 the cascade wiring, ICW4 the mode.
    write(k_master_command, k_icw1_init | k_icw1_needs_icw4);
    write(k_slave_command, k_icw1_init | k_icw1_needs_icw4);
    write(k_master_data, k_pic_master_vector_base);
    write(k_slave_data, k_pic_slave_vector_base);
    write(k_master_data, k_icw3_slave_on_ir2);
    write(k_slave_data, k_icw3_slave_id);
    write(k_master_data, k_icw4_8086_mode);
    write(k_slave_data, k_icw4_8086_mode);
    // OCW1: the interrupt mask register; a set bit masks that IRQ line.
    write(k_master_data, k_ocw1_mask_all);
    write(k_slave_data, k_ocw1_mask_all);
}

} // namespace pv::x86
