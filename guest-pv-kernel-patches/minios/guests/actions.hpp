// What the sample DomUs do on request, for the toolstack's tests:
//   crash-after=SECONDS  crash on purpose that many seconds after start
//   exit-after=SECONDS   power off (sched_op shutdown, poweroff) likewise
//   probe-control        call domctl and sysctl once and print the results
//                        (a DomU must get -EPERM from both)
#pragma once

#include "lib/string_view.hpp"

#include <cstdint>

namespace minios::guests {

// When the guest ends on its own: system times in ns, 0 = never.
struct Ending {
    uint64_t crash_at = 0;
    uint64_t exit_at = 0;

    // The earlier of the two that is set, or `fallback`.
    uint64_t next(uint64_t fallback) const;
};

// crash-after= and exit-after= relative to `start` (system time in ns).
Ending read_ending(pv::StringView command_line, uint64_t start);

// Crashes or powers off when one of the times has come; else returns.
void end_if_due(const Ending& ending, uint64_t now, pv::StringView name);

// Clears the trap table and writes to an unmapped address: with no handler
// the hypervisor must crash the domain (Xen: a fault with no trap bounce
// target crashes a PV domain). If the guest survives, it crashes itself.
[[noreturn]] void crash_on_purpose(pv::StringView name);

[[noreturn]] void power_off(pv::StringView name);

// One domctl (getdomaininfo of domain 0) and one sysctl (physinfo), each
// with the current interface version; prints `NAME: domctl: RC (ERRNO)` and
// `NAME: sysctl: RC (ERRNO)`, or `... 0 (allowed)`.
void probe_control(pv::StringView name);

} // namespace minios::guests
