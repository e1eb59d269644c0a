// The loader's console: ConOut and COM1 (see console.hpp).
#include "boot/efi/console.hpp"

namespace pv::efi {

namespace {

constexpr uint16_t k_com1 = 0x3f8;
// 16550 registers (offsets from the base port).
constexpr uint16_t k_data = 0, k_ier = 1, k_fcr = 2, k_lcr = 3, k_mcr = 4, k_lsr = 5;
constexpr uint8_t k_lsr_thr_empty = 0x20;

uint8_t inb(uint16_t port) {
    uint8_t value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

void outb(uint16_t port, uint8_t value) {
    asm volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

// A missing UART reads as all ones.
bool uart_present() {
    return inb(k_com1 + k_lsr) != 0xff;
}

// 115200 8N1, FIFOs on, no interrupts: what the hypervisor's console uses.
void uart_init() {
    outb(k_com1 + k_ier, 0x00);
    outb(k_com1 + k_lcr, 0x80); // divisor latch
    outb(k_com1 + k_data, 1);   // 115200 = 1843200 / 16 / 1
    outb(k_com1 + k_ier, 0);
    outb(k_com1 + k_lcr, 0x03);
    outb(k_com1 + k_fcr, 0xc7);
    outb(k_com1 + k_mcr, 0x03);
}

void uart_put(char c) {
    for (unsigned spin = 0; spin < 1'000'000 && !(inb(k_com1 + k_lsr) & k_lsr_thr_empty); ++spin) {
    }
    outb(k_com1 + k_data, static_cast<uint8_t>(c));
}

// Whether the firmware's ConOut (the "ConOut" global variable, a multi-instance
// device path, UEFI 2.10 §3.3) includes a UART: then it already copies our
// console text to a serial line.
bool firmware_console_on_serial(EFI_SYSTEM_TABLE* st) {
    static uint8_t paths[4096];
    UINTN size = sizeof paths;
    UINT32 attributes = 0;
    EFI_GUID global = EFI_GLOBAL_VARIABLE;
    if (st->RuntimeServices->GetVariable(ucs2(u"ConOut"), &global, &attributes, &size, paths) !=
        EFI_SUCCESS)
        return false;
    for (UINTN at = 0; at + 4 <= size;) {
        const uint8_t type = paths[at], subtype = paths[at + 1];
        const UINTN length = paths[at + 2] | (paths[at + 3] << 8);
        if (type == MESSAGING_DEVICE_PATH && subtype == MSG_UART_DP) return true;
        if (length < 4) break;
        at += length;
    }
    return false;
}

} // namespace

void LoaderConsole::init(EFI_SYSTEM_TABLE* system_table) {
    st = system_table;
    use_firmware = st->ConOut != nullptr;
    use_serial = uart_present() && !firmware_console_on_serial(st);
    if (use_serial) uart_init();
}

void LoaderConsole::boot_services_ended() {
    use_serial = use_serial || (use_firmware && uart_present());
    use_firmware = false;
}

void LoaderConsole::write(StringView text) {
    if (use_firmware) write_firmware(text);
    if (use_serial) write_serial(text);
}

void LoaderConsole::write_firmware(StringView text) {
    CHAR16 chunk[130];
    size_t n = 0;
    for (char c : text) {
        if (c == '\n') chunk[n++] = u'\r';
        chunk[n++] = static_cast<unsigned char>(c) < 0x80 ? static_cast<CHAR16>(c) : u'?';
        if (n >= 128) {
            chunk[n] = 0;
            st->ConOut->OutputString(st->ConOut, chunk);
            n = 0;
        }
    }
    chunk[n] = 0;
    if (n) st->ConOut->OutputString(st->ConOut, chunk);
}

void LoaderConsole::write_serial(StringView text) {
    for (char c : text) {
        if (c == '\n') uart_put('\r');
        uart_put(c);
    }
}

} // namespace pv::efi
