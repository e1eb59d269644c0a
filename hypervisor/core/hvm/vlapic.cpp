#include "core/hvm/vlapic.hpp"

namespace pv::hvm {

namespace {

constexpr Errno k_gp = Errno::einval; // any error: #GP(0) for the guest

// ESR bits (SDM Vol. 3 §10.5.3).
constexpr uint32_t k_esr_send_illegal = 1u << 5;
constexpr uint32_t k_esr_receive_illegal = 1u << 6;

// Writable bits of each LVT (SDM Vol. 3 Figure 10-8), indexed from the
// timer; delivery status (12) and remote IRR (14) are read-only and
// ignored in a write.
constexpr uint32_t k_lvt_writable[6] = {
    0x700ff, // timer: vector, mask, mode (17-18)
    0x107ff, // thermal: vector, delivery mode, mask
    0x107ff, // performance counters
    0x1a7ff, // LINT0: vector, delivery mode, polarity, trigger, mask
    0x1a7ff, // LINT1
    0x100ff, // error: vector, mask
};
constexpr uint32_t k_lvt_read_only = (1u << 12) | (1u << 14);
constexpr uint32_t k_timer_mode_shift = 17;

// ICR fields (SDM Vol. 3 §10.12.9: one 64-bit register in x2APIC mode).
constexpr uint64_t k_icr_reserved = (1ull << 12) | (1ull << 13) | (1ull << 16) | (1ull << 17) |
                                    (0xfffull << 20);
constexpr uint64_t k_icr_logical = 1ull << 11;
constexpr uint32_t k_broadcast = 0xffff'ffffu;

} // namespace

void Vlapic::reset() {
    tpr_ = 0;
    svr_ = 0xff;
    esr_ = esr_pending_ = 0;
    icr_ = 0;
    for (uint32_t& lvt : lvt_) lvt = k_lvt_mask;
    initial_count_ = 0;
    divide_ = 0;
    timer_divisor_ = 2;
    timer_start_ = 0;
    deadline_ = k_no_deadline;
    for (unsigned i = 0; i < 8; ++i) irr_[i] = isr_[i] = 0;
    ignored_ipis_ = 0;
}

int Vlapic::highest(const uint32_t (&bits)[8]) {
    for (int word = 7; word >= 0; --word)
        if (bits[word]) return word * 32 + (31 - __builtin_clz(bits[word]));
    return -1;
}

// SDM Vol. 3 §10.8.3.1: PPR is TPR when TPR's class is at least that of
// the highest in-service vector, else that vector's class.
uint32_t Vlapic::ppr() const {
    const int in_service = highest(isr_);
    const uint32_t isrv = in_service < 0 ? 0 : static_cast<uint32_t>(in_service);
    return (tpr_ >> 4) >= (isrv >> 4) ? tpr_ : (isrv & 0xf0);
}

// Divide configuration bits 0, 1 and 3 (SDM Vol. 3 Figure 10-10):
// 0b000 -> 2, 0b001 -> 4, ... 0b110 -> 128, 0b111 -> 1.
uint64_t Vlapic::divisor() const {
    const uint32_t v = (divide_ & 3) | ((divide_ >> 1) & 4);
    return v == 7 ? 1 : uint64_t{2} << v;
}

uint32_t Vlapic::current_count(uint64_t now_ns) const {
    if (initial_count_ == 0 || deadline_ == k_no_deadline) return 0;
    const uint64_t period = uint64_t{initial_count_} * timer_divisor_;
    uint64_t elapsed = now_ns > timer_start_ ? now_ns - timer_start_ : 0;
    if (lvt_[0] & k_timer_periodic) elapsed %= period;
    else if (elapsed >= period) return 0;
    return initial_count_ - static_cast<uint32_t>(elapsed / timer_divisor_);
}

void Vlapic::start_timer(uint64_t now_ns) {
    timer_start_ = now_ns;
    timer_divisor_ = divisor();
    deadline_ = initial_count_ == 0 ? k_no_deadline
                                    : now_ns + uint64_t{initial_count_} * timer_divisor_;
}

void Vlapic::update(uint64_t now_ns) {
    if (deadline_ == k_no_deadline || now_ns < deadline_) return;
    // The count reaches zero whether or not the LVT is masked; only the
    // interrupt is suppressed. Missed periods collapse into one IRR bit.
    if (!(lvt_[0] & k_lvt_mask)) raise(static_cast<uint8_t>(lvt_[0] & 0xff));
    if (lvt_[0] & k_timer_periodic) {
        const uint64_t period = uint64_t{initial_count_} * timer_divisor_;
        deadline_ = timer_start_ + ((now_ns - timer_start_) / period + 1) * period;
    } else {
        deadline_ = k_no_deadline;
    }
}

int Vlapic::pending_vector(uint64_t now_ns) {
    update(now_ns);
    const int vector = highest(irr_);
    if (vector < 0 || static_cast<uint32_t>(vector >> 4) <= (ppr() >> 4)) return -1;
    return vector;
}

void Vlapic::accept(uint8_t vector) {
    if (!test(irr_, vector)) return;
    clear(irr_, vector);
    set(isr_, vector);
}

void Vlapic::raise(uint8_t vector) {
    if (vector < 16) {
        esr_pending_ |= k_esr_receive_illegal;
        return;
    }
    set(irr_, vector);
}

Result<uint64_t> Vlapic::read(uint32_t msr, uint64_t now_ns) const {
    if (msr >= k_isr0 && msr < k_isr0 + 8) return uint64_t{isr_[msr - k_isr0]};
    if (msr >= k_tmr0 && msr < k_tmr0 + 8) return uint64_t{0}; // edge-triggered only
    if (msr >= k_irr0 && msr < k_irr0 + 8) return uint64_t{irr_[msr - k_irr0]};
    if (msr >= k_lvt_timer && msr <= k_lvt_error) return uint64_t{lvt_[msr - k_lvt_timer]};
    switch (msr) {
    case k_id: return uint64_t{id_};
    case k_ver: return uint64_t{k_version};
    case k_tpr: return uint64_t{tpr_};
    case k_ppr: return uint64_t{ppr()};
    // Logical id, derived from the x2APIC id (SDM Vol. 3 §10.12.10.2):
    // cluster (id >> 4) in 31:16, one bit for (id & 15) in 15:0.
    case k_ldr: return (uint64_t{id_ >> 4} << 16) | (uint64_t{1} << (id_ & 0xf));
    case k_svr: return uint64_t{svr_};
    case k_esr: return uint64_t{esr_};
    case k_icr: return icr_;
    case k_initial_count: return uint64_t{initial_count_};
    case k_current_count: return uint64_t{current_count(now_ns)};
    case k_divide: return uint64_t{divide_};
    default: return k_gp; // EOI and SELF_IPI are write-only; the rest reserved
    }
}

Status Vlapic::write_lvt(uint32_t msr, uint64_t value) {
    const unsigned index = msr - k_lvt_timer;
    const uint32_t v = static_cast<uint32_t>(value) & ~k_lvt_read_only;
    if (v & ~k_lvt_writable[index]) return k_gp;
    // Timer mode 0b10 (TSC deadline: not offered in CPUID) and 0b11 are reserved.
    if (index == 0 && (v >> k_timer_mode_shift) > 1) return k_gp;
    lvt_[index] = software_enabled() ? v : (v | k_lvt_mask);
    return Status::ok();
}

// Only fixed interrupts to this vCPU are delivered; PVH vCPUs signal each
// other through event channels and start through VCPUOP_up, so every
// other ICR write is accepted and counted, not delivered.
Status Vlapic::write_icr(uint64_t value) {
    if (value & k_icr_reserved) return k_gp;
    icr_ = value;
    const uint8_t vector = static_cast<uint8_t>(value & 0xff);
    const uint32_t mode = (value >> 8) & 7;
    const uint32_t shorthand = (value >> 18) & 3;
    const uint32_t destination = static_cast<uint32_t>(value >> 32);
    bool to_self = false, to_others = false;
    switch (shorthand) {
    case 1: to_self = true; break;
    case 2: to_self = to_others = true; break;
    case 3: to_others = true; break;
    default:
        if (destination == k_broadcast) {
            to_self = to_others = true;
        } else if (value & k_icr_logical) {
            const uint32_t ldr = ((id_ >> 4) << 16) | (1u << (id_ & 0xf));
            const bool same_cluster = (destination >> 16) == (ldr >> 16);
            to_self = same_cluster && (destination & ldr & 0xffff);
            to_others = !same_cluster || (destination & 0xffff & ~ldr);
        } else {
            to_self = destination == id_;
            to_others = !to_self;
        }
    }
    if (mode != 0) {
        ++ignored_ipis_;
        return Status::ok();
    }
    if (to_others) ++ignored_ipis_;
    if (!to_self) return Status::ok();
    if (vector < 16) {
        esr_pending_ |= k_esr_send_illegal;
        return Status::ok();
    }
    raise(vector);
    return Status::ok();
}

Status Vlapic::write(uint32_t msr, uint64_t value, uint64_t now_ns) {
    if (msr == k_icr) return write_icr(value);
    if (value >> 32) return k_gp; // every other register is 32 bits wide
    if (msr >= k_lvt_timer && msr <= k_lvt_error) return write_lvt(msr, value);
    const uint32_t v = static_cast<uint32_t>(value);
    switch (msr) {
    case k_tpr:
        if (v & ~0xffu) return k_gp;
        tpr_ = v;
        return Status::ok();
    case k_eoi: {
        if (v != 0) return k_gp; // x2APIC: a non-zero EOI write is #GP
        const int vector = highest(isr_);
        if (vector >= 0) clear(isr_, static_cast<uint8_t>(vector));
        return Status::ok();
    }
    case k_svr:
        // Spurious vector, software enable, focus checking; EOI-broadcast
        // suppression (12) is not offered (version register bit 24 clear).
        if (v & ~0x3ffu) return k_gp;
        svr_ = v;
        if (!software_enabled())
            for (uint32_t& lvt : lvt_) lvt |= k_lvt_mask;
        return Status::ok();
    case k_esr:
        if (v != 0) return k_gp; // x2APIC: only 0 may be written
        esr_ = esr_pending_;
        esr_pending_ = 0;
        return Status::ok();
    case k_initial_count:
        initial_count_ = v;
        start_timer(now_ns);
        return Status::ok();
    case k_divide:
        // Takes effect when the count is next loaded.
        if (v & ~0xbu) return k_gp;
        divide_ = v;
        return Status::ok();
    case k_self_ipi:
        if (v & ~0xffu) return k_gp;
        if (v < 16) {
            esr_pending_ |= k_esr_send_illegal;
            return Status::ok();
        }
        raise(static_cast<uint8_t>(v));
        return Status::ok();
    default: return k_gp; // read-only (ID, version, PPR, LDR, ISR/TMR/IRR, current count) or reserved
    }
}

} // namespace pv::hvm
