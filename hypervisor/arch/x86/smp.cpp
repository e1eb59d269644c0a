// Application processor bring-up (SDM Vol. 3 §10.4: MP initialisation).
#include "arch/x86/smp.hpp"

#include "arch/x86/acpi_discovery.hpp"
#include "arch/x86/cpu.hpp"
#include "arch/x86/idt.hpp"
#include "arch/x86/layout.hpp"
#include "core/acpi/rsdp.hpp"
#include "core/smp/trampoline_page.hpp"
#include "lib/log.hpp"

namespace pv::x86 {

extern "C" const char smp_trampoline_start[], smp_trampoline_end[];
extern "C" const char smp_trampoline_efer[], smp_trampoline_start_info[];

namespace {

constexpr uint64_t k_page = 4096;
// SDM Vol. 3 §10.4.4.1: INIT, wait 10 ms, Start-Up, wait 200 us, Start-Up.
constexpr uint64_t k_init_delay_us = 10000;
constexpr uint64_t k_startup_delay_us = 200;
// How long an AP gets to reach C++ and then to finish its setup. Generous:
// under emulation a virtual CPU may wait for a host thread.
constexpr uint64_t k_ap_alive_timeout_ns = 1'000'000'000;
constexpr uint64_t k_ap_online_timeout_ns = 1'000'000'000;
// EFER.SCE (SYSCALL enable): copied too, should the boot CPU have it by then.
constexpr uint64_t k_efer_sce = 1ull << 0;

// The one started Smp, for the C++ entry from assembly, the IPI handler
// and the panic hook, which have no other way to find it. Set once by start().
Smp* started_smp = nullptr;

ApState load_state(const ApState& s) {
    return __atomic_load_n(&s, __ATOMIC_ACQUIRE);
}

} // namespace

bool Smp::is_online(uint32_t cpu) const {
    return cpu < setup_.cpu_slots && __atomic_load_n(&setup_.cpus[cpu].online, __ATOMIC_ACQUIRE);
}

// Waits while the AP's state is `from`; returns the state it moved to, or
// `from` at the timeout.
ApState Smp::wait_while(const ApState& state, ApState from, uint64_t timeout_ns) const {
    const uint64_t deadline = setup_.clock->tsc_at(setup_.clock->now_ns() + timeout_ns);
    while (load_state(state) == from && rdtsc_ordered() < deadline)
        cpu_relax();
    return load_state(state);
}

// Copies the trampoline into a free page below 1 MiB. That page stays the
// APs' for good: the frame allocator never hands out the first MiB.
Status Smp::prepare_trampoline() {
    DirectMapReader mem(*setup_.boot, *setup_.page_tables);
    uint64_t ebda = acpi::ebda_address(mem);
    PhysRange avoid = ebda ? PhysRange{ebda & ~(k_page - 1), k_trampoline_limit} : PhysRange{0, 0};
    trampoline_phys_ =
        TRY(find_trampoline_page(setup_.boot->memory, setup_.boot->memory_count, avoid));
    TRY(setup_.page_tables->map_direct(trampoline_phys_, k_page));

    const uint64_t size = static_cast<uint64_t>(smp_trampoline_end - smp_trampoline_start);
    if (size > k_page) return Errno::enospc;
    auto* copy = static_cast<char*>(phys_to_virt(trampoline_phys_));
    __builtin_memcpy(copy, smp_trampoline_start, size);
    auto* efer_bits =
        reinterpret_cast<uint32_t*>(copy + (smp_trampoline_efer - smp_trampoline_start));
    *efer_bits = static_cast<uint32_t>(boot_efer_ & efer::nxe);
    trampoline_start_info_ =
        reinterpret_cast<uint64_t*>(copy + (smp_trampoline_start_info - smp_trampoline_start));
    return Status::ok();
}

// The AP's stacks and its GDT window (gdt.hpp), all set up by the boot CPU.
bool Smp::allocate_cpu_state(PerCpu& cpu) {
    auto stack = [this](uint64_t bytes) -> uint64_t {
        auto mfn = setup_.frames->alloc_contiguous(bytes / k_page, 1, k_owner_hypervisor);
        return mfn ? reinterpret_cast<uint64_t>(phys_to_virt((*mfn + bytes / k_page) * k_page)) : 0;
    };
    cpu.stack_top = stack(PV_CPU_STACK_SIZE);
    for (unsigned slot = 1; slot <= ist::count; ++slot)
        cpu.ist_top[slot] = stack(PV_IST_STACK_SIZE);
    bool ok = cpu.stack_top != 0;
    for (unsigned slot = 1; slot <= ist::count; ++slot)
        ok = ok && cpu.ist_top[slot] != 0;
    return ok && allocate_cpu_gdt(cpu, *setup_.page_tables, *setup_.frames).is_ok();
}

// One INIT-SIPI-SIPI round for the CPU with `apic_id`, to become cpu `index`.
Smp::ApResult Smp::start_ap(uint32_t apic_id, uint32_t index) {
    PerCpu& cpu = setup_.cpus[index];
    cpu.index = index;
    cpu.apic_id = apic_id;
    cpu.online = false;
    if (!allocate_cpu_state(cpu))
        return ApResult::no_memory; // a few frames leak; we are out anyway

    // A fresh ApStart per attempt: a late AP of an earlier attempt keeps
    // its own stack and finds its own ApStart abandoned.
    ApStart& ap = ap_starts_[attempts_++];
    ap.stack_top = cpu.stack_top;
    ap.cr3 = setup_.page_tables->root_phys();
    ap.apic_id = apic_id;
    ap.cpu = &cpu;
    ap.smp = this;
    __atomic_store_n(&ap.state, ApState::starting, __ATOMIC_RELEASE);
    __atomic_store_n(trampoline_start_info_, reinterpret_cast<uint64_t>(&ap), __ATOMIC_RELEASE);

    LocalApic& apic = *setup_.apic;
    const uint8_t vector_page = static_cast<uint8_t>(trampoline_phys_ / k_page);
    apic.send_init(apic_id);
    setup_.clock->delay_us(k_init_delay_us);
    apic.send_startup(apic_id, vector_page);
    setup_.clock->delay_us(k_startup_delay_us);
    // A CPU already on its way ignores the second one (it only wakes a CPU
    // in wait-for-SIPI state); older CPUs may need it.
    if (load_state(ap.state) == ApState::starting) {
        apic.send_startup(apic_id, vector_page);
        setup_.clock->delay_us(k_startup_delay_us);
    }

    if (wait_while(ap.state, ApState::starting, k_ap_alive_timeout_ns) == ApState::starting) {
        ApState expected = ApState::starting;
        if (__atomic_compare_exchange_n(&ap.state, &expected, ApState::abandoned, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return ApResult::no_answer;
        // It arrived just now after all.
    }
    return wait_while(ap.state, ApState::alive, k_ap_online_timeout_ns) == ApState::online
               ? ApResult::online
               : ApResult::stuck;
}

Status Smp::start(const SmpSetup& setup) {
    if (started_) return Errno::ebusy;
    if (!setup.boot || !setup.apic || !setup.page_tables || !setup.frames || !setup.clock ||
        !setup.clock->ready() || !setup.cpus || setup.cpu_slots == 0)
        return Errno::einval;
    setup_ = setup;
    started_ = true;
    boot_cr0_ = read_cr0();
    boot_cr4_ = read_cr4();
    boot_efer_ = rdmsr(msr::efer);

    LocalApic& apic = *setup_.apic;
    PerCpu& boot_cpu = setup_.cpus[0];
    boot_cpu.apic_id = apic.id();
    __atomic_store_n(&boot_cpu.online, true, __ATOMIC_RELEASE);
    online_count_ = 1;
    started_smp = this;
    set_interrupt_handler(vector::call_function_ipi,
                          [](TrapFrame&) { started_smp->handle_call_ipi(); });
    log_info("cpu 0: APIC ID {} online", boot_cpu.apic_id);

    const acpi::MadtInfo* madt = setup_.madt;
    bool boot_cpu_listed = false;
    possible_count_ = 0;
    for (size_t i = 0; madt && i < madt->cpu_count; ++i) {
        if (!madt->cpus[i].enabled) continue;
        ++possible_count_;
        boot_cpu_listed |= madt->cpus[i].apic_id == boot_cpu.apic_id;
    }
    if (!boot_cpu_listed) {
        if (madt)
            log_warning("smp: the boot CPU (APIC ID {}) is not in the MADT", boot_cpu.apic_id);
        ++possible_count_;
    }

    uint32_t limit = setup_.cpu_slots;
    if (setup_.max_cpus != 0 && setup_.max_cpus < limit) limit = setup_.max_cpus;
    if (possible_count_ > 1 && limit > 1) {
        if (Status s = prepare_trampoline(); !s) {
            log_error("smp: no page below 1 MiB for the AP trampoline; running on one CPU");
            limit = 1;
        } else {
            log_debug("smp: AP trampoline at {:#x}", trampoline_phys_);
        }
    }

    uint32_t next_index = 1, not_started = 0;
    for (size_t i = 0; madt && i < madt->cpu_count; ++i) {
        const acpi::MadtCpu& entry = madt->cpus[i];
        if (entry.apic_id == boot_cpu.apic_id) continue;
        if (!entry.enabled) {
            log_debug("smp: APIC ID {} is hot-pluggable only; not started", entry.apic_id);
            continue;
        }
        if (next_index >= limit || attempts_ == acpi::MadtInfo::k_max_cpus) {
            ++not_started;
            continue;
        }
        if (!apic.can_address(entry.apic_id)) {
            log_warning("smp: APIC ID {} needs x2APIC mode; not started", entry.apic_id);
            continue;
        }
        switch (start_ap(entry.apic_id, next_index)) {
        case ApResult::online:
            log_info("cpu {}: APIC ID {} online", next_index, entry.apic_id);
            ++next_index;
            __atomic_fetch_add(&online_count_, 1, __ATOMIC_RELEASE);
            break;
        case ApResult::no_answer:
            // It never reached the hypervisor: its PerCpu slot is free again.
            log_warning("smp: APIC ID {} did not answer INIT-SIPI-SIPI; skipped", entry.apic_id);
            break;
        case ApResult::stuck:
            // It runs our code but never finished: its slot stays taken.
            log_warning("smp: APIC ID {} started but did not finish its setup; skipped",
                        entry.apic_id);
            ++next_index;
            break;
        case ApResult::no_memory:
            log_error("smp: out of memory for CPU stacks");
            limit = next_index;
            ++not_started;
            break;
        }
    }
    if (not_started != 0)
        log_info("smp: {} CPUs not started (maxcpus={}, room for {})", not_started, setup_.max_cpus,
                 setup_.cpu_slots);
    log_info("smp: {} of {} CPUs online", online_count(), possible_count_);
    return Status::ok();
}

// The AP, on its own stack and the hypervisor's page tables, interrupts off.
void Smp::ap_main(ApStart& start) {
    PerCpu& cpu = *start.cpu;
    cpu_tables_init(cpu);
    // The boot CPU's protections (NX, WP, SMEP, SMAP, global pages) here too.
    write_cr0(boot_cr0_);
    write_cr4(boot_cr4_);
    constexpr uint64_t k_efer_copied = efer::nxe | k_efer_sce;
    wrmsr(msr::efer, rdmsr(msr::efer) | (boot_efer_ & k_efer_copied));
    setup_.apic->init_this_cpu();

    __atomic_store_n(&cpu.online, true, __ATOMIC_RELEASE);
    __atomic_store_n(&start.state, ApState::online, __ATOMIC_RELEASE);
    for (;;) {
        // Work handed to this CPU (a guest vCPU to run) is picked up here,
        // outside interrupt context, after the IPI that announced it.
        if (IdleHook hook = __atomic_load_n(&idle_hook_, __ATOMIC_ACQUIRE)) hook(cpu);
        enable_interrupts_and_halt();
        disable_interrupts();
    }
}

void Smp::set_idle_hook(IdleHook hook) { __atomic_store_n(&idle_hook_, hook, __ATOMIC_RELEASE); }

void smp_stop_other_cpus() {
    if (Smp* smp = started_smp) smp->stop_other_cpus();
}

Status smp_call_function(uint32_t cpu, CrossCallFunction fn, void* arg, bool wait) {
    Smp* smp = started_smp;
    return smp ? smp->call_function(cpu, fn, arg, wait) : Status(Errno::eagain);
}

} // namespace pv::x86

// From trampoline.S: the AP is through the mode switches, on its own stack.
extern "C" [[noreturn]] void smp_ap_start(pv::x86::ApStart* start) {
    using pv::x86::ApState;
    // Claim the start unless the boot CPU has given up on us.
    ApState expected = ApState::starting;
    if (!__atomic_compare_exchange_n(&start->state, &expected, ApState::alive, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        pv::x86::halt_forever();
    start->smp->ap_main(*start);
}
