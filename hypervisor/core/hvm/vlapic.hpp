// A minimal local APIC for PVH vCPUs: x2APIC mode only (SDM Vol. 3 §10.12),
// reached through RDMSR/WRMSR 0x800-0x8ff. From reset the APIC is globally
// enabled in x2APIC mode (APIC_BASE reads EN | EXTD, msr_policy.hpp) and,
// as on hardware, software-disabled (SVR = 0xff, every LVT masked) until
// the guest sets SVR bit 8.
//
// Not modelled: the xAPIC MMIO page at 0xfee00000 (a PVH guest gets no
// MMIO APIC: an access there is a nested-page fault like any hole), IPIs to
// other vCPUs, NMI/INIT/SIPI/SMI (PVH vCPUs are brought up and kicked
// through hypercalls and event channels), TSC-deadline mode (hidden in
// CPUID), CMCI, thermal and performance interrupts (their LVTs are stored
// only), level-triggered interrupts (TMR stays 0), arbitration priority.
//
// Timer clock: k_timer_hz = 1 GHz, so with divide-by-1 one count is one
// nanosecond of the `now_ns` the caller passes (the hypervisor's system
// time). The caller arms a host timer for next_deadline_ns() and calls
// update(now_ns) / pending_vector(now_ns) when it fires or before entry.
//
// Results: any error Status/Result from read()/write() means "inject
// #GP(0)" (reserved register, write to a read-only one, read of a
// write-only one, reserved bits set, as SDM Vol. 3 §10.12.1.2 says for
// x2APIC mode).
#pragma once

#include "lib/status.hpp"

#include <cstdint>

namespace pv::hvm {

class Vlapic {
public:
    static constexpr uint64_t k_timer_hz = 1'000'000'000;
    static constexpr uint64_t k_no_deadline = ~uint64_t{0};
    // Version register: version 0x14 (integrated APIC), six LVT entries
    // (timer, thermal, perfmon, LINT0, LINT1, error: max index 5), no
    // EOI-broadcast suppression.
    static constexpr uint32_t k_version = 0x0005'0014;

    // x2APIC MSR numbers (SDM Vol. 3 Table 10-6).
    static constexpr uint32_t k_id = 0x802, k_ver = 0x803, k_tpr = 0x808, k_ppr = 0x80a,
                              k_eoi = 0x80b, k_ldr = 0x80d, k_svr = 0x80f, k_isr0 = 0x810,
                              k_tmr0 = 0x818, k_irr0 = 0x820, k_esr = 0x828, k_icr = 0x830,
                              k_lvt_timer = 0x832, k_lvt_thermal = 0x833, k_lvt_perf = 0x834,
                              k_lvt_lint0 = 0x835, k_lvt_lint1 = 0x836, k_lvt_error = 0x837,
                              k_initial_count = 0x838, k_current_count = 0x839,
                              k_divide = 0x83e, k_self_ipi = 0x83f;

    explicit Vlapic(uint32_t vcpu_id) : id_(vcpu_id) { reset(); }

    // The state after RESET/INIT (SDM Vol. 3 §10.4.7.1): IRR/ISR/TMR clear,
    // TPR 0, SVR 0xff, LVTs masked, timer stopped, divide-by-2.
    void reset();

    // RDMSR/WRMSR of an x2APIC register. `now_ns` is needed for the
    // current count (read) and to start the timer (initial count write).
    Result<uint64_t> read(uint32_t msr, uint64_t now_ns) const;
    Status write(uint32_t msr, uint64_t value, uint64_t now_ns);

    // Runs the timer up to `now_ns`: an expired count sets the timer
    // vector in IRR (unless masked); periodic mode re-arms.
    void update(uint64_t now_ns);
    // When the timer next expires (k_no_deadline if it is stopped).
    uint64_t next_deadline_ns() const { return deadline_; }

    // update(now_ns), then the vector to inject: the highest IRR vector
    // whose priority class is above the processor priority (SDM Vol. 3
    // §10.8.3.1); -1 if none. The caller checks RFLAGS.IF / interrupt
    // shadow, and calls accept() when it injects.
    int pending_vector(uint64_t now_ns);
    // The guest took `vector`: IRR -> ISR (SDM Vol. 3 §10.8.4).
    void accept(uint8_t vector);
    // A fixed interrupt arrives (self-IPI, timer, or the arch layer).
    // Vectors 0-15 are illegal: ESR "receive illegal vector", dropped.
    void raise(uint8_t vector);

    uint32_t id() const { return id_; }
    bool software_enabled() const { return (svr_ & k_svr_enable) != 0; }
    bool in_irr(uint8_t vector) const { return test(irr_, vector); }
    bool in_isr(uint8_t vector) const { return test(isr_, vector); }
    // ICR writes we do not deliver (other destinations, non-fixed modes).
    uint64_t ignored_ipis() const { return ignored_ipis_; }

private:
    static constexpr uint32_t k_svr_enable = 1u << 8;
    static constexpr uint32_t k_lvt_mask = 1u << 16;
    static constexpr uint32_t k_timer_periodic = 1u << 17;

    static bool test(const uint32_t (&bits)[8], uint8_t v) { return (bits[v >> 5] >> (v & 31)) & 1; }
    static void set(uint32_t (&bits)[8], uint8_t v) { bits[v >> 5] |= 1u << (v & 31); }
    static void clear(uint32_t (&bits)[8], uint8_t v) { bits[v >> 5] &= ~(1u << (v & 31)); }
    static int highest(const uint32_t (&bits)[8]);

    uint32_t ppr() const;
    uint64_t divisor() const; // from the divide configuration register
    uint32_t current_count(uint64_t now_ns) const;
    Status write_lvt(uint32_t msr, uint64_t value);
    Status write_icr(uint64_t value);
    void start_timer(uint64_t now_ns);

    uint32_t id_;
    uint32_t tpr_ = 0;
    uint32_t svr_ = 0xff;
    uint32_t esr_ = 0;         // what ESR reads (latched by a write of 0)
    uint32_t esr_pending_ = 0; // errors since the last latch
    uint64_t icr_ = 0;
    uint32_t lvt_[6] = {};     // timer, thermal, perf, LINT0, LINT1, error
    uint32_t initial_count_ = 0;
    uint32_t divide_ = 0;
    uint64_t timer_divisor_ = 2; // the divisor in force when the count was loaded
    uint64_t timer_start_ = 0;   // when the count was loaded
    uint64_t deadline_ = k_no_deadline;
    uint32_t irr_[8] = {}, isr_[8] = {};
    uint64_t ignored_ipis_ = 0;
};

} // namespace pv::hvm
