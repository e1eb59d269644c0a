// minios-bench outside PV: the operations a PVH guest (bench/pvh.cpp) and
// the bare-metal native reference (bench/native.cpp) time, and the part of
// bench/main.cpp's harness they share (sampling, order statistics, the
// `bench: op=` line). The harness labels every line with the boot mode
// (mode=pv|pvh|native), so the three sets of figures line up by operation
// name in scripts/bench's table.
#pragma once

#include "kernel/kernel.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace minios::bench {

// One timed operation: returns the raw fenced-TSC difference around it.
using Op = uint64_t (*)(const void* arg);

// "pv", "pvh" or "native": the mode= label of the booted platform.
const char* mode_label();

// bench/main.cpp: warm-up, then the configured rounds of `op(arg)`, then
// the `bench: performed` and `bench: op=` lines (timer overhead
// subtracted). Returns how many times `op` ran, warm-up included.
uint64_t time_op(pv::StringView name, Op op, const void* arg);

// For operations that take their samples themselves (a user process, a
// timer): the sample buffer and how many samples the run records
// (rounds), and how many warm-up operations come first (iters).
uint64_t* sample_buffer();
uint64_t rounds();
uint64_t warmup();
// Prints the `bench: op=` line of samples[0, rounds()).
void report_samples(pv::StringView name);
// bench/main.cpp's check / performed / skip lines (a failed check fails
// the run).
void check(pv::StringView op, uint64_t expected, uint64_t seen, bool at_least = false);
void performed(pv::StringView op, uint64_t count);
void skip(pv::StringView op, pv::StringView why);

// The operations of each mode, after the timer overhead (bench/pvh.cpp,
// bench/native.cpp).
void run_pvh(Kernel& k);
void run_native(Kernel& k);

// Both hardware modes: a read of an address the start-of-day page tables
// leave unmapped, taken by minios' own IDT (kernel/idt.cpp) and resumed
// after the load by a trap hook (bench/pvh.cpp).
void time_page_fault(Kernel& k);

} // namespace minios::bench

// bench/ops_pvh.S (PVH and native alike: plain instructions).
extern "C" {
uint64_t bench_op_cpuid(const void* unused);         // cpuid, leaf 0
uint64_t bench_op_port_in(const void* unused);       // inb $0x80
uint64_t bench_op_rdmsr(const void* msr);            // rdmsr *(uint32_t*)msr
uint64_t bench_op_page_fault(const void* unmapped);  // bench/ops.S
uint64_t bench_op_null_hypercall();                  // bench/ops.S
uint64_t bench_op_copy_hypercall(char* buffer);      // bench/ops.S
uint64_t bench_op_evtchn_send(const uint32_t* port); // bench/ops.S
void bench_user_syscalls(uint64_t arg);              // bench/ops.S
extern const char bench_pf_fault[];
extern const char bench_pf_resume[];
}
