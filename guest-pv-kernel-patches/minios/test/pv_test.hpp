// Helpers shared by the self-test groups that drive the PV MMU, event
// channels and time (test/test_pv_mmu.cpp, test/test_events.cpp,
// test/test_time.cpp).
#pragma once

#include "arch/hypercall.hpp"
#include "include/public/errno.hpp"
#include "kernel/kernel.hpp"
#include "test/check.hpp"

#include <cstdint>

namespace minios::test {

constexpr long err(abi::Errno e) {
    return -static_cast<long>(e);
}

// x86-64 page-table entry bits (Intel SDM Vol. 3 §4.5).
namespace pte {
inline constexpr uint64_t present = 1u << 0;
inline constexpr uint64_t rw = 1u << 1;
inline constexpr uint64_t user = 1u << 2;
inline constexpr uint64_t accessed = 1u << 5;
inline constexpr uint64_t dirty = 1u << 6;
inline constexpr uint64_t pse = 1u << 7;
inline constexpr uint64_t address_mask = 0x000f'ffff'ffff'f000;
// What a guest kernel writes for a read-only and a writable leaf, and for a
// table. The hypervisor adds the user bit itself for a 64-bit PV guest, so
// we set it too and can compare entries as they read back.
inline constexpr uint64_t ro_leaf = present | user | accessed;
inline constexpr uint64_t rw_leaf = present | rw | user | accessed | dirty;
inline constexpr uint64_t table = present | rw | user | accessed;

constexpr uint64_t mfn_of(uint64_t entry) {
    return (entry & address_mask) >> 12;
}
constexpr uint64_t make(uint64_t mfn, uint64_t flags) {
    return (mfn << 12) | flags;
}
// Address and the permission bits, without the A/D bits the CPU may set.
constexpr uint64_t essence(uint64_t entry) {
    return entry & (address_mask | present | rw | user | pse);
}
} // namespace pte

inline uint64_t page_va(const void* page) {
    return reinterpret_cast<uintptr_t>(page);
}

// The machine-to-phys table, mapped read-only in every PV guest.
inline const volatile uint64_t* m2p() {
    return reinterpret_cast<const volatile uint64_t*>(abi::k_mach2phys_virt_start);
}

// A check name built with the formatter (names are at most 120 bytes).
class Name {
public:
    template <typename... Args> explicit Name(pv::StringView fmt, const Args&... args) {
        size_ = pv::format(text_, sizeof text_, fmt, args...);
        if (size_ >= sizeof text_) size_ = sizeof text_ - 1;
    }
    operator pv::StringView() const { return pv::StringView(text_, size_); }

private:
    char text_[120];
    size_t size_ = 0;
};

// One exception provoked on purpose in kernel mode: arm it, run the code
// that should (or should not) fault with its rip and resume address
// recorded, and see whether the handler caught it. Installed as the
// kernel's trap hook by the groups that use it.
struct FaultCatcher {
    bool armed = false;
    bool hit = false;
    uint64_t rip = 0;    // the faulting instruction
    uint64_t resume = 0; // where the handler continues
    uint64_t vector = 0;
    uint64_t error_code = 0;
    uint64_t cr2 = 0; // vcpu_info.arch.cr2 when it was delivered
};
extern FaultCatcher fault_catcher;
bool fault_catcher_hook(TrapFrame& frame);

inline void arm_fault_catcher() {
    fault_catcher = FaultCatcher{};
    fault_catcher.armed = true;
}

// sched_op(block) with a safety net: a one-shot timer `limit_ns` ahead so a
// lost wake-up cannot hang the test. Events are masked again afterwards.
long block_with_timeout(Kernel& k, uint64_t limit_ns);

// Current system time through vcpu_info.time (0 without shared_info).
uint64_t now_ns(const Kernel& k);

} // namespace minios::test
