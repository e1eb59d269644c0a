// minios-bench: what PV operations cost, timed from inside the guest with
// the TSC (issue 7, item 1, the PV half). Pure Xen ABI: the same image
// boots as Dom0 on Paravane and on Xen.
//
// For each operation: a warm-up batch (not recorded), then `batches` x
// `iters` samples, each the fenced-TSC difference around one operation
// (bench/ops.S). The samples are sorted; median, p1 and p99 are reported
// with the timer's own cost (the median of an empty measurement) subtracted,
// clamped at 0. One line per operation,
//   bench: op=NAME mode=pv clock=tsc rounds=N median=X p1=Y p99=Z overhead=O unit=cycles
// then `bench: done`, and the domain powers off. A `bench: check` line per
// operation says whether the guest saw the operation happen as often as it
// made it (traps caught, syscalls and upcalls counted); a failed check ends
// the run with `bench: FAIL` and a crash. A `bench: performed op=NAME
// count=N` line per operation says how many times the guest made it in all,
// warm-up included: tests compare it with the hypervisor's own counters
// (boot option counters-at-exit).
//
// Command-line words (start_info.cmd_line):
//   batches=N   number of recorded batches (default 10)
//   iters=N     operations per batch (default 1000)
//   quick       batches=5 iters=200 (unless given)
//   clock=icount  the TSC counts instructions (QEMU -icount shift=0): label
//               the figures `clock=icount unit=instructions`. The guest cannot
//               tell on its own; scripts/bench passes this.
#include "arch/hypercall.hpp"
#include "bench/modes.hpp"
#include "bench/peer.hpp"
#include "kernel/kernel.hpp"

namespace minios {

extern "C" {
uint64_t bench_op_empty();
uint64_t bench_op_null_hypercall();
uint64_t bench_op_copy_hypercall(char* buffer);
uint64_t bench_op_evtchn_send(const uint32_t* port);
uint64_t bench_op_forced_cpuid();
uint64_t bench_op_read_cr0();
uint64_t bench_op_page_fault(const void* unmapped);
void bench_user_syscalls(uint64_t arg);
extern const char bench_pf_fault[];
extern const char bench_pf_resume[];
}

namespace {

constexpr uint64_t k_max_samples = 64 * 1024;
uint64_t samples[k_max_samples];

struct Config {
    uint64_t batches = 10;
    uint64_t iters = 1000;
    bool icount = false;
    uint64_t rounds() const { return batches * iters; }
};

struct Stats {
    uint64_t median, p1, p99;
};

// The value of `key=N` on the command line, or `fallback`.
uint64_t option_number(pv::StringView cmdline, pv::StringView key, uint64_t fallback) {
    size_t i = 0;
    while (i < cmdline.size()) {
        while (i < cmdline.size() && cmdline[i] == ' ')
            ++i;
        size_t end = cmdline.find(' ', i);
        if (end == pv::StringView::npos) end = cmdline.size();
        const pv::StringView word = cmdline.substr(i, end - i);
        if (word.size() > key.size() && word.starts_with(key) && word[key.size()] == '=') {
            uint64_t value = 0;
            bool digits = false;
            for (size_t j = key.size() + 1; j < word.size() && word[j] >= '0' && word[j] <= '9';
                 ++j) {
                value = value * 10 + static_cast<uint64_t>(word[j] - '0');
                digits = true;
            }
            if (digits) return value;
        }
        i = end;
    }
    return fallback;
}

void sift_down(uint64_t* a, size_t root, size_t n) {
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && a[child + 1] > a[child]) ++child;
        if (a[root] >= a[child]) return;
        const uint64_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

void heap_sort(uint64_t* a, size_t n) {
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (size_t end = n; end-- > 1;) {
        const uint64_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

// Order statistics of samples[0, n), nearest rank, minus `overhead`.
Stats summarize(size_t n, uint64_t overhead) {
    heap_sort(samples, n);
    auto at = [&](size_t permille) {
        size_t index = n * permille / 1000;
        if (index >= n) index = n - 1;
        const uint64_t v = samples[index];
        return v > overhead ? v - overhead : 0;
    };
    return Stats{at(500), at(10), at(990)};
}

// Warm-up, then config.rounds() samples of `one()` into samples[].
template <typename Fn> void collect(const Config& config, Fn one) {
    for (uint64_t i = 0; i < config.iters; ++i)
        (void)one();
    for (uint64_t i = 0; i < config.rounds(); ++i)
        samples[i] = one();
}

bool failed = false;

void report(const Config& config, pv::StringView op, uint64_t overhead) {
    const Stats s = summarize(config.rounds(), overhead);
    println("bench: op={} mode={} clock={} rounds={} median={} p1={} p99={} overhead={} unit={}",
            op, bench::mode_label(), config.icount ? "icount" : "tsc", config.rounds(), s.median,
            s.p1, s.p99, overhead, config.icount ? "instructions" : "cycles");
}

// Whether the guest saw each operation happen (warm-up included).
void check(pv::StringView op, uint64_t expected, uint64_t seen, bool at_least = false) {
    const bool ok = at_least ? seen >= expected : seen == expected;
    println("bench: check op={} {}={} seen={} {}", op, at_least ? "expected_at_least" : "expected",
            expected, seen, ok ? "ok" : "FAIL");
    if (!ok) failed = true;
}

// How many times the guest made operation `op` (warm-up included).
void performed(pv::StringView op, uint64_t count) {
    println("bench: performed op={} count={}", op, count);
}

void skip(pv::StringView op, pv::StringView why) {
    println("bench: skip op={} reason=\"{}\"", op, why);
}

// The page-fault handler of the benchmark: resume after the faulting load.
uint64_t page_faults = 0;
bool on_page_fault(TrapFrame& frame) {
    if (frame.vector != 14 || frame.rip != reinterpret_cast<uintptr_t>(bench_pf_fault))
        return false;
    frame.rip = reinterpret_cast<uintptr_t>(bench_pf_resume);
    ++page_faults;
    return true;
}

// The CPU model, from the native CPUID (a PV guest's plain CPUID is not
// intercepted: it reports the processor, or the emulator's model of it).
void print_cpu_model() {
    uint32_t brand[13] = {};
    uint32_t a, b, c, d;
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
    if (a >= 0x80000004u) {
        for (uint32_t leaf = 0; leaf < 3; ++leaf)
            asm volatile("cpuid"
                         : "=a"(brand[leaf * 4]), "=b"(brand[leaf * 4 + 1]),
                           "=c"(brand[leaf * 4 + 2]), "=d"(brand[leaf * 4 + 3])
                         : "a"(0x80000002u + leaf), "c"(0));
    }
    const char* text = reinterpret_cast<const char*>(brand);
    size_t start = 0, end = 0;
    while (start < 48 && text[start] == ' ')
        ++start;
    while (end < 48 && text[end] != '\0')
        ++end;
    println("bench: cpu model=\"{}\"", pv::StringView(text + start, end > start ? end - start : 0));
}

struct UserRun {
    uint64_t count;
    uint64_t* samples;
};
UserRun user_run;

void bench_syscall(Kernel& k, const Config& config, uint64_t overhead) {
    const long rc = k.user.prepare(k.boot, k.pages, k.pv_mmu);
    if (rc < 0) {
        skip("user_syscall", k.user.reason());
        return;
    }
    const uint64_t before = k.user.syscalls();
    uint64_t exit_code = 0;
    // Warm-up, then one process per batch (the process's start and exit
    // are outside the timed region).
    for (uint64_t batch = 0; batch <= config.batches; ++batch) {
        const uint64_t first = batch == 0 ? 0 : (batch - 1) * config.iters;
        user_run = UserRun{config.iters, &samples[first]};
        if (k.user.run(bench_user_syscalls, reinterpret_cast<uintptr_t>(&user_run), exit_code) < 0 ||
            exit_code != 0) {
            skip("user_syscall", "the process did not run or exit cleanly");
            failed = true;
            return;
        }
    }
    // Each process: iters timed syscalls and its exit.
    performed("user_syscall", (config.batches + 1) * (config.iters + 1));
    check("user_syscall", (config.batches + 1) * (config.iters + 1), k.user.syscalls() - before);
    report(config, "user_syscall", overhead);
}

void bench_evtchn(Kernel& k, const Config& config, uint64_t overhead) {
    abi::VcpuInfo* vcpu = k.events.vcpu_info();
    if (vcpu == nullptr) {
        skip("evtchn_self_send", "shared_info not mapped");
        return;
    }
    abi::EvtchnBindIpi bind{0, 0};
    if (const long rc = hv::event_channel_op(abi::EventChannelOp::bind_ipi, &bind); rc < 0) {
        skip("evtchn_self_send", "bind_ipi failed");
        return;
    }
    const uint32_t port = bind.port;
    k.events.deliver_pending();
    const uint64_t upcalls = k.events.upcalls();
    // Events unmasked for the whole run: every send comes back through the
    // upcall (the iret hypercall restores the mask the frame saved: 0).
    __atomic_store_n(&vcpu->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
    collect(config, [&] { return bench_op_evtchn_send(&port); });
    k.events.mask_events();
    performed("evtchn_self_send", config.rounds() + config.iters);
    check("evtchn_self_send", config.rounds() + config.iters, k.events.upcalls() - upcalls, true);
    abi::EvtchnClose close{port};
    hv::event_channel_op(abi::EventChannelOp::close, &close);
    report(config, "evtchn_self_send", overhead);
}

} // namespace

// The harness as bench/modes.hpp offers it to the PVH and native runs.
namespace bench {
namespace {
const Config* active = nullptr;
uint64_t active_overhead = 0;
} // namespace

const char* mode_label() {
    if (platform().mode() == BootMode::pvh) return "pvh";
    if (platform().mode() == BootMode::native) return "native";
    return "pv";
}

uint64_t time_op(pv::StringView name, Op op, const void* arg) {
    collect(*active, [&] { return op(arg); });
    const uint64_t made = active->rounds() + active->iters;
    minios::performed(name, made);
    minios::report(*active, name, active_overhead);
    return made;
}

uint64_t* sample_buffer() {
    return samples;
}
uint64_t rounds() {
    return active->rounds();
}
uint64_t warmup() {
    return active->iters;
}
void report_samples(pv::StringView name) {
    minios::report(*active, name, active_overhead);
}
void check(pv::StringView op, uint64_t expected, uint64_t seen, bool at_least) {
    minios::check(op, expected, seen, at_least);
}
void performed(pv::StringView op, uint64_t count) {
    minios::performed(op, count);
}
void skip(pv::StringView op, pv::StringView why) {
    minios::skip(op, why);
}
} // namespace bench

int app_main(Kernel& k) {
    const pv::StringView cmdline = k.boot.command_line();
    // A DomU of `pvctl bench-events`: answer Dom0 instead (bench/peer.cpp).
    if (bench::run_peer(k, cmdline)) return 0;
    Config config;
    const bool quick = has_option(cmdline, "quick");
    config.batches = option_number(cmdline, "batches", quick ? 5 : 10);
    config.iters = option_number(cmdline, "iters", quick ? 200 : 1000);
    config.icount = has_option(cmdline, "clock=icount");
    if (config.batches == 0) config.batches = 1;
    if (config.iters == 0) config.iters = 1;
    if (config.rounds() > k_max_samples) config.batches = k_max_samples / config.iters;
    if (config.batches == 0) {
        config.iters = k_max_samples;
        config.batches = 1;
    }

    bench::active = &config;
    const bool native = platform().mode() == BootMode::native;
    if (native) {
        println("bench: minios-bench {} native (no hypervisor) batches={} iters={} rounds={}",
                MINIOS_VERSION_STRING, config.batches, config.iters, config.rounds());
    } else {
        char extraversion[abi::k_extraversion_len] = {};
        const long version = hv::xen_version(abi::VersionOp::version);
        hv::xen_version(abi::VersionOp::extraversion, extraversion);
        extraversion[sizeof extraversion - 1] = '\0';
        println(
            "bench: minios-bench {} on hypervisor version {}.{}{} batches={} iters={} rounds={}",
            MINIOS_VERSION_STRING, version >> 16, version & 0xffff, extraversion, config.batches,
            config.iters, config.rounds());
    }
    print_cpu_model();
    if (config.icount)
        println("bench: clock=icount: the TSC counts executed instructions (QEMU -icount shift=0)");
    else
        println("bench: clock=tsc: TSC cycles; under an emulator they are its wall time, not "
                "hardware cycles");

    // The timer itself: reported raw, and subtracted from everything else.
    collect(config, [] { return bench_op_empty(); });
    const uint64_t overhead = summarize(config.rounds(), 0).median;
    report(config, "timer_overhead", 0);

    // PVH and bare metal: their own operations (bench/pvh.cpp, bench/native.cpp).
    if (!platform().is_pv()) {
        bench::active_overhead = overhead;
        if (native)
            bench::run_native(k);
        else
            bench::run_pvh(k);
        println(failed
                    ? "bench: FAIL (a check failed; the figures above may not mean what they say)"
                    : "bench: done");
        return failed ? 1 : 0;
    }

    collect(config, [] { return bench_op_null_hypercall(); });
    performed("null_hypercall", config.rounds() + config.iters);
    report(config, "null_hypercall", overhead);

    char buffer[abi::k_extraversion_len];
    collect(config, [&] { return bench_op_copy_hypercall(buffer); });
    performed("copy_hypercall", config.rounds() + config.iters);
    report(config, "copy_hypercall", overhead);

    collect(config, [] { return bench_op_forced_cpuid(); });
    performed("forced_cpuid", config.rounds() + config.iters);
    report(config, "forced_cpuid", overhead);

    collect(config, [] { return bench_op_read_cr0(); });
    performed("read_cr0", config.rounds() + config.iters);
    report(config, "read_cr0", overhead);

    // An address below the image that minios never maps (test_traps uses it too).
    const void* unmapped = reinterpret_cast<const void*>(0x1000);
    k.trap_hook = on_page_fault;
    page_faults = 0;
    collect(config, [&] { return bench_op_page_fault(unmapped); });
    k.trap_hook = nullptr;
    performed("page_fault", config.rounds() + config.iters);
    check("page_fault", config.rounds() + config.iters, page_faults);
    report(config, "page_fault", overhead);

    bench_syscall(k, config, overhead);
    bench_evtchn(k, config, overhead);

    if (failed) {
        println("bench: FAIL (a check failed; the figures above may not mean what they say)");
        return 1;
    }
    println("bench: done");
    return 0;
}

} // namespace minios
