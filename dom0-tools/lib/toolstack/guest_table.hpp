// The DomUs this toolstack started: what they were built from (for
// on_reboot = "restart") and their console backends. Fixed slots; a slot is
// free when `in_use` is false.
#pragma once

#include "dom0-tools/lib/config/domain_config.hpp"
#include "dom0-tools/lib/toolstack/console_backend.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

inline constexpr size_t k_max_guests = 16;

struct Guest {
    bool in_use = false;
    uint16_t domid = 0;
    // Shut down and left alone by on_* = "preserve": not looked at again.
    bool preserved = false;
    // When it was started, and whether by on_* = "restart" (a guest that
    // fails again within seconds is not restarted forever: xl's rule).
    uint64_t started_ns = 0;
    bool restarted = false;
    // What it runs as (pv or pvh); kernel_lacks_pvh: type "auto" on a host
    // with hardware containers chose PV because the kernel has no PVH entry.
    DomainType mode = DomainType::pv;
    bool kernel_lacks_pvh = false;
    DomainConfig config; // kernel and ramdisk paths as resolved at creation
    ConsoleBackend console;
};

class GuestTable {
public:
    Guest* find(uint16_t domid);
    // A free slot, reset; null when all are taken.
    Guest* allocate();
    void release(Guest& guest) { guest.in_use = false; }

    Guest* begin() { return slots_; }
    Guest* end() { return slots_ + k_max_guests; }

private:
    Guest slots_[k_max_guests];
};

} // namespace pv::tools
