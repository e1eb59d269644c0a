// shared_info and event upcalls.
//
// How shared_info is mapped and how events are masked depend on the boot
// mode (kernel/platform.hpp): PV maps start_info.shared_info, a machine
// address, with update_va_mapping and masks with vcpu_info's
// evtchn_upcall_mask; PVH asks for shared_info over one of its own pages
// (add_to_physmap) and masks with RFLAGS.IF. minios maps it when the
// hypervisor allows it and otherwise runs without it: the kernel binds
// no event channels itself (the self-test does) and keeps events masked in
// kernel mode, so the only thing it loses is the ability to acknowledge an
// upcall (its event callback then returns with events masked instead).
// The callback serves vCPU 0 only.
#pragma once

#include "arch/frame.hpp"
#include "include/public/shared_info.hpp"
#include "kernel/boot_info.hpp"

#include <cstdint>

namespace minios {

class Events {
public:
    // Maps shared_info over a page reserved in the image. Returns 0 or the
    // platform's negative errno (PV: update_va_mapping's result; -ENOSYS
    // without trying when `pv_mmu` is false).
    long map_shared_info(const BootInfo& boot, bool pv_mmu);

    // nullptr when map_shared_info() failed.
    abi::SharedInfo* shared_info() const { return shared_info_; }
    abi::VcpuInfo* vcpu_info() const {
        return shared_info_ ? &shared_info_->vcpu_info[0] : nullptr;
    }
    long map_result() const { return map_result_; }

    // The event callback: acknowledges whatever is pending. Pending
    // unmasked ports are cleared, counted and remembered as delivered (the
    // self-test asks for them with take_delivered()).
    void on_upcall(TrapFrame& frame);
    uint64_t upcalls() const { return upcalls_; }
    uint64_t ports_cleared() const { return ports_cleared_; }
    // Upcalls that found evtchn_upcall_mask clear on entry (the hypervisor
    // must set it before entering the callback).
    uint64_t upcalls_unmasked_on_entry() const { return unmasked_on_entry_; }
    // The event mask the interrupted context had (bounce frame cs[39:32])
    // in the last upcall.
    uint8_t last_saved_mask() const { return last_saved_mask_; }

    // The port was found pending by an upcall since the last call: clears
    // the record and returns true.
    bool take_delivered(uint32_t port);
    void forget_delivered();

    // Lets pending upcalls in, then masks events again (PV: clears
    // evtchn_upcall_mask and makes a hypercall if one is pending; PVH: sti,
    // cli). No-op without shared_info.
    void deliver_pending();
    // Masks events again (PV: after sched_op block cleared the mask).
    void mask_events();
    // Arms the one-shot timer at `deadline` (system time, 0: none), blocks
    // until an event was taken, returns with events masked
    // (Platform::block).
    long block(uint64_t deadline);

    // The 2-level bitmaps, for ports below abi::k_evtchn_2l_nr_channels.
    bool port_pending(uint32_t port) const;
    bool port_masked(uint32_t port) const;
    void clear_pending(uint32_t port);
    void set_mask(uint32_t port, bool masked);

private:
    abi::SharedInfo* shared_info_ = nullptr;
    long map_result_ = 0;
    uint64_t upcalls_ = 0;
    uint64_t ports_cleared_ = 0;
    uint64_t unmasked_on_entry_ = 0;
    uint8_t last_saved_mask_ = 0;
    uint64_t delivered_[abi::k_evtchn_2l_words] = {};
};

} // namespace minios
