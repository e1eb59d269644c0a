// What the sample DomUs do on request, for the toolstack's tests:
//   crash-after=SECONDS  crash on purpose that many seconds after start
//   exit-after=SECONDS   power off (sched_op shutdown, poweroff) likewise
//   probe-control        call domctl and sysctl once and print the results
//                        (a DomU must get -EPERM from both)
//   probe-hostile        hand hypercalls pointers the guest has no right to
//                        or that lead nowhere; each must fail with -EFAULT
//   touch-missing-ram    (PVH) read guest-physical memory the domain has no
//                        RAM at: the hypervisor must crash this domain only
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

// Removes the trap handlers (PV: clears the trap table; PVH: an empty IDT)
// and writes to an unmapped address: with no handler the hypervisor must
// crash the domain (Xen: a fault with no trap bounce target crashes a PV
// domain; a triple fault crashes a PVH one). If the guest survives, it
// crashes itself.
[[noreturn]] void crash_on_purpose(pv::StringView name);

[[noreturn]] void power_off(pv::StringView name);

// One domctl (getdomaininfo of domain 0) and one sysctl (physinfo), each
// with the current interface version; prints `NAME: domctl: RC (ERRNO)` and
// `NAME: sysctl: RC (ERRNO)`, or `... 0 (allowed)`.
void probe_control(pv::StringView name);

// xen_version(extraversion) and hvm_op(get_param) with a buffer in the
// hypervisor's range, at a non-canonical address, at an unmapped address,
// and (PVH) at a mapped address with no RAM behind it; prints
// `NAME: hostile WHAT: RC (ERRNO)` for each.
void probe_hostile(pv::StringView name);

// PVH: reads guest-physical 0xc0000000 through the identity map, beyond
// the domain's RAM (a nested-page fault). Does not return if the
// hypervisor does its job.
void touch_missing_ram(pv::StringView name);

} // namespace minios::guests
