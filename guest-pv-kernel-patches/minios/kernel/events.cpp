#include "kernel/events.hpp"

#include "arch/hypercall.hpp"
#include "include/public/errno.hpp"

namespace minios {
namespace {

// The page whose mapping is replaced by shared_info. Its own frame is lost
// to minios afterwards, which is fine: it is one page of .bss.
alignas(4096) char shared_info_slot[4096];

// PTE flags: present, writable, accessed, dirty (Intel SDM Vol. 3 §4.5).
// The hypervisor adds the user bit itself for a 64-bit PV guest.
constexpr uint64_t k_pte_flags = 0x1 | 0x2 | 0x20 | 0x40;
constexpr uint64_t k_rflags_if = 1u << 9;

} // namespace

long Events::map_shared_info(const BootInfo& boot, bool allowed) {
    if (!allowed) return map_result_ = -static_cast<long>(abi::Errno::enosys);
    const uint64_t va = reinterpret_cast<uintptr_t>(shared_info_slot);
    const uint64_t maddr = boot.start_info->shared_info;
    if (maddr % k_page_size != 0) return map_result_ = -static_cast<long>(abi::Errno::einval);
    map_result_ =
        hv::update_va_mapping(va, maddr | k_pte_flags, abi::k_uvmf_invlpg | abi::k_uvmf_local);
    if (map_result_ == 0) shared_info_ = reinterpret_cast<abi::SharedInfo*>(shared_info_slot);
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
    abi::VcpuInfo& vcpu = shared_info_->vcpu_info[0];
    __atomic_store_n(&vcpu.evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&vcpu.evtchn_upcall_pending, __ATOMIC_SEQ_CST) != 0)
        hv::xen_version(abi::VersionOp::version);
    mask_events();
}

void Events::mask_events() {
    if (shared_info_ == nullptr) return;
    __atomic_store_n(&shared_info_->vcpu_info[0].evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
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
