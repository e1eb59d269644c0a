// shared_info and event upcalls.
//
// start_info.shared_info is a machine address: a PV guest has to map it
// itself (update_va_mapping of one of its own pages). minios does that when
// the hypervisor allows it and otherwise runs without it: it binds no event
// channels and keeps events masked in kernel mode, so the only thing it
// loses is the ability to acknowledge an upcall (its event callback then
// returns with events masked instead).
#pragma once

#include "arch/frame.hpp"
#include "include/public/shared_info.hpp"
#include "kernel/boot_info.hpp"

#include <cstdint>

namespace minios {

class Events {
public:
    // Maps shared_info over a page reserved in the image. Returns the
    // update_va_mapping result (0 on success); -ENOSYS without trying when
    // `allowed` is false.
    long map_shared_info(const BootInfo& boot, bool allowed);

    // nullptr when map_shared_info() failed.
    abi::SharedInfo* shared_info() const { return shared_info_; }
    abi::VcpuInfo* vcpu_info() const {
        return shared_info_ ? &shared_info_->vcpu_info[0] : nullptr;
    }
    long map_result() const { return map_result_; }

    // The event callback: acknowledges whatever is pending. minios binds no
    // ports yet, so pending unmasked ports are simply cleared and counted.
    void on_upcall(TrapFrame& frame);
    uint64_t upcalls() const { return upcalls_; }
    uint64_t ports_cleared() const { return ports_cleared_; }

private:
    abi::SharedInfo* shared_info_ = nullptr;
    long map_result_ = 0;
    uint64_t upcalls_ = 0;
    uint64_t ports_cleared_ = 0;
};

} // namespace minios
