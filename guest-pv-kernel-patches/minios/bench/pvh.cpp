// minios-bench as a PVH guest (issue 7, item 1, the PVH half): what a
// hardware container's exits cost, timed from inside the guest like the PV
// operations (bench/main.cpp has the method). Ring 0 of a container traps
// only what the hypervisor intercepts, so the PV trap-and-emulate
// operations have no PVH counterpart and are skipped with a reason:
//   null_hypercall, copy_hypercall  vmmcall/vmcall through the hypercall page
//   cpuid             CPUID leaf 0: every CPUID exits in a container
//   port_in           inb $0x80: an I/O exit, answered all-ones
//   rdmsr_pat         rdmsr of MSR_PAT (0x277): an MSR exit answered by the
//                     hypervisor's MSR policy (core/hvm/msr_policy.cpp)
//   page_fault        a #PF to minios' own IDT and iret: no exit at all
//                     (nested paging), the hardware reference for PV's bounce
//   evtchn_self_send  event_channel_op send, the upcall vector injected on
//                     the way back
//   timer_wakeup      a singleshot timer at now + 20 us, hlt until it fires:
//                     wake time minus deadline (pvclock), in TSC cycles
#include "arch/hypercall.hpp"
#include "bench/modes.hpp"
#include "kernel/pvclock.hpp"

namespace minios::bench {
namespace {

// Canonical, lower half, L4 slot 128: arch/start32.S maps only slots 0
// (identity, 0..4 GiB) and 511 (the kernel), so a load here faults in
// PVH and on bare metal alike.
const void* const k_unmapped = reinterpret_cast<const void*>(0x0000400000000000ull);

constexpr uint32_t k_msr_pat = 0x277; // Intel SDM Vol. 4, AMD APM Vol. 2 §7.8
constexpr uint64_t k_timer_delay_ns = 20'000;

uint64_t page_faults = 0;
bool on_page_fault(TrapFrame& frame) {
    if (frame.vector != 14 || frame.rip != reinterpret_cast<uintptr_t>(bench_pf_fault))
        return false;
    frame.rip = reinterpret_cast<uintptr_t>(bench_pf_resume);
    ++page_faults;
    return true;
}

void time_evtchn(Kernel& k) {
    if (k.events.vcpu_info() == nullptr) {
        skip("evtchn_self_send", "shared_info not mapped");
        return;
    }
    abi::EvtchnBindIpi bind{0, 0};
    if (hv::event_channel_op(abi::EventChannelOp::bind_ipi, &bind) < 0) {
        skip("evtchn_self_send", "bind_ipi failed");
        return;
    }
    k.events.deliver_pending();
    const uint64_t upcalls = k.events.upcalls();
    // Interrupts on for the run: each send's upcall vector is taken before
    // the second TSC read.
    asm volatile("sti" ::: "memory");
    const uint64_t made = time_op(
        "evtchn_self_send",
        [](const void* port) { return bench_op_evtchn_send(static_cast<const uint32_t*>(port)); },
        &bind.port);
    asm volatile("cli" ::: "memory");
    check("evtchn_self_send", made, k.events.upcalls() - upcalls, true);
    abi::EvtchnClose close{bind.port};
    hv::event_channel_op(abi::EventChannelOp::close, &close);
}

// Blocks until system time has passed `deadline` and the timer's port was
// delivered (another event, such as the console backend's, may wake us
// first). Returns the system time seen on waking.
uint64_t sleep_until(Kernel& k, uint32_t timer_port, uint64_t deadline) {
    const abi::VcpuInfo* vcpu = k.events.vcpu_info();
    for (;;) {
        k.events.block(deadline);
        const uint64_t now = system_time_ns(vcpu->time);
        if (k.events.take_delivered(timer_port) && now >= deadline) return now;
    }
}

void time_timer_wakeup(Kernel& k) {
    const abi::VcpuInfo* vcpu = k.events.vcpu_info();
    if (vcpu == nullptr) {
        skip("timer_wakeup", "shared_info not mapped");
        return;
    }
    abi::EvtchnBindVirq virq{abi::raw(abi::Virq::timer), 0, 0};
    if (hv::event_channel_op(abi::EventChannelOp::bind_virq, &virq) < 0) {
        skip("timer_wakeup", "bind_virq(VIRQ_TIMER) failed");
        return;
    }
    hv::vcpu_op(abi::VcpuOp::stop_periodic_timer, 0); // one wake-up per deadline
    const uint64_t tsc_hz = pvclock_tsc_hz(vcpu->time);
    if (tsc_hz == 0) {
        skip("timer_wakeup", "pvclock gives no TSC frequency");
        return;
    }
    k.events.forget_delivered();
    uint64_t* samples = sample_buffer();
    const uint64_t total = warmup() + rounds();
    for (uint64_t i = 0; i < total; ++i) {
        const uint64_t deadline = system_time_ns(vcpu->time) + k_timer_delay_ns;
        const uint64_t late_ns = sleep_until(k, virq.port, deadline) - deadline;
        // ns of system time to TSC cycles, like every other figure.
        if (i >= warmup()) samples[i - warmup()] = late_ns * tsc_hz / 1'000'000'000ull;
    }
    performed("timer_wakeup", total);
    report_samples("timer_wakeup");
    abi::EvtchnClose close{virq.port};
    hv::event_channel_op(abi::EventChannelOp::close, &close);
}

} // namespace

void time_page_fault(Kernel& k) {
    k.trap_hook = on_page_fault;
    page_faults = 0;
    const uint64_t made = time_op("page_fault", bench_op_page_fault, k_unmapped);
    k.trap_hook = nullptr;
    check("page_fault", made, page_faults);
}

void run_pvh(Kernel& k) {
    time_op(
        "null_hypercall", [](const void*) { return bench_op_null_hypercall(); }, nullptr);
    char buffer[abi::k_extraversion_len];
    time_op(
        "copy_hypercall",
        [](const void* b) {
            return bench_op_copy_hypercall(static_cast<char*>(const_cast<void*>(b)));
        },
        buffer);
    skip("forced_cpuid", "PV only: in a container every CPUID exits (op cpuid)");
    skip("read_cr0", "PV only: ring 0 of a container reads CR0 without an exit");
    time_op("cpuid", bench_op_cpuid, nullptr);
    time_op("port_in", bench_op_port_in, nullptr);
    time_op("rdmsr_pat", bench_op_rdmsr, &k_msr_pat);
    time_page_fault(k);
    skip("user_syscall", "minios offers no user mode in PVH");
    time_evtchn(k);
    time_timer_wakeup(k);
}

} // namespace minios::bench
