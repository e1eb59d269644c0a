#include "arch/x86/test_faults.hpp"

#include "arch/x86/layout.hpp"
#include "lib/log.hpp"

#include <cstdint>

namespace pv::x86 {

namespace {
// Inside the hypervisor's range but never mapped: between image and direct map.
constexpr uint64_t k_unmapped = PV_IMAGE_VIRT_OFFSET + (1ull << 32);
} // namespace

void raise_test_fault(TestFault fault) {
    switch (fault) {
    case TestFault::none:
        return;
    case TestFault::page_fault:
        log_info("test-fault: reading unmapped address {:#x}", k_unmapped);
        (void)*reinterpret_cast<volatile uint64_t*>(k_unmapped);
        break;
    case TestFault::general_protection:
        log_info("test-fault: reading a non-canonical address");
        (void)*reinterpret_cast<volatile uint64_t*>(0x8000000000000000ull);
        break;
    case TestFault::invalid_opcode:
        log_info("test-fault: executing ud2");
        asm volatile("ud2");
        break;
    case TestFault::divide_error: {
        log_info("test-fault: dividing by zero");
        uint64_t zero = 0;
        asm volatile("divq %1" : "+a"(zero) : "r"(zero) : "rdx");
        break;
    }
    case TestFault::double_fault:
        // #UD whose delivery faults on an unmapped stack: the #PF delivery
        // faults too, which makes a #DF (SDM Vol. 3 §7.15, Table 7-5), taken
        // on its own IST stack.
        log_info("test-fault: ud2 on an unmapped stack");
        asm volatile("mov %0, %%rsp\n\tud2" ::"r"(k_unmapped) : "memory");
        break;
    }
}

} // namespace pv::x86
