// The self-test's groups, run in this order by test/main.cpp. All but
// `pvh` exercise the PV interface and run in PV only.
#pragma once

#include "kernel/kernel.hpp"
#include "test/check.hpp"

namespace minios::test {

void test_boot(Kernel& k, Checker& c);       // start_info and the start-of-day layout
void test_hypercalls(Kernel& k, Checker& c); // results of valid and invalid calls
void test_traps(Kernel& k, Checker& c);      // exceptions and the bounce frame
void test_user(Kernel& k, Checker& c);       // a user process and its syscalls
void test_iret_fault(Kernel& k, Checker& c); // iret to unloadable selectors: #GP to the trap handler
void test_time(Kernel& k, Checker& c);       // pvclock, wallclock, runstate
void test_pv_mmu(Kernel& k, Checker& c);     // page tables, M2P, memory_op, hostile updates
void test_events(Kernel& k, Checker& c);     // event channels, timers, block and poll
void test_pvh(Kernel& k, Checker& c);        // PVH: hypercall page, shared_info, upcall, timer

} // namespace minios::test
