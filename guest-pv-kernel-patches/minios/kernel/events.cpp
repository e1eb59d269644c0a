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
    if (!allowed) return map_result_ = -static_cast<long>(abi::Errno::ENOSYS);
    const uint64_t va = reinterpret_cast<uintptr_t>(shared_info_slot);
    const uint64_t maddr = boot.start_info->shared_info;
    if (maddr % k_page_size != 0) return map_result_ = -static_cast<long>(abi::Errno::EINVAL);
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
        for (uint64_t bits = cleared; bits != 0; bits &= bits - 1)
            ++ports_cleared_; // no libgcc popcount
    }
}

} // namespace minios
