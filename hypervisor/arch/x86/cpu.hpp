// Thin wrappers over single x86 instructions. Everything that needs inline
// assembly outside the entry stubs goes through here.
#pragma once

#include <cstdint>

namespace pv::x86 {

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};

inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
    CpuidResult r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t(hi) << 32) | lo;
}
inline void wrmsr(uint32_t msr, uint64_t value) {
    asm volatile("wrmsr" ::"c"(msr), "a"(uint32_t(value)), "d"(uint32_t(value >> 32)) : "memory");
}

inline uint8_t inb(uint16_t port) {
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }

#define PV_CR_ACCESSORS(n)                                                                         \
    inline uint64_t read_cr##n() {                                                                 \
        uint64_t v;                                                                                \
        asm volatile("mov %%cr" #n ", %0" : "=r"(v));                                              \
        return v;                                                                                  \
    }                                                                                              \
    inline void write_cr##n(uint64_t v) { asm volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); }
PV_CR_ACCESSORS(0)
PV_CR_ACCESSORS(2)
PV_CR_ACCESSORS(3)
PV_CR_ACCESSORS(4)
#undef PV_CR_ACCESSORS

inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t(hi) << 32) | lo;
}
// RDTSC is not ordered against earlier loads; LFENCE before it makes the
// reading happen after everything before it (SDM Vol. 2B, RDTSC).
inline uint64_t rdtsc_ordered() {
    asm volatile("lfence" ::: "memory");
    return rdtsc();
}

// Orders every earlier load and store, MMIO included, before every later one.
inline void memory_fence() { asm volatile("mfence" ::: "memory"); }
inline void cpu_relax() { asm volatile("pause" ::: "memory"); }
inline void halt() { asm volatile("hlt" ::: "memory"); }
inline void disable_interrupts() { asm volatile("cli" ::: "memory"); }
inline void enable_interrupts() { asm volatile("sti" ::: "memory"); }
inline void enable_interrupts_and_halt() { asm volatile("sti; hlt" ::: "memory"); }
inline bool interrupts_enabled() {
    uint64_t flags;
    asm volatile("pushfq; popq %0" : "=r"(flags));
    return flags & (1u << 9);
}
inline void invlpg(uint64_t va) { asm volatile("invlpg (%0)" ::"r"(va) : "memory"); }
inline uint64_t read_rbp() { return reinterpret_cast<uint64_t>(__builtin_frame_address(0)); }

[[noreturn]] inline void halt_forever() {
    for (;;) {
        disable_interrupts();
        halt();
    }
}

// Saves RFLAGS and disables interrupts for a scope.
class InterruptsOff {
public:
    InterruptsOff() : were_enabled_(interrupts_enabled()) { disable_interrupts(); }
    ~InterruptsOff() {
        if (were_enabled_) enable_interrupts();
    }
    InterruptsOff(const InterruptsOff&) = delete;
    InterruptsOff& operator=(const InterruptsOff&) = delete;

private:
    bool were_enabled_;
};

namespace msr {
inline constexpr uint32_t apic_base = 0x1b;
inline constexpr uint32_t feature_control = 0x3a;
inline constexpr uint32_t tsc_deadline = 0x6e0;
inline constexpr uint32_t vmx_basic = 0x480;
inline constexpr uint32_t vmx_procbased_ctls = 0x482;
inline constexpr uint32_t vmx_procbased_ctls2 = 0x48b;
inline constexpr uint32_t vmx_ept_vpid_cap = 0x48c;
inline constexpr uint32_t vmx_true_procbased_ctls = 0x48e;
inline constexpr uint32_t efer = 0xc0000080;
inline constexpr uint32_t fs_base = 0xc0000100;
inline constexpr uint32_t gs_base = 0xc0000101;
inline constexpr uint32_t kernel_gs_base = 0xc0000102;
inline constexpr uint32_t vm_cr = 0xc0010114;
} // namespace msr

namespace cr0 {
inline constexpr uint64_t wp = 1ull << 16;
}
namespace cr4 {
inline constexpr uint64_t pae = 1ull << 5;
inline constexpr uint64_t pge = 1ull << 7;
inline constexpr uint64_t osfxsr = 1ull << 9;
inline constexpr uint64_t osxmmexcpt = 1ull << 10;
inline constexpr uint64_t smep = 1ull << 20;
inline constexpr uint64_t smap = 1ull << 21;
} // namespace cr4
namespace efer {
inline constexpr uint64_t nxe = 1ull << 11;
}

} // namespace pv::x86
