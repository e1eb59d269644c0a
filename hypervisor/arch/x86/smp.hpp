// Bringing up the application processors and calling functions on them.
//
// Boot: the boot CPU starts every enabled CPU of the MADT (up to maxcpus=)
// with INIT-SIPI-SIPI (SDM Vol. 3 §10.4.4) through the real-mode trampoline
// (trampoline.S). Each AP sets up its own descriptor tables, control
// registers and local APIC, marks itself online and halts with interrupts
// on, waiting for cross-CPU calls.
//
// Cross-CPU calls: one call in flight at a time, delivered by a fixed IPI
// (vector::call_function_ipi); the target runs the function in interrupt
// context, interrupts off.
#pragma once

#include "arch/x86/ap_start.hpp"
#include "arch/x86/apic.hpp"
#include "arch/x86/paging.hpp"
#include "arch/x86/percpu.hpp"
#include "arch/x86/time.hpp"
#include "core/acpi/madt.hpp"
#include "core/boot/boot_info.hpp"
#include "core/memory/frame_allocator.hpp"
#include "lib/spinlock.hpp"
#include "lib/status.hpp"

#include <cstdint>

namespace pv::x86 {

using CrossCallFunction = void (*)(void*);
// A cross-call target meaning every online CPU except the caller.
inline constexpr uint32_t k_all_other_cpus = ~0u;

// What start() needs; all of it outlives the Smp object's use.
struct SmpSetup {
    const acpi::MadtInfo* madt = nullptr; // nullptr: no MADT, the boot CPU runs alone
    const BootInfo* boot = nullptr;
    LocalApic* apic = nullptr; // already initialised on the boot CPU
    HypervisorPageTables* page_tables = nullptr;
    FrameAllocator* frames = nullptr;
    const SystemClock* clock = nullptr; // ready: start() waits with it
    PerCpu* cpus = nullptr;             // cpus[0] is the boot CPU, its tables loaded
    uint32_t cpu_slots = 0;             // entries in cpus
    uint32_t max_cpus = 0;              // maxcpus=: 0 = all
};

class Smp {
public:
    // Starts the APs and prints one "cpu K: APIC ID X online" line per CPU
    // and the "smp: N of M CPUs online" summary. An AP that does not come up
    // in time is reported and skipped. Errors only for a bad setup or if
    // start() ran before; running on fewer CPUs is not an error.
    Status start(const SmpSetup& setup);

    // Runs fn(arg) on CPU `cpu` (a PerCpu index) or, with k_all_other_cpus,
    // on every other online CPU. With `wait`, returns once every target has
    // finished; without, once every target has taken the call (so `arg` may
    // still be in use). A call to the caller's own CPU runs directly.
    // EINVAL: no function, or `cpu` is not online. Panics if a target does
    // not answer within a few seconds: it is stuck with interrupts off.
    // Not from NMI context; from an interrupt handler only without `wait`.
    Status call_function(uint32_t cpu, CrossCallFunction fn, void* arg, bool wait);

    // Asks every online CPU but this one to run a function, then each one
    // alone, then without waiting; logs "smp: cross-CPU call reached N
    // CPUs" and panics if any CPU did not answer correctly.
    void self_test();

    // Panic path: NMI every other online CPU (the NMI handler halts them).
    void stop_other_cpus();

    uint32_t online_count() const { return __atomic_load_n(&online_count_, __ATOMIC_ACQUIRE); }
    uint32_t possible_count() const { return possible_count_; } // enabled in the MADT
    bool is_online(uint32_t cpu) const;

    // Runs on every idle AP after each wake-up, interrupts off; it may never
    // return (it starts a guest vCPU on that CPU).
    using IdleHook = void (*)(PerCpu& cpu);
    void set_idle_hook(IdleHook hook);

    // The AP's side, entered from trampoline.S via smp_ap_start().
    [[noreturn]] void ap_main(ApStart& start);
    // The call-function IPI's handler, on the receiving CPU.
    void handle_call_ipi();

private:
    IdleHook idle_hook_ = nullptr;
    enum class ApResult { online, no_answer, stuck, no_memory };

    Status prepare_trampoline();
    ApResult start_ap(uint32_t apic_id, uint32_t index);
    bool allocate_cpu_state(PerCpu& cpu);
    ApState wait_while(const ApState& state, ApState from, uint64_t timeout_ns) const;
    bool serve_call(uint32_t self);
    bool wait_for_zero(const uint32_t& counter, uint64_t timeout_ns);

    SmpSetup setup_;
    bool started_ = false;
    uint64_t trampoline_phys_ = 0;
    uint64_t* trampoline_start_info_ = nullptr; // the copy's start pointer, direct-mapped
    // What the APs copy from the boot CPU (SDM Vol. 3 §10.4.4: the same mode everywhere).
    uint64_t boot_cr0_ = 0, boot_cr4_ = 0, boot_efer_ = 0;
    uint32_t online_count_ = 0; // atomic
    uint32_t possible_count_ = 0;
    uint32_t attempts_ = 0; // ApStart entries used
    ApStart ap_starts_[acpi::MadtInfo::k_max_cpus] = {};

    // One cross-call at a time: call_lock_ is held by the caller from
    // writing call_fn_/call_arg_/call_wait_ until every target has copied
    // them. The counters and the pending mask are accessed atomically.
    SpinLock call_lock_;
    CrossCallFunction call_fn_ = nullptr;
    void* call_arg_ = nullptr;
    bool call_wait_ = false;
    uint64_t call_pending_ = 0; // bit i: CPU i has not taken the call yet
    uint32_t call_unread_ = 0;  // targets that have not copied the call yet
    uint32_t call_running_ = 0; // targets still running fn (waited-for calls)
};
static_assert(k_max_cpus <= 64, "the cross-call pending mask is one 64-bit word");

// The same through the one started Smp, for code that has no reference
// (interrupt handlers, PanicHooks). EAGAIN before start().
Status smp_call_function(uint32_t cpu, CrossCallFunction fn, void* arg, bool wait);
// For PanicHooks::stop_other_cpus: a no-op until start() has run.
void smp_stop_other_cpus();

} // namespace pv::x86
