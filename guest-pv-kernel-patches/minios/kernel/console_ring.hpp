// The frontend of the console ring (include/public/console_ring.hpp), the
// console of a DomU. Where the ring is and its event channel to the backend
// in Dom0 depend on the boot mode (Platform::find_console_ring): PV's
// start_info.console.domU (the ring page is one of the domain's own pages
// in the bootstrap mapping, found through the p2m, else mapped with
// update_va_mapping), PVH's HVM_PARAM_CONSOLE_PFN / _EVTCHN.
//
// Protocol (Xen's io/console.h): the guest produces into `out` and consumes
// `in`; indexes run free and wrap at 2^32. The producer writes the bytes,
// issues a write barrier, then advances prod; the consumer reads the bytes
// after reading prod, then advances cons. After each change the guest sends
// an event on the channel so the backend looks at the ring.
#pragma once

#include "include/public/console_ring.hpp"
#include "kernel/boot_info.hpp"

#include <cstddef>
#include <cstdint>

namespace minios {

class ConsoleRingFrontend {
public:
    // Attaches to the ring the platform announces. Returns 0, or a negative
    // Xen errno: -ENOENT when there is no ring (initial domain, none given),
    // else the platform's failure (PV: -ENOSYS when the frame is not in the
    // bootstrap mapping and `pv_mmu_allowed` is false, update_va_mapping's
    // result).
    long attach(const BootInfo& boot, bool pv_mmu_allowed);

    bool attached() const { return ring_ != nullptr; }
    uint32_t port() const { return port_; }
    uint64_t mfn() const { return mfn_; } // PV: machine frame; PVH: guest frame
    // PV: true when the frame was found in the p2m (else it was mapped anew).
    bool in_bootstrap_mapping() const { return found_in_p2m_; }

    // Copies all of `data` into `out`, yielding the CPU while the ring is
    // full (the backend drains it when it runs).
    void write(const char* data, size_t size);

    // Non-blocking: takes up to `capacity` bytes from `in`; returns how many.
    size_t read(char* buffer, size_t capacity);

private:
    void notify();

    abi::ConsoleRing* ring_ = nullptr;
    uint32_t port_ = 0;
    uint64_t mfn_ = 0;
    bool found_in_p2m_ = false;
};

} // namespace minios
