// Cross-CPU function calls and stopping the other CPUs on panic.
#include "arch/x86/cpu.hpp"
#include "arch/x86/idt.hpp"
#include "arch/x86/panic.hpp"
#include "arch/x86/smp.hpp"
#include "lib/log.hpp"

namespace pv::x86 {

namespace {

// A target that has not taken a call after this long is stuck with
// interrupts off (or dead): nothing sensible is left to do but panic.
constexpr uint64_t k_call_timeout_ns = 2'000'000'000;

// No libgcc in the image, so no __popcountdi2: clear the lowest bit until none is left.
uint32_t count_bits(uint64_t mask) {
    uint32_t n = 0;
    for (; mask != 0; mask &= mask - 1)
        ++n;
    return n;
}

} // namespace

// Takes and runs this CPU's share of the current call, if it has one.
// Called from the IPI handler and from callers waiting for the lock, so an
// atomic claim decides who runs it.
bool Smp::serve_call(uint32_t self) {
    const uint64_t bit = 1ull << self;
    if (!(__atomic_fetch_and(&call_pending_, ~bit, __ATOMIC_ACQ_REL) & bit)) return false;
    const CrossCallFunction fn = call_fn_;
    void* const arg = call_arg_;
    const bool wait = call_wait_;
    // From here the caller may release the call (when not waiting for us).
    __atomic_fetch_sub(&call_unread_, 1, __ATOMIC_RELEASE);
    fn(arg);
    if (wait) __atomic_fetch_sub(&call_running_, 1, __ATOMIC_RELEASE);
    return true;
}

void Smp::handle_call_ipi() {
    serve_call(this_cpu().index);
    setup_.apic->eoi();
}

bool Smp::wait_for_zero(const uint32_t& counter, uint64_t timeout_ns) {
    const uint64_t deadline = setup_.clock->tsc_at(setup_.clock->now_ns() + timeout_ns);
    while (__atomic_load_n(&counter, __ATOMIC_ACQUIRE) != 0) {
        if (rdtsc_ordered() >= deadline) return __atomic_load_n(&counter, __ATOMIC_ACQUIRE) == 0;
        cpu_relax();
    }
    return true;
}

Status Smp::call_function(uint32_t cpu, CrossCallFunction fn, void* arg, bool wait) {
    if (fn == nullptr || !started_) return Errno::einval;
    const uint32_t self = this_cpu().index;
    uint64_t targets = 0;
    if (cpu == k_all_other_cpus) {
        for (uint32_t i = 0; i < setup_.cpu_slots; ++i)
            if (i != self && is_online(i)) targets |= 1ull << i;
    } else {
        if (!is_online(cpu)) return Errno::einval;
        if (cpu == self) {
            InterruptsOff interrupts_off; // as the targets of an IPI run it
            fn(arg);
            return Status::ok();
        }
        targets = 1ull << cpu;
    }
    if (targets == 0) return Status::ok();

    // While another CPU's call holds the lock, it may be waiting for us:
    // answer it here, or two CPUs calling each other would wait forever.
    while (!call_lock_.try_lock()) {
        serve_call(self);
        cpu_relax();
    }
    call_fn_ = fn;
    call_arg_ = arg;
    call_wait_ = wait;
    __atomic_store_n(&call_unread_, count_bits(targets), __ATOMIC_RELAXED);
    __atomic_store_n(&call_running_, wait ? count_bits(targets) : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&call_pending_, targets, __ATOMIC_RELEASE);
    for (uint64_t left = targets; left != 0; left &= left - 1)
        setup_.apic->send_fixed(setup_.cpus[__builtin_ctzll(left)].apic_id,
                                vector::call_function_ipi);

    bool answered = wait_for_zero(call_unread_, k_call_timeout_ns);
    if (answered && wait) answered = wait_for_zero(call_running_, k_call_timeout_ns);
    if (!answered) {
        log_error("smp: cross-CPU call: CPUs {:#x} did not take it, {} still running",
                  __atomic_load_n(&call_pending_, __ATOMIC_ACQUIRE),
                  __atomic_load_n(&call_running_, __ATOMIC_ACQUIRE));
        panic("smp: a CPU does not answer cross-CPU calls");
    }
    call_lock_.unlock();
    return Status::ok();
}

void Smp::stop_other_cpus() {
    // By APIC ID rather than this_cpu(): a panic may come before GS is set.
    const uint32_t self = setup_.apic->id();
    for (uint32_t i = 0; i < setup_.cpu_slots; ++i)
        if (is_online(i) && setup_.cpus[i].apic_id != self)
            setup_.apic->send_nmi(setup_.cpus[i].apic_id);
}

namespace {

struct CallProbe {
    uint32_t calls = 0;
    uint64_t cpus = 0; // bit per PerCpu index that ran the function
};

void record_call(void* p) {
    auto* probe = static_cast<CallProbe*>(p);
    __atomic_fetch_or(&probe->cpus, 1ull << this_cpu().index, __ATOMIC_RELAXED);
    __atomic_fetch_add(&probe->calls, 1, __ATOMIC_RELEASE);
}

} // namespace

void Smp::self_test() {
    const uint32_t self = this_cpu().index;
    uint64_t others = 0;
    for (uint32_t i = 0; i < setup_.cpu_slots; ++i)
        if (i != self && is_online(i)) others |= 1ull << i;
    const uint32_t expected = count_bits(others);

    // Everyone at once, waiting for completion.
    CallProbe all;
    if (!call_function(k_all_other_cpus, record_call, &all, true) || all.cpus != others ||
        all.calls != expected) {
        log_error("smp: cross-CPU call reached {} of {} CPUs (mask {:#x}, wanted {:#x})", all.calls,
                  expected, all.cpus, others);
        panic("smp: cross-CPU call self-test failed");
    }
    // Each one alone: the IPI must reach exactly the CPU asked for.
    for (uint64_t left = others; left != 0; left &= left - 1) {
        const uint32_t cpu = static_cast<uint32_t>(__builtin_ctzll(left));
        CallProbe one;
        if (!call_function(cpu, record_call, &one, true) || one.cpus != (1ull << cpu) ||
            one.calls != 1) {
            log_error("smp: cross-CPU call to cpu {} ran on {:#x}", cpu, one.cpus);
            panic("smp: cross-CPU call self-test failed");
        }
    }
    // Without waiting: the call returns once taken; the functions finish soon after.
    CallProbe async;
    if (!call_function(k_all_other_cpus, record_call, &async, false))
        panic("smp: cross-CPU call failed");
    const uint64_t deadline = setup_.clock->tsc_at(setup_.clock->now_ns() + k_call_timeout_ns);
    while (__atomic_load_n(&async.calls, __ATOMIC_ACQUIRE) != expected &&
           rdtsc_ordered() < deadline)
        cpu_relax();
    if (__atomic_load_n(&async.calls, __ATOMIC_ACQUIRE) != expected)
        panic("smp: cross-CPU call without wait did not complete");

    log_info("smp: cross-CPU call reached {} CPUs", all.calls);
}

} // namespace pv::x86
