// The composition root: the only place with global objects. Everything
// below receives what it needs from here (DESIGN.md §3).
#include "arch/x86/acpi_discovery.hpp"
#include "arch/x86/apic.hpp"
#include "arch/x86/apic_timer.hpp"
#include "arch/x86/console.hpp"
#include "arch/x86/cpu.hpp"
#include "arch/x86/cpu_features.hpp"
#include "arch/x86/emulator_exit.hpp"
#include "arch/x86/hvm/pvh_vcpu.hpp"
#include "arch/x86/hvm/select_backend.hpp"
#include "arch/x86/idt.hpp"
#include "arch/x86/paging.hpp"
#include "arch/x86/panic.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/pic.hpp"
#include "arch/x86/pv/boot_domain.hpp"
#include "arch/x86/pv/boot_time_domains.hpp"
#include "arch/x86/pv/domain_registry.hpp"
#include "arch/x86/pv/pv_domain_control.hpp"
#include "arch/x86/pv/pv_schedule.hpp"
#include "arch/x86/pv/remote_tlb.hpp"
#include "arch/x86/pv/vcpu_timers.hpp"
#include "arch/x86/pv/emulate.hpp"
#include "arch/x86/pv/pv_entry.hpp"
#include "arch/x86/pv/pv_mm_glue.hpp"
#include "arch/x86/pv/pv_services.hpp"
#include "arch/x86/pv/pv_vcpu.hpp"
#include "arch/x86/pv/vcpu_context.hpp"
#include "arch/x86/rtc.hpp"
#include "core/domain/counters_report.hpp"
#include "core/event/event_channels.hpp"
#include "core/grant/grant_table.hpp"
#include "core/pv_hypercalls/handlers.hpp"
#include "core/pv_mm/pv_mmu.hpp"
#include "core/pv_time/pvclock.hpp"
#include "core/pv_time/vcpu_time.hpp"
#include "arch/x86/smp.hpp"
#include "arch/x86/hvm/test_container.hpp"
#include "arch/x86/test_faults.hpp"
#include "arch/x86/test_timer.hpp"
#include "arch/x86/time.hpp"
#include "arch/x86/tsc.hpp"
#include "boot/multiboot/cmdline_cook.hpp"
#include "boot/multiboot/multiboot.hpp"
#include "core/memory/frame_allocator.hpp"
#include "lib/cmdline.hpp"
#include "lib/log.hpp"

#include <new>

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
SystemClock system_clock;
LocalApic local_apic;
ApicTimer apic_timer;
acpi::MadtInfo madt;
Smp smp;
Uart serial_input{Uart::k_com1};
MachineToPhys m2p;
x86::hvm::BackendStorage container_backend_storage;
x86::hvm::Backend* container_backend = nullptr; // null: no hardware containers on this machine
const char* no_containers_why = nullptr;    // why, then

// What guests learn from xen_version: the Xen release whose ABI we speak.
const HypervisorVersionInfo version_info = [] {
    HypervisorVersionInfo v;
    v.major = 4;
    v.minor = 17;
    v.extraversion = "-paravane";
    v.compiler = "gcc " __VERSION__;
    v.compile_by = "paravane";
    v.compile_domain = "paravane.dev";
    v.compile_date = __DATE__ " " __TIME__;
    v.changeset = "paravane " "0.1";
    v.capabilities = "xen-3.0-x86_64";
    return v;
}();

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
    (void)parse_cmdline(cook_cmdline(boot_info, boot_info.cmdline), options, diagnostics);
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
    if (boot_info.efi_system_table)
        log_info("boot: EFI system table at {:#x}", boot_info.efi_system_table);
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
    // SSE for guests (FXSAVE and #XM), as Xen's CR4 always has it: PV
    // kernels use SSE and see these bits in CR4. The hypervisor itself is
    // built without SSE, so guest SSE state is never disturbed here.
    // `no-smap` (Xen's smap=0) leaves SMAP off: QEMU 7.2's TCG faults a
    // guest's ring-3 IRETQ under SMAP, as it does Xen's PV guests.
    const bool smap = cpu_features.smap && options.smap;
    uint64_t cr4_bits = (cpu_features.pge ? cr4::pge : 0) | (cpu_features.smep ? cr4::smep : 0) |
                        (smap ? cr4::smap : 0) | cr4::osfxsr | cr4::osxmmexcpt;
    write_cr4(read_cr4() | cr4_bits);
    log_info("memory: {} MiB usable, {} MiB free, direct map up to {:#x}; NX {}, SMEP {}, SMAP {}",
             frames.total_count() * k_page >> 20, frames.free_count() * k_page >> 20,
             page_tables.directmap_top(), cpu_features.nx ? "on" : "off",
             cpu_features.smep ? "on" : "off", smap ? "on" : "off");
}

uint64_t alloc_stack_top(uint64_t bytes) {
    auto mfn = frames.alloc_contiguous(bytes / k_page, 1, k_owner_hypervisor);
    if (!mfn) panic("cpu: out of memory for stacks");
    return PV_DIRECTMAP_BASE + (*mfn + bytes / k_page) * k_page;
}

void init_cpu_tables(PerCpu& cpu, uint64_t stack_top) {
    cpu.stack_top = stack_top;
    for (unsigned slot = 1; slot <= ist::count; ++slot) cpu.ist_top[slot] = alloc_stack_top(PV_IST_STACK_SIZE);
    if (!allocate_cpu_gdt(cpu, page_tables, frames)) panic("cpu: out of memory for the GDT");
    cpu_tables_init(cpu);
}

void print_banner() {
    char virt[128];
    log_info("cpu: {} ({}, family {:#x} model {:#x} stepping {})", cpu_features.brand,
             cpu_features.vendor, cpu_features.family, cpu_features.model, cpu_features.stepping);
    log_info("virtualization: {}", describe(cpu_features.virt, virt, sizeof virt));
}

// ACPI's MADT -> the boot CPU's local APIC -> the other CPUs, then a check
// that cross-CPU calls reach all of them. Without a MADT: one CPU.
void init_smp() {
    bool have_madt = discover_madt(boot_info, page_tables, frames, madt).is_ok();
    if (!local_apic.init(cpu_features.x2apic, page_tables)) panic("apic: cannot map the local APIC");
    log_info("apic: {} mode{}", local_apic.x2apic() ? "x2APIC" : "xAPIC",
             have_madt && madt.lapic_address != local_apic.base_phys() && !local_apic.x2apic()
                 ? " (the MADT's address differs from IA32_APIC_BASE)"
                 : "");
    SmpSetup setup;
    setup.madt = have_madt ? &madt : nullptr;
    setup.boot = &boot_info;
    setup.apic = &local_apic;
    setup.page_tables = &page_tables;
    setup.frames = &frames;
    setup.clock = &system_clock;
    setup.cpus = cpus;
    setup.cpu_slots = k_max_cpus;
    setup.max_cpus = options.maxcpus;
    if (!smp.start(setup)) panic("smp: bad setup");
    smp.self_test();
}

// System time counts from the hypervisor's entry; log lines carry it from here on.
void init_time(uint64_t entry_tsc) {
    auto tsc = determine_tsc_frequency(cpu_features);
    if (!tsc || !system_clock.init(tsc->hz, entry_tsc)) panic("time: no usable TSC rate");
    logger.set_clock([] { return system_clock.now_ns(); });
}

// The boot CPU's APIC timer (after its LocalApic); other CPUs join when they need one.
void init_apic_timer() {
    set_interrupt_handler(vector::apic_timer, [](TrapFrame&) { apic_timer.handle_interrupt(); });
    if (!apic_timer.init(local_apic, system_clock, cpu_features.tsc_deadline, options.apic_timer))
        panic("time: cannot set up the APIC timer");
}

// --- Domains: the registry, the scheduler, and the PV services they share.
DomainRegistry domains;
alignas(sched::HypervisorScheduler) unsigned char scheduler_storage[sizeof(sched::HypervisorScheduler)];
sched::HypervisorScheduler* scheduler = nullptr; // once the CPUs are known

Domain* domain_by_id(DomainId id) {
    PvDomain* pd = domains.find(id);
    return pd ? &pd->domain : nullptr;
}
PvDomain* dom0() { return domains.find(DomainId{0}); }

EventChannels* events_of(Domain& d) {
    PvDomain* pd = domains.find(d);
    return pd ? &pd->events : nullptr;
}
VcpuTimeState* time_of(Vcpu& v) {
    PvDomain* pd = domains.find(v.domain());
    return pd && v.id() < pd->domain.vcpu_count ? &pd->time(v.id()) : nullptr;
}

void send_event_check(uint32_t cpu_index) {
    if (cpu_index != this_cpu().index && cpu_index < k_max_cpus && cpus[cpu_index].online)
        local_apic.send_fixed(cpus[cpu_index].apic_id, vector::event_check_ipi);
}

void set_vcpu_timer(Vcpu& v, uint64_t deadline_ns);
void cancel_vcpu_timer(Vcpu&);
long initialise_vcpu(Vcpu& v, const abi::VcpuGuestContext& context);
long bring_up_vcpu(Vcpu& v);
void on_domain_stopped(Domain& domain);

DirectMapFrameMemory frame_memory;
PvMmuHooks mmu_hooks;
AllocatorDomainFrames domain_frames{frames, domain_by_id};
alignas(PvMmu) unsigned char mmu_storage[sizeof(PvMmu)];
PvMmu* pv_mmu = nullptr; // built once the M2P table exists

// Grant tables: each domain's, in its PvDomain; the shared code reaches
// frames through the direct map.
class DirectMapGrantHooks final : public GrantHooks {
public:
    uint8_t* frame_bytes(uint64_t mfn) override { return static_cast<uint8_t*>(phys_to_virt(mfn * 4096)); }
    GrantTable* table_of(DomainId id) override {
        PvDomain* pd = domains.find(id);
        return pd ? &pd->grants : nullptr;
    }
};
DirectMapGrantHooks grant_hooks;
alignas(GrantTables) unsigned char grants_storage[sizeof(GrantTables)];
GrantTables* grant_tables = nullptr;

PvServices::Hooks pv_hooks() {
    PvServices::Hooks hooks;
    hooks.console = &console;
    hooks.input = &serial_input;
    hooks.domain_stopped = on_domain_stopped;
    hooks.domain_by_id = domain_by_id;
    hooks.events = events_of;
    hooks.vcpu_time = time_of;
    hooks.now_ns = [] { return system_clock.now_ns(); };
    hooks.set_timer = set_vcpu_timer;
    hooks.cancel_timer = cancel_vcpu_timer;
    hooks.log = &logger;
    hooks.physinfo = [](abi::SysctlPhysinfo& info) {
        info.nr_cpus = smp.online_count();
        info.max_cpu_id = smp.online_count() ? smp.online_count() - 1 : 0;
        info.total_pages = frames.total_count();
        info.free_pages = frames.free_count();
        info.cpu_khz = system_clock.tsc_hz() / 1000;
        info.virt_caps = abi::k_virt_cap_pv;
        // Containers are offered only where a backend runs them.
        if (container_backend)
            info.virt_caps |= cpu_features.virt.kind == VirtualizationKind::svm ? abi::k_virt_cap_svm : abi::k_virt_cap_vmx;
    };
    hooks.hvm_ops = [](Domain& d) -> HvmDomainOps* {
        PvDomain* pd = d.pvh ? domains.find(d) : nullptr;
        return pd ? &pd->pvh : nullptr;
    };
    hooks.initialise_vcpu = initialise_vcpu;
    hooks.vcpu_up = bring_up_vcpu;
    // An event for the vCPU: wake it if it blocked; if it runs on another
    // CPU, that CPU delivers the upcall on its way back to the guest.
    hooks.kick = [](Vcpu& v) {
        if (v.state == VcpuState::blocked) {
            v.state = VcpuState::runnable;
            pv_wake(v);
        }
        if (scheduler) {
            int cpu = scheduler->running_on(v);
            if (cpu >= 0) send_event_check(static_cast<uint32_t>(cpu));
        }
    };
    // Only the CPU running the vCPU shows its GDT now; a vCPU that is not
    // running (VCPUOP_initialise of another) gets it when it starts.
    hooks.load_guest_gdt = [](Vcpu& v) -> Status {
        if (this_cpu().current != &v) return Status::ok();
        return map_guest_gdt(this_cpu(), page_tables, v.pv.gdt_frames, v.pv.gdt_frame_count);
    };
    return hooks;
}
PvServices pv_services(pv_hooks(), version_info);

alignas(PvDomainControl) unsigned char domain_control_storage[sizeof(PvDomainControl)];
PvDomainControl* domain_control = nullptr;

// A domain stopped. The boot domain takes the machine with it (as on Xen:
// poweroff, reboot, or a crash that stops everything); any other waits,
// descheduled, for the toolstack, which Dom0 hears of through VIRQ_DOM_EXC.
void on_domain_stopped(Domain& domain) {
    if (options.counters_at_exit) log_counters(domain, &pv_hypercall_table());
    if (domain.privileged()) {
        bool crashed = domain.shutdown_reason == abi::ShutdownReason::crash;
        log_info("paravane: dom0 {}; stopping the machine", crashed ? "crashed" : "shut down");
        if (options.test_exit) exit_emulator(crashed ? Verdict::fail : Verdict::pass);
        machine_power_off(domain.shutdown_reason == abi::ShutdownReason::reboot);
    }
    for (uint32_t i = 0; i < domain.vcpu_count; ++i) pv_sleep(*domain.vcpus[i]);
    if (PvDomain* d0 = dom0()) d0->events.send_virq(abi::Virq::dom_exc);
}

// --- Time: the vCPUs' timers and each CPU's deadlines on its APIC timer.
VcpuTimers vcpu_timers;
void program_timer() { vcpu_timers.program(); }
void set_vcpu_timer(Vcpu& v, uint64_t deadline_ns) { vcpu_timers.set(v, deadline_ns); }
void cancel_vcpu_timer(Vcpu& v) { vcpu_timers.cancel(v); }

// Publish system time to the guest (pvclock) from one TSC reading.
void update_guest_time(Vcpu& v) {
    EventChannels* events = events_of(v.domain());
    if (!events) return;
    uint64_t tsc = rdtsc();
    update_vcpu_time(*events, v.id(), tsc, system_clock.ns_at(tsc), system_clock.scale(), abi::k_pvclock_tsc_stable);
}

// Dom0's first vCPU waits for console input, which raises no interrupt:
// the boot CPU looks whenever its timer fires or it idles.
void check_console_input() {
    PvDomain* d0 = dom0();
    if (!d0 || d0->domain.vcpu_count == 0) return;
    Vcpu& v = d0->vcpu(0);
    if (v.state == VcpuState::blocked && pv_services.console_input_pending()) {
        v.state = VcpuState::runnable;
        pv_wake(v);
    }
}

// Every CPU that runs guest vCPUs: SYSCALL MSRs, its APIC timer, and the
// hardware-container extension where there is one.
void prepare_cpu_for_guests() {
    pv_cpu_init();
    if (this_cpu().index != 0) apic_timer.init_this_cpu();
    if (container_backend) {
        Status s = container_backend->enable_this_cpu(this_cpu().index);
        if (!s && s.error() != Errno::ebusy)
            log_warning("hvm: cannot enable {} on CPU {}", container_backend->name(), this_cpu().index);
    }
}

bool scheduling_started = false;

// An idle AP joins the scheduler once there are domains.
void join_scheduler(PerCpu&) {
    if (!__atomic_load_n(&scheduling_started, __ATOMIC_ACQUIRE)) return;
    prepare_cpu_for_guests();
    pv_idle_loop();
}

long initialise_vcpu(Vcpu& v, const abi::VcpuGuestContext& context) {
    long rc = apply_guest_context(v, context, *pv_mmu, pv_services);
    if (rc == 0) fpu_init_state(v);
    return rc;
}

long bring_up_vcpu(Vcpu& v) {
    v.state = VcpuState::runnable;
    if (VcpuTimeState* t = time_of(v)) t->start();
    pv_wake(v);
    return 0;
}

// Where the boot CPU's idle loop looks for work besides the scheduler.
void idle_work() {
    PerCpu& cpu = this_cpu();
    if (cpu.index != 0) return;
    check_console_input();
    // No interrupt announces console input: look again in a while.
    constexpr uint64_t k_poll_ns = 10'000'000;
    cpu.poll_deadline = system_clock.now_ns() + k_poll_ns;
    program_timer();
}

void init_pv_mmu() {
    if (!m2p.init(page_tables, frames, frames.frame_table().frame_count()))
        panic("memory: cannot set up the machine-to-phys table");
    PvMmuConfig config;
    config.table = &frames.frame_table();
    config.memory = &frame_memory;
    config.hooks = &mmu_hooks;
    config.frames = &domain_frames;
    config.hypervisor_l4 = static_cast<const uint64_t*>(phys_to_virt(page_tables.root_phys()));
    config.m2p = m2p.data();
    config.m2p_entries = m2p.frame_count();
    pv_mmu = new (mmu_storage) PvMmu(config);
    pv_services.set_mmu(pv_mmu);
    grant_tables = new (grants_storage) GrantTables(*pv_mmu, grant_hooks);
    pv_services.set_grant_tables(grant_tables);
    pv_services.set_machine_memory(boot_info.memory, boot_info.memory_count);
}

// Every domain's wallclock (shared_info wc_*) at system time 0: the RTC at
// boot, less the time since. Domains built later copy it.
abi::SharedInfo wallclock_source;
void read_boot_wallclock() {
    int64_t rtc_seconds = 0;
    if (!read_rtc_unix_time(rtc_seconds)) {
        log_warning("time: the RTC gives no valid date; guests see a wallclock of 1970");
        return;
    }
    uint64_t uptime = system_clock.now_ns();
    uint64_t boot_ns = uint64_t(rtc_seconds) * 1'000'000'000ull - uptime;
    update_wallclock(wallclock_source, boot_ns / 1'000'000'000ull, uint32_t(boot_ns % 1'000'000'000ull));
}

void init_scheduling() {
    scheduler = new (scheduler_storage) sched::HypervisorScheduler(smp.online_count());
    PvScheduleEnvironment env;
    env.scheduler = scheduler;
    env.now_ns = [] { return system_clock.now_ns(); };
    env.send_ipi = send_event_check;
    env.program_timer = program_timer;
    env.switch_in = [](Vcpu& v) -> bool {
        if (!map_guest_gdt(this_cpu(), page_tables, v.pv.gdt_frames, v.pv.gdt_frame_count)) return false;
        update_guest_time(v);
        return true;
    };
    env.idle_work = idle_work;
    env.in_container = [](const Vcpu& v) { return x86::hvm::pvh_vcpu(v); };
    env.container_step = [](Vcpu& v) { x86::hvm::pvh_step(v); };
    pv_schedule_init(env);
    x86::hvm::PvhEnvironment pvh;
    pvh.domain_of = [](Domain& d) -> x86::hvm::PvhDomain* {
        PvDomain* pd = d.pvh ? domains.find(d) : nullptr;
        return pd ? &pd->pvh : nullptr;
    };
    pvh.services = &pv_services;
    pvh.hypercalls = &pvh_hypercall_table();
    pvh.vcpu_info = [](Vcpu& v) -> abi::VcpuInfo* {
        EventChannels* e = events_of(v.domain());
        return e ? e->vcpu_info(v.id()) : nullptr;
    };
    pvh.now_ns = [] { return system_clock.now_ns(); };
    x86::hvm::pvh_set_environment(pvh);
    PvDomainControl::Parts parts;
    parts.registry = &domains;
    parts.frames = &frames;
    parts.mmu = pv_mmu;
    parts.grants = grant_tables;
    parts.services = &pv_services;
    parts.scheduler = scheduler;
    read_boot_wallclock();
    parts.wallclock = []() -> const abi::SharedInfo* { return &wallclock_source; };
    parts.containers = container_backend;
    parts.no_containers_why = no_containers_why;
    domain_control = new (domain_control_storage) PvDomainControl(parts);
    pv_services.set_domain_control(domain_control);
}

// The other CPUs join the scheduler from their idle loop.
[[noreturn]] void start_scheduling() {
    smp.set_idle_hook(join_scheduler);
    __atomic_store_n(&scheduling_started, true, __ATOMIC_RELEASE);
    for (uint32_t cpu = 1; cpu < smp.online_count(); ++cpu) send_event_check(cpu);
    pv_idle_loop();
}

// Dom0 from the first boot module, or the domains a device tree describes.
void start_dom0() {
    prepare_cpu_for_guests();
    set_interrupt_handler(vector::tlb_flush_ipi, [](TrapFrame&) {
        local_apic.eoi();
        service_tlb_flush_request();
    });
    remote_tlb_init(cpus, smp.online_count(), [](uint32_t cpu) {
        if (cpu < k_max_cpus && cpus[cpu].online) local_apic.send_fixed(cpus[cpu].apic_id, vector::tlb_flush_ipi);
    });
    set_interrupt_handler(vector::event_check_ipi, [](TrapFrame&) {
        local_apic.eoi();
        this_cpu().need_resched = true; // a wake-up, a kick, a new deadline
        program_timer();
    });
    set_guest_exception_handler([](TrapFrame& f) { pv_handle_guest_exception(f); });
    set_guest_return_hook([](TrapFrame& f) { pv_return_to_guest(f); });
    set_guest_iret_fault_hook([](TrapFrame& f) { pv_handle_iret_fault(f); });
    if (options.console.has(ConsoleDevice::com1)) reserve_hypervisor_io_port(Uart::k_com1, 8);
    if (options.console.has(ConsoleDevice::com2)) reserve_hypervisor_io_port(Uart::k_com2, 8);
    domains.init(frames, pv_services);
    PvEnvironment env;
    env.frames = &frames;
    env.hypervisor_cr3 = page_tables.root_phys();
    env.domain_stopped = on_domain_stopped;
    env.vcpu_info = [](Vcpu& v) -> abi::VcpuInfo* {
        EventChannels* e = events_of(v.domain());
        return e ? e->vcpu_info(v.id()) : nullptr;
    };
    env.mmu = [] { return pv_mmu; };
    env.runstate = [](Vcpu& v, bool running) {
        if (VcpuTimeState* t = time_of(v)) {
            if (v.domain().pvh) {
                // No runstate area copy: its address is guest-virtual.
                t->runstate_change(running ? abi::RunState::running
                                   : v.state == VcpuState::blocked ? abi::RunState::blocked
                                                                   : abi::RunState::runnable,
                                   system_clock.now_ns(), nullptr);
                return;
            }
            PvGuestSpace space = guest_space_of(v);
            abi::RunState state = running                           ? abi::RunState::running
                                  : v.state == VcpuState::blocked   ? abi::RunState::blocked
                                  : v.state == VcpuState::offline   ? abi::RunState::offline
                                                                    : abi::RunState::runnable;
            t->runstate_change(state, system_clock.now_ns(), &space);
        }
    };
    pv_set_environment(env);
    pv_set_hypercall_environment({&pv_hypercall_table(),
                                  [](HypercallContext& ctx) { ctx.services = &pv_services; }, nullptr});
    vcpu_timers.init({&domains, &apic_timer, &system_clock, send_event_check, update_guest_time,
                      check_console_input});
    apic_timer.set_expiry_handler([](void*) { vcpu_timers.on_expiry(); }, nullptr);
    init_pv_mmu();
    init_scheduling();

    // Boot-time domains (arch/x86/pv/boot_time_domains.hpp): with a device
    // tree module, the tree says what runs; without one, Dom0 as always.
    BootTimeDomains described({&boot_info, &frames, pv_mmu, domain_control, &domains, options.dom0_mem_bytes,
                               options.test_exit});
    if (described.present() && !described.dom0()) {
        described.start_domus();
        start_scheduling();
    }

    auto created = domains.create(0, true);
    if (!created) panic("dom0: no memory for the domain's bookkeeping");
    PvDomain& d0 = **created;
    Domain& domain = d0.domain;
    domain.set_name("Domain-0");
    d0.add_vcpus(1);
    Vcpu& boot_vcpu = d0.vcpu(0);
    BootDomainRequest request;
    request.boot = &boot_info;
    request.frames = &frames;
    request.m2p = &m2p;
    request.hypervisor_cr3 = page_tables.root_phys();
    request.memory_bytes = options.dom0_mem_bytes;
    described.describe_dom0(request);
    if (!build_boot_domain(request, domain, boot_vcpu) ||
        !pv_mmu->adopt_boot_page_tables(boot_vcpu, boot_vcpu.pv.kernel_cr3 >> 12)) {
        log_error("dom0: not started");
        if (options.test_exit) exit_emulator(Verdict::fail);
        return;
    }
    // Dom0's vCPUs: one per online CPU (up to Domain::k_max_vcpus); vCPU 0
    // starts now, the others when Dom0 brings them up.
    uint32_t vcpus = described.dom0_vcpus(smp.online_count() < Domain::k_max_vcpus ? smp.online_count() : Domain::k_max_vcpus);
    d0.add_vcpus(vcpus);
    for (uint32_t id = 0; id < vcpus; ++id) fpu_init_state(d0.vcpu(id));
    auto* shared = static_cast<abi::SharedInfo*>(phys_to_virt(domain.shared_info_mfn * 4096));
    d0.events.attach_shared_info(shared);
    update_wallclock(*shared, uint64_t(wallclock_source.wc_sec_hi) << 32 | wallclock_source.wc_sec,
                     wallclock_source.wc_nsec);
    if (!domain_control->add_to_scheduler(d0)) panic("dom0: the scheduler has no room");
    boot_vcpu.initialised = true;
    log_info("dom0: {} vCPU{}", vcpus, vcpus == 1 ? "" : "s");
    update_guest_time(boot_vcpu);
    time_of(boot_vcpu)->start();
    boot_vcpu.state = VcpuState::runnable;
    pv_wake(boot_vcpu);
    described.start_domus();
    start_scheduling();
}

} // namespace

extern "C" [[noreturn]] void hypervisor_start(uint32_t magic, uint32_t info_phys) {
    const uint64_t entry_tsc = rdtsc();
    run_constructors();
    console.select(options.console); // COM1 until the command line says otherwise
    logger.set_console(&console);
    install_logger(&logger);
    set_panic_hooks({[] { smp_stop_other_cpus(); }, [] { report_failure_and_stop(); }});
    idt_init();
    idt_load();
    pic_remap_and_mask(); // interrupts come through the local APIC only

    log_info("Paravane {} hypervisor (x86-64), Xen {}.{} guest ABI", k_version, 4, 17);
    parse_boot(magic, info_phys);
    cpu_features = detect_cpu_features();
    print_banner();
    init_time(entry_tsc);
    print_boot_summary();
    init_memory();

    cpus[0].index = 0;
    init_cpu_tables(cpus[0], reinterpret_cast<uint64_t>(boot_stack_top));
    cpus[0].online = true;
    init_smp();
    init_apic_timer();
    if (options.test_timer && !run_timer_test(apic_timer, system_clock)) report_failure_and_stop();
    container_backend = x86::hvm::select_backend(cpu_features.virt, frames, container_backend_storage,
                                            &no_containers_why);
    if (no_containers_why) log_debug("hvm: no hardware containers: {}", no_containers_why);
    if (options.test_hvm && !run_container_test(container_backend, frames)) report_failure_and_stop();

    raise_test_fault(options.test_fault);

    log_info("paravane: boot complete");
    if (options.test_exit && boot_info.module_count == 0) exit_emulator(Verdict::pass);
    if (boot_info.module_count > 0) start_dom0();
    log_info("paravane: nothing to run yet; idling");
    for (;;) enable_interrupts_and_halt();
}
