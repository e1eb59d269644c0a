// The composition root: the only place with global objects. Everything
// below receives what it needs from here (DESIGN.md §3).
#include "arch/x86/console.hpp"
#include "arch/x86/cpu.hpp"
#include "arch/x86/cpu_features.hpp"
#include "arch/x86/emulator_exit.hpp"
#include "arch/x86/idt.hpp"
#include "arch/x86/paging.hpp"
#include "arch/x86/panic.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/test_faults.hpp"
#include "boot/multiboot/multiboot.hpp"
#include "core/memory/frame_allocator.hpp"
#include "lib/cmdline.hpp"
#include "lib/log.hpp"

using namespace pv;
using namespace pv::x86;

namespace {

constexpr const char* k_version = "0.1";
constexpr uint64_t k_page = 4096;

char log_storage[64 * 1024];
Logger logger(log_storage);
Console console;
BootInfo boot_info;
HypervisorOptions options;
FrameAllocator frames;
HypervisorPageTables page_tables;
CpuFeatures cpu_features;
PerCpu cpus[k_max_cpus];

// The boot page tables identity-map the first 4 GiB; loader structures live there.
class BootIdentityReader final : public PhysReader {
public:
    bool read(uint64_t phys, void* dst, size_t len) override {
        if (phys + len < phys || phys + len > (4ull << 30)) return false;
        auto* d = static_cast<char*>(dst);
        auto* s = reinterpret_cast<const volatile char*>(phys);
        for (size_t i = 0; i < len; ++i) d[i] = s[i];
        return true;
    }
};

class ConsoleDiagnostics final : public CmdlineDiagnostics {
public:
    void report(StringView message) override { log_warning("cmdline: {}", message); }
};

extern "C" void (*const init_array_start[])();
extern "C" void (*const init_array_end[])();
extern "C" const char data_end[];
extern "C" char boot_stack_top[];

void run_constructors() {
    for (auto* fn = init_array_start; fn != init_array_end; ++fn) (*fn)();
}

[[noreturn]] void report_failure_and_stop() {
    if (options.test_exit) exit_emulator(Verdict::fail);
    halt_forever();
}

void parse_boot(uint32_t magic, uint32_t info_phys) {
    BootIdentityReader reader;
    const char* reason = nullptr;
    if (!parse_boot_info(reader, magic, info_phys, boot_info, &reason)) {
        log_error("boot: cannot read the loader's information: {}", reason ? reason : "unknown");
        panic("no usable boot information");
    }
    ConsoleDiagnostics diagnostics;
    (void)parse_cmdline(boot_info.cmdline, options, diagnostics);
    logger.set_level(options.loglvl);
    console.select(options.console);
}

void print_boot_summary() {
    const char* protocols[] = {"multiboot1", "multiboot2", "EFI"};
    log_info("boot: {} from '{}', command line '{}'",
             protocols[static_cast<unsigned>(boot_info.protocol)], boot_info.loader_name,
             boot_info.cmdline);
    for (size_t i = 0; i < boot_info.memory_count; ++i) {
        const MemoryRange& r = boot_info.memory[i];
        const char* types[] = {"?", "usable", "reserved", "ACPI reclaimable", "ACPI NVS", "bad"};
        unsigned t = static_cast<unsigned>(r.type);
        log_debug("memory: {:#014x}-{:#014x} {}", r.base, r.base + r.length - 1,
                  t < 6 ? types[t] : "?");
    }
    if (boot_info.memory_truncated) log_warning("memory: map truncated to {} ranges", boot_info.memory_count);
    log_info("modules: {}", boot_info.module_count);
    for (size_t i = 0; i < boot_info.module_count; ++i) {
        const BootModule& m = boot_info.modules[i];
        log_info("module {}: {:#x}-{:#x} ({} bytes) '{}'", i, m.start, m.end, m.end - m.start,
                 m.cmdline);
    }
}

void init_memory() {
    PhysRange reserved[2 + BootInfo::k_max_modules];
    size_t count = 0;
    reserved[count++] = {0, 1ull << 20}; // real-mode IVT, BDA, EBDA, BIOS, AP trampoline
    reserved[count++] = {PV_IMAGE_PHYS_BASE, virt_to_phys(data_end)};
    for (size_t i = 0; i < boot_info.module_count; ++i)
        reserved[count++] = {boot_info.modules[i].start, boot_info.modules[i].end};

    auto plan = FrameAllocator::plan(boot_info.memory, boot_info.memory_count, reserved, count);
    if (!plan) panic("memory: no usable RAM for the frame table");
    if (plan->clamped) log_warning("memory: RAM above {} GiB ignored", plan->max_phys >> 30);
    // The metadata is written through the boot identity map when it lies
    // below 4 GiB; above that only the direct map can reach it, which needs
    // the allocator first. Machines we boot keep it low (first fit).
    if (plan->metadata_phys + plan->metadata_bytes > (4ull << 30)) panic("memory: frame table above 4 GiB");
    if (!frames.init(*plan, reinterpret_cast<void*>(plan->metadata_phys)))
        panic("memory: frame allocator setup failed");

    if (!page_tables.build(boot_info, frames, cpu_features.nx, cpu_features.pge))
        panic("memory: cannot build the hypervisor page tables");
    page_tables.activate();
    frames.rebase_metadata(static_cast<int64_t>(PV_DIRECTMAP_BASE));

    // Supervisor-mode protections: writes to read-only pages fault even in
    // ring 0 (CR0.WP); with SMEP/SMAP the hypervisor can neither run nor
    // (outside explicit guest copies) touch user pages (SDM Vol. 3 §5.6).
    write_cr0(read_cr0() | cr0::wp);
    uint64_t cr4_bits = (cpu_features.pge ? cr4::pge : 0) | (cpu_features.smep ? cr4::smep : 0) |
                        (cpu_features.smap ? cr4::smap : 0);
    write_cr4(read_cr4() | cr4_bits);
    log_info("memory: {} MiB usable, {} MiB free, direct map up to {:#x}; NX {}, SMEP {}, SMAP {}",
             frames.total_count() * k_page >> 20, frames.free_count() * k_page >> 20,
             page_tables.directmap_top(), cpu_features.nx ? "on" : "off",
             cpu_features.smep ? "on" : "off", cpu_features.smap ? "on" : "off");
}

uint64_t alloc_stack_top(uint64_t bytes) {
    auto mfn = frames.alloc_contiguous(bytes / k_page, 1, k_owner_hypervisor);
    if (!mfn) panic("cpu: out of memory for stacks");
    return PV_DIRECTMAP_BASE + (*mfn + bytes / k_page) * k_page;
}

void init_cpu_tables(PerCpu& cpu, uint64_t stack_top) {
    cpu.stack_top = stack_top;
    for (unsigned slot = 1; slot <= ist::count; ++slot) cpu.ist_top[slot] = alloc_stack_top(PV_IST_STACK_SIZE);
    cpu_tables_init(cpu);
}

void print_banner() {
    char virt[128];
    log_info("cpu: {} ({}, family {:#x} model {:#x} stepping {})", cpu_features.brand,
             cpu_features.vendor, cpu_features.family, cpu_features.model, cpu_features.stepping);
    log_info("virtualization: {}", describe(cpu_features.virt, virt, sizeof virt));
}

} // namespace

extern "C" [[noreturn]] void hypervisor_start(uint32_t magic, uint32_t info_phys) {
    run_constructors();
    console.select(options.console); // COM1 until the command line says otherwise
    logger.set_console(&console);
    install_logger(&logger);
    set_panic_hooks({nullptr, [] { report_failure_and_stop(); }});
    idt_init();
    idt_load();

    log_info("Paravane {} hypervisor (x86-64), Xen {}.{} guest ABI", k_version, 4, 17);
    parse_boot(magic, info_phys);
    cpu_features = detect_cpu_features();
    print_banner();
    print_boot_summary();
    init_memory();

    cpus[0].index = 0;
    init_cpu_tables(cpus[0], reinterpret_cast<uint64_t>(boot_stack_top));
    cpus[0].online = true;

    raise_test_fault(options.test_fault);

    log_info("paravane: boot complete");
    if (options.test_exit) exit_emulator(Verdict::pass);
    log_info("paravane: nothing to run yet; idling");
    for (;;) enable_interrupts_and_halt();
}
