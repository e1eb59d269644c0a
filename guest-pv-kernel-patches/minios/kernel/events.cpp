#include "kernel/events.hpp"

#include "arch/hypercall.hpp"
#include "kernel/platform.hpp"

namespace minios {
namespace {

constexpr uint64_t k_rflags_if = 1u << 9;

} // namespace

long Events::map_shared_info(const BootInfo& boot, bool pv_mmu) {
    abi::SharedInfo* mapped = nullptr;
    map_result_ = platform().map_shared_info(boot, pv_mmu, mapped);
    if (map_result_ == 0) shared_info_ = mapped;
    return map_result_;
}

void Events::on_upcall(TrapFrame& frame) {
    ++upcalls_;
    if (shared_info_ == nullptr) {
        // Cannot clear upcall_pending: returning with events unmasked would
        // bring us straight back. Keep them masked in the resumed context.
        frame.rflags &= ~k_rflags_if;
        return;
    }
    abi::VcpuInfo& vcpu = shared_info_->vcpu_info[0];
    if (__atomic_load_n(&vcpu.evtchn_upcall_mask, __ATOMIC_RELAXED) == 0) ++unmasked_on_entry_;
    last_saved_mask_ = frame.saved_event_mask();
    // Clear the flag before scanning, so an event that arrives meanwhile
    // raises it again (shared_info.hpp, VcpuInfo).
    __atomic_store_n(&vcpu.evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    uint64_t selector = __atomic_exchange_n(&vcpu.evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (selector != 0) {
        const unsigned word = static_cast<unsigned>(__builtin_ctzll(selector));
        selector &= selector - 1;
        const uint64_t unmasked =
            ~__atomic_load_n(&shared_info_->evtchn_mask[word], __ATOMIC_RELAXED);
        const uint64_t cleared =
            __atomic_fetch_and(&shared_info_->evtchn_pending[word], ~unmasked, __ATOMIC_SEQ_CST) &
            unmasked;
        delivered_[word] |= cleared;
        for (uint64_t bits = cleared; bits != 0; bits &= bits - 1)
            ++ports_cleared_; // no libgcc popcount
    }
}

bool Events::take_delivered(uint32_t port) {
    if (port >= abi::k_evtchn_2l_nr_channels) return false;
    const uint64_t bit = uint64_t{1} << (port % 64);
    const bool seen = (delivered_[port / 64] & bit) != 0;
    delivered_[port / 64] &= ~bit;
    return seen;
}

void Events::forget_delivered() {
    for (uint64_t& word : delivered_)
        word = 0;
}

void Events::deliver_pending() {
    if (shared_info_ == nullptr) return;
    platform().deliver_pending(vcpu_info());
}

void Events::mask_events() {
    if (shared_info_ == nullptr) return;
    platform().mask_events(vcpu_info());
}

long Events::block(uint64_t deadline) {
    return platform().block(vcpu_info(), deadline);
}

bool Events::port_pending(uint32_t port) const {
    if (shared_info_ == nullptr || port >= abi::k_evtchn_2l_nr_channels) return false;
    return (__atomic_load_n(&shared_info_->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >>
            (port % 64)) &
           1;
}

bool Events::port_masked(uint32_t port) const {
    if (shared_info_ == nullptr || port >= abi::k_evtchn_2l_nr_channels) return false;
    return (__atomic_load_n(&shared_info_->evtchn_mask[port / 64], __ATOMIC_SEQ_CST) >>
            (port % 64)) &
           1;
}

void Events::clear_pending(uint32_t port) {
    if (shared_info_ == nullptr || port >= abi::k_evtchn_2l_nr_channels) return;
    __atomic_fetch_and(&shared_info_->evtchn_pending[port / 64], ~(uint64_t{1} << (port % 64)),
                       __ATOMIC_SEQ_CST);
}

void Events::set_mask(uint32_t port, bool masked) {
    if (shared_info_ == nullptr || port >= abi::k_evtchn_2l_nr_channels) return;
    const uint64_t bit = uint64_t{1} << (port % 64);
    if (masked)
        __atomic_fetch_or(&shared_info_->evtchn_mask[port / 64], bit, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(&shared_info_->evtchn_mask[port / 64], ~bit, __ATOMIC_SEQ_CST);
}

} // namespace minios
