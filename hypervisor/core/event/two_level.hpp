// The 2-level event-channel ABI's bit operations on memory the guest writes
// at the same time (shared_info's pending and mask bitmaps, vcpu_info's
// selector and upcall flags). Every access is atomic (Xen's guest_test_and_*
// bit operations: lock bts/btr on x86). Pure functions over the shared
// structures, so the host tests run them on plain structs.
//
// Port p is bit (p % 64) of word (p / 64); the per-vCPU selector has one bit
// per word (Xen's BITS_PER_EVTCHN_WORD = 64 for a 64-bit guest).
#pragma once

#include "include/public/shared_info.hpp"

#include <cstdint>

namespace pv::evtchn_2l {

inline constexpr uint32_t k_bits_per_word = 64;

constexpr uint32_t word_of(uint32_t port) {
    return port / k_bits_per_word;
}
constexpr uint64_t bit_of(uint32_t port) {
    return uint64_t{1} << (port % k_bits_per_word);
}

inline bool test_bit(const uint64_t* words, uint32_t port) {
    return (__atomic_load_n(&words[word_of(port)], __ATOMIC_SEQ_CST) & bit_of(port)) != 0;
}
// Returns the bit's old value.
inline bool test_and_set_bit(uint64_t* words, uint32_t port) {
    return (__atomic_fetch_or(&words[word_of(port)], bit_of(port), __ATOMIC_SEQ_CST) &
            bit_of(port)) != 0;
}
inline bool test_and_clear_bit(uint64_t* words, uint32_t port) {
    return (__atomic_fetch_and(&words[word_of(port)], ~bit_of(port), __ATOMIC_SEQ_CST) &
            bit_of(port)) != 0;
}

inline bool is_pending(const abi::SharedInfo& s, uint32_t port) {
    return test_bit(s.evtchn_pending, port);
}
inline bool is_masked(const abi::SharedInfo& s, uint32_t port) {
    return test_bit(s.evtchn_mask, port);
}
inline void clear_pending(abi::SharedInfo& s, uint32_t port) {
    test_and_clear_bit(s.evtchn_pending, port);
}

// Xen's vcpu_mark_events_pending: set evtchn_upcall_pending; true if it was
// clear, i.e. the vCPU needs a kick (never kick twice for one upcall).
inline bool mark_upcall_pending(abi::VcpuInfo& info) {
    return __atomic_exchange_n(&info.evtchn_upcall_pending, uint8_t{1}, __ATOMIC_SEQ_CST) == 0;
}

// Xen's local_events_need_delivery(): an upcall is pending and not masked.
inline bool events_need_delivery(const abi::VcpuInfo& info) {
    return __atomic_load_n(&info.evtchn_upcall_pending, __ATOMIC_SEQ_CST) != 0 &&
           __atomic_load_n(&info.evtchn_upcall_mask, __ATOMIC_SEQ_CST) == 0;
}

// Sets the selector bit of `port`'s word; true if it was clear.
inline bool set_selector(abi::VcpuInfo& info, uint32_t port) {
    const uint64_t bit = uint64_t{1} << word_of(port);
    return (__atomic_fetch_or(&info.evtchn_pending_sel, bit, __ATOMIC_SEQ_CST) & bit) == 0;
}

// Xen's evtchn_2l_set_pending, the delivery rule: set the pending bit; if it
// was clear and the port is not masked, set the selector bit in the
// notified vCPU's vcpu_info (info may be null: a vCPU without one gets
// nothing) and, if that bit was clear, upcall_pending. Returns true if the
// vCPU must be kicked (upcall_pending went from 0 to 1). `newly_pending`
// tells whether the pending bit itself went from 0 to 1 (for pollers).
inline bool set_pending(abi::SharedInfo& s, abi::VcpuInfo* info, uint32_t port,
                        bool* newly_pending = nullptr) {
    const bool was_pending = test_and_set_bit(s.evtchn_pending, port);
    if (newly_pending != nullptr) *newly_pending = !was_pending;
    if (was_pending) return false;
    if (is_masked(s, port) || info == nullptr) return false;
    if (!set_selector(*info, port)) return false;
    return mark_upcall_pending(*info);
}

// Xen's evtchn_2l_unmask, in its strict order: clear the mask bit; if it was
// set and the port is pending, set the selector bit and upcall_pending as a
// new delivery would. Returns true if the vCPU must be kicked.
inline bool unmask(abi::SharedInfo& s, abi::VcpuInfo* info, uint32_t port) {
    if (!test_and_clear_bit(s.evtchn_mask, port)) return false;
    if (!is_pending(s, port) || info == nullptr) return false;
    if (!set_selector(*info, port)) return false;
    return mark_upcall_pending(*info);
}

} // namespace pv::evtchn_2l
