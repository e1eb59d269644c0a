// sched_op(cmd, arg): yield, block, shut down, poll. Numbers and argument
// layouts of Xen's sched.h, in our words.
//
// The legacy sched_op_compat(cmd, arg) hypercall (6) knows only yield, block
// and shutdown, and takes the shutdown reason directly in `arg` instead of a
// pointer to SchedShutdown.
#ifndef PARAVANE_PUBLIC_SCHED_HPP
#define PARAVANE_PUBLIC_SCHED_HPP

#include "types.hpp"

namespace pv::abi {

enum class SchedOp : uint32_t {
    yield = 0,           // arg unused: give up the CPU
    block = 1,           // arg unused: sleep until an event; unmasks event delivery atomically
    shutdown = 2,        // arg: SchedShutdown* (for suspend, rdx holds the start_info mfn)
    poll = 3,            // arg: SchedPoll*
    remote_shutdown = 4, // arg: SchedRemoteShutdown* (privileged)
    shutdown_code = 5,   // arg: SchedShutdown*: record the reason for a later shutdown
    watchdog = 6,        // arg: SchedWatchdog*
    pin_override = 7,    // arg: SchedPinOverride* (hardware domain only)
};

enum class ShutdownReason : uint32_t {
    poweroff = 0,   // finished: clean up
    reboot = 1,     // clean up and start again
    suspend = 2,    // save state for a later resume
    crash = 3,      // the guest crashed
    watchdog = 4,   // a watchdog expired
    soft_reset = 5, // reset hypervisor state for the domain, keep memory and vCPUs
};
inline constexpr uint32_t k_shutdown_max = 5;

struct SchedShutdown {
    uint32_t reason; // ShutdownReason
};
static_assert(sizeof(SchedShutdown) == 4);
static_assert(offsetof(SchedShutdown, reason) == 0);

// Wait until one of `ports` is pending, or until system time `timeout` (ns,
// 0 = none).
struct SchedPoll {
    GuestPtr<uint32_t> ports; // array of event-channel ports
    uint32_t nr_ports;
    uint32_t pad;
    uint64_t timeout;
};
static_assert(sizeof(SchedPoll) == 24);
static_assert(offsetof(SchedPoll, ports) == 0);
static_assert(offsetof(SchedPoll, nr_ports) == 8);
static_assert(offsetof(SchedPoll, timeout) == 16);

struct SchedRemoteShutdown {
    DomainId domain_id;
    uint16_t pad;
    uint32_t reason; // ShutdownReason
};
static_assert(sizeof(SchedRemoteShutdown) == 8);
static_assert(offsetof(SchedRemoteShutdown, domain_id) == 0);
static_assert(offsetof(SchedRemoteShutdown, reason) == 4);

// id 0 with a timeout creates a watchdog (returns its id); id 0 without one
// destroys all; a non-zero id with a timeout re-arms it, without one
// destroys it. Timeouts are in seconds.
struct SchedWatchdog {
    uint32_t id;
    uint32_t timeout;
};
static_assert(sizeof(SchedWatchdog) == 8);
static_assert(offsetof(SchedWatchdog, id) == 0);
static_assert(offsetof(SchedWatchdog, timeout) == 4);

struct SchedPinOverride {
    int32_t pcpu; // negative: drop the override
};
static_assert(sizeof(SchedPinOverride) == 4);
static_assert(offsetof(SchedPinOverride, pcpu) == 0);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_SCHED_HPP
