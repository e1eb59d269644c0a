// minios-bench on bare metal: the native reference (issue 7, item 1). The
// same image, wrapped for multiboot (minios-bench.elf32), booted by QEMU's
// -kernel with no hypervisor: kernel/platform_native.cpp hands over to
// minios_native_main() below, which gives minios a platform with the
// little bare metal needs (COM1 output, minios' IDT, isa-debug-exit to
// leave) and runs bench/main.cpp's app_main(). The operations, each the
// native counterpart of a PV or PVH one of the same name:
//   cpuid, port_in, rdmsr_pat  the instruction itself (under an emulator:
//                              its cost of emulating it; nothing exits)
//   page_fault                 #PF through minios' IDT and iretq
//   user_syscall               SYSCALL from ring 3, SYSRETQ straight back
//                              (bench/ops_native.S)
// Output: the `bench:` lines on COM1; exit: isa-debug-exit at port 0xf4
// (QEMU status 33 after `bench: done`, 35 otherwise).
#include "bench/modes.hpp"
#include "include/public/errno.hpp"
#include "kernel/idt.hpp"

extern "C" {
int bench_native_run_user(void (*program)(uint64_t), uint64_t arg, void* user_stack_top);
void bench_native_syscall_entry();
extern uint64_t bench_native_syscalls;
}

namespace minios {
namespace {

constexpr uint16_t k_com1 = 0x3f8;
constexpr uint16_t k_debug_exit = 0xf4; // scripts/bench: -device isa-debug-exit,iobase=0xf4
constexpr uint32_t k_exit_pass = 0x10;  // QEMU exits with (value << 1) | 1 = 33
constexpr uint32_t k_exit_fail = 0x11;  // 35

// Intel SDM Vol. 4 (AMD APM Vol. 2 §6.1.1): SYSCALL's MSRs.
constexpr uint32_t k_msr_efer = 0xc0000080;
constexpr uint64_t k_efer_sce = 1;
constexpr uint32_t k_msr_star = 0xc0000081;
constexpr uint32_t k_msr_lstar = 0xc0000082;
constexpr uint32_t k_msr_fmask = 0xc0000084;
constexpr uint64_t k_rflags_if = 0x200;

// minios' GDT (arch/start32.S: 0x08 kernel code, 0x10 kernel data) plus
// the ring-3 pair SYSRETQ wants right after STAR[63:48] = 0x10: user data
// at 0x18 and 64-bit user code at 0x20 (SDM Vol. 3 §5.8.8).
constexpr uint16_t k_sysret_base = 0x10;
alignas(16) const uint64_t gdt[] = {
    0,
    0x00af9a000000ffff, // 0x08: code, DPL 0, L
    0x00cf92000000ffff, // 0x10: data, DPL 0
    0x00cff2000000ffff, // 0x18: data, DPL 3
    0x00affa000000ffff, // 0x20: code, DPL 3, L
};

constexpr size_t k_user_stack_size = 16 * 1024;
alignas(16) char user_stack[k_user_stack_size];

void outb(uint16_t port, uint8_t value) {
    asm volatile("outb %0, %1" ::"a"(value), "Nd"(port));
}
uint8_t inb(uint16_t port) {
    uint8_t value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

void wrmsr(uint32_t msr, uint64_t value) {
    asm volatile("wrmsr" ::"c"(msr), "a"(static_cast<uint32_t>(value)),
                 "d"(static_cast<uint32_t>(value >> 32))
                 : "memory");
}
uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t{hi} << 32) | lo;
}

// COM1 as kernel/platform_native.cpp set it up (115200 8N1, no FIFO
// interrupts): polled, bounded, so a missing UART cannot hang the run.
void com1_write(const char* data, size_t size) {
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == '\n') com1_write("\r", 1);
        for (int spin = 0; spin < 100000 && (inb(k_com1 + 5) & 0x20) == 0; ++spin) {
        }
        outb(k_com1, static_cast<uint8_t>(data[i]));
    }
}

[[noreturn]] void debug_exit(uint32_t value) {
    asm volatile("outl %0, %1" ::"a"(value), "Nd"(k_debug_exit));
    for (;;)
        asm volatile("cli; hlt");
}

class NativePlatform final : public Platform {
public:
    BootMode mode() const override { return BootMode::native; }
    void print_boot_info(const BootInfo&) const override {}
    long install_traps(const char*& what) override {
        what = "lidt";
        load_idt();
        return 0;
    }
    void remove_trap_handlers() override { load_empty_idt(); }
    long map_shared_info(const BootInfo&, bool, abi::SharedInfo*&) override { return enosys(); }
    long find_console_ring(const BootInfo&, bool, ConsoleRingPlace&) override {
        return -static_cast<long>(abi::Errno::enoent);
    }
    long console_write(const char* data, size_t size) override {
        com1_write(data, size);
        return 0;
    }
    long console_read(char*, size_t) override { return 0; }
    void mask_events(abi::VcpuInfo*) override {}
    void deliver_pending(abi::VcpuInfo*) override {}
    long block(abi::VcpuInfo*, uint64_t) override { return enosys(); }
    bool fault_address(const abi::VcpuInfo*, uint64_t& out) const override {
        asm volatile("mov %%cr2, %0" : "=r"(out));
        return true;
    }
    long shutdown(abi::ShutdownReason reason) override {
        debug_exit(reason == abi::ShutdownReason::poweroff ? k_exit_pass : k_exit_fail);
    }

private:
    static long enosys() { return -static_cast<long>(abi::Errno::enosys); }
};

NativePlatform native_platform;

// The multiboot command line (Multiboot 0.6.96 §3.3: flags bit 2, the
// string's physical address at offset 16), through the identity map.
pv::StringView multiboot_cmdline(uint64_t info) {
    if (info == 0 || info >= (1ull << 32)) return {};
    const auto* mbi = reinterpret_cast<const uint32_t*>(info);
    if ((mbi[0] & (1u << 2)) == 0 || mbi[4] == 0) return {};
    const char* text = reinterpret_cast<const char*>(uint64_t{mbi[4]});
    size_t n = 0;
    while (n < 4096 && text[n] != '\0')
        ++n;
    return pv::StringView(text, n);
}

// Sets the U/S bit (bit 2) on every present entry of arch/start32.S's page
// tables (2 MiB pages, all below 4 GiB, reachable through the identity
// map) so that ring 3 may run the image's user program on its stack. A
// benchmark's bare machine, not a protected one.
void open_page_tables_to_user() {
    constexpr uint64_t present = 1, user = 4, large = 0x80, address = 0x000ffffffffff000ull;
    uint64_t cr3;
    asm volatile("mov %%cr3, %0" : "=r"(cr3));
    auto* l4 = reinterpret_cast<uint64_t*>(cr3 & address);
    for (int i = 0; i < 512; ++i) {
        if ((l4[i] & present) == 0) continue;
        l4[i] |= user;
        auto* l3 = reinterpret_cast<uint64_t*>(l4[i] & address);
        for (int j = 0; j < 512; ++j) {
            if ((l3[j] & present) == 0) continue;
            l3[j] |= user;
            if (l3[j] & large) continue;
            auto* l2 = reinterpret_cast<uint64_t*>(l3[j] & address);
            for (int m = 0; m < 512; ++m)
                if (l2[m] & present) l2[m] |= user;
        }
    }
    asm volatile("mov %0, %%cr3" ::"r"(cr3) : "memory");
}

void setup_syscall() {
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } pointer{sizeof gdt - 1, reinterpret_cast<uintptr_t>(gdt)};
    asm volatile("lgdt %0" ::"m"(pointer) : "memory");
    open_page_tables_to_user();
    wrmsr(k_msr_star, (uint64_t{k_sysret_base} << 48) | (uint64_t{MINIOS_GDT_CODE64} << 32));
    wrmsr(k_msr_lstar, reinterpret_cast<uintptr_t>(bench_native_syscall_entry));
    wrmsr(k_msr_fmask, k_rflags_if);
    wrmsr(k_msr_efer, rdmsr(k_msr_efer) | k_efer_sce);
}

struct UserRun {
    uint64_t count;
    uint64_t* samples;
};
UserRun user_run;

void time_user_syscall() {
    const uint64_t iters = bench::warmup();
    const uint64_t batches = bench::rounds() / iters;
    const uint64_t before = bench_native_syscalls;
    // A warm-up process, then one per batch (bench/main.cpp's PV run alike).
    for (uint64_t batch = 0; batch <= batches; ++batch) {
        const uint64_t first = batch == 0 ? 0 : (batch - 1) * iters;
        user_run = UserRun{iters, bench::sample_buffer() + first};
        bench_native_run_user(bench_user_syscalls, reinterpret_cast<uintptr_t>(&user_run),
                              user_stack + k_user_stack_size);
    }
    const uint64_t made = (batches + 1) * (iters + 1); // each process: iters syscalls and exit
    bench::performed("user_syscall", made);
    bench::check("user_syscall", made, bench_native_syscalls - before);
    bench::report_samples("user_syscall");
}

} // namespace

namespace bench {

void run_native(Kernel& k) {
    static constexpr uint32_t pat = 0x277; // MSR_PAT, as in PVH
    skip("null_hypercall", "no hypervisor");
    time_op("cpuid", bench_op_cpuid, nullptr);
    time_op("port_in", bench_op_port_in, nullptr);
    time_op("rdmsr_pat", bench_op_rdmsr, &pat);
    time_page_fault(k);
    time_user_syscall();
}

} // namespace bench

// kernel/platform_native.cpp, after COM1 is set up: the benchmark runs
// instead of the bare boot's one line.
extern "C" [[noreturn]] void minios_native_main(uint64_t multiboot_info) {
    set_platform(native_platform);
    Kernel& k = kernel();
    k.boot.cmdline = multiboot_cmdline(multiboot_info);
    const char* what = nullptr;
    native_platform.install_traps(what);
    setup_syscall();
    const int rc = app_main(k);
    debug_exit(rc == 0 ? k_exit_pass : k_exit_fail);
}

} // namespace minios
