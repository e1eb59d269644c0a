// What the boot CPU leaves for one application processor it starts: the
// trampoline (trampoline.S) reads the first three fields before it has a
// stack, so their offsets are shared with the assembly and checked here.
#pragma once

#define AP_START_STACK_TOP 0x00
#define AP_START_CR3 0x08
#define AP_START_APIC_ID 0x10

#ifndef __ASSEMBLER__
#include <cstddef>
#include <cstdint>

namespace pv::x86 {

struct PerCpu;
class Smp;

// The life of one start attempt. Only two transitions race: the AP's
// starting -> alive and the boot CPU giving up, starting -> abandoned; a
// compare-and-swap decides, so an AP that wakes up too late stops before it
// touches its PerCpu.
enum class ApState : uint32_t { idle, starting, alive, online, abandoned };

struct ApStart {
    uint64_t stack_top; // the AP's stack, direct-mapped
    uint64_t cr3;       // the hypervisor's page tables
    uint32_t apic_id;   // the CPU this start is for: any other one parks itself
    ApState state;      // atomic access only
    PerCpu* cpu;
    Smp* smp;
};

static_assert(offsetof(ApStart, stack_top) == AP_START_STACK_TOP);
static_assert(offsetof(ApStart, cr3) == AP_START_CR3);
static_assert(offsetof(ApStart, apic_id) == AP_START_APIC_ID);

} // namespace pv::x86
#endif
