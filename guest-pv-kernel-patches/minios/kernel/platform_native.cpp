// Bare metal: the same image booted by a multiboot (version 1) loader with
// no hypervisor (QEMU -kernel with the ELF32 wrapper, images/minios-*.elf32),
// through the same 32-bit start of day as PVH (arch/start32.S). It is the
// native reference for the benchmarks (issue: same code, no hypervisor).
// For now it proves the path: it prints one line on COM1 and leaves
// through QEMU's isa-debug-exit device; no kernel services run (they are
// built on hypercalls).
#include "arch/asm_constants.h"

#include <cstdint>

namespace minios {
namespace {

// COM1 (the PC's first 16550 UART) and QEMU's isa-debug-exit device as
// scripts/run configures it (iobase 0xf4: exit status (value << 1) | 1).
constexpr uint16_t k_com1 = 0x3f8;
constexpr uint16_t k_debug_exit = 0xf4;
constexpr uint32_t k_exit_pass = 0x10; // QEMU exits with status 33

void outb(uint16_t port, uint8_t value) {
    asm volatile("outb %0, %1" ::"a"(value), "Nd"(port));
}

uint8_t inb(uint16_t port) {
    uint8_t value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

void outl(uint16_t port, uint32_t value) {
    asm volatile("outl %0, %1" ::"a"(value), "Nd"(port));
}

// 115200 8N1, FIFOs on, no interrupts (16550 register layout).
void serial_init() {
    outb(k_com1 + 1, 0x00); // IER: no interrupts
    outb(k_com1 + 3, 0x80); // LCR: DLAB on
    outb(k_com1 + 0, 0x01); // divisor 1: 115200 baud
    outb(k_com1 + 1, 0x00);
    outb(k_com1 + 3, 0x03); // 8 bits, no parity, one stop bit
    outb(k_com1 + 2, 0xc7); // FCR: enable and clear FIFOs
    outb(k_com1 + 4, 0x03); // MCR: DTR, RTS
}

void serial_write(const char* text) {
    for (; *text != '\0'; ++text) {
        if (*text == '\n') serial_write("\r");
        // Wait for the transmit holding register (LSR bit 5); bounded, so
        // a missing UART cannot hang the boot.
        for (int i = 0; i < 100000 && (inb(k_com1 + 5) & 0x20) == 0; ++i) {
        }
        outb(k_com1, static_cast<uint8_t>(*text));
    }
}

// Xen's CPUID signature at 0x40000000 ("XenVMMXenVMM"): a multiboot entry
// under Xen would be a mistake worth naming. (CPUID.1:ECX bit 31 says
// little: emulators set it too.)
bool xen_leaves_present() {
    uint32_t eax, ebx, ecx, edx;
    asm volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0x40000000), "c"(0));
    return ebx == 0x566e6558 && ecx == 0x65584d4d && edx == 0x4d4d566e;
}

} // namespace

// An image's own bare-metal program (minios-bench's native reference,
// bench/native.cpp), when it links one: runs with COM1 ready, never returns.
extern "C" [[gnu::weak, noreturn]] void minios_native_main(uint64_t multiboot_info);

// Called by minios_start_hvm() for the multiboot entry.
[[noreturn]] void start_native(uint64_t multiboot_info) {
    serial_init();
    if (minios_native_main != nullptr) minios_native_main(multiboot_info);
    serial_write("minios: native boot\n");
    serial_write(xen_leaves_present() ? "minios: Xen CPUID leaves present (not bare metal?)\n"
                                      : "minios: no Xen CPUID leaves\n");
    outl(k_debug_exit, k_exit_pass);
    for (;;)
        asm volatile("cli; hlt");
}

} // namespace minios
