// vcpu_op(cmd, vcpuid, arg): bring vCPUs up and down, per-vCPU timers and
// runstate, relocating vcpu_info. Numbers and layouts of Xen's vcpu.h, in
// our words. VCPUOP_initialise takes a VcpuGuestContext (vcpu_context.hpp)
// for a PV guest.
#ifndef PARAVANE_PUBLIC_VCPU_HPP
#define PARAVANE_PUBLIC_VCPU_HPP

#include "types.hpp"

namespace pv::abi {

enum class VcpuOp : uint32_t {
    initialise = 0,                      // arg: VcpuGuestContext* (once per vCPU)
    up = 1,                              // make an initialised vCPU runnable
    down = 2,                            // stop it (asynchronous unless it is the caller)
    is_up = 3,                           // returns 1 if up
    get_runstate_info = 4,               // arg: VcpuRunstateInfo*
    register_runstate_memory_area = 5,   // arg: VcpuRegisterRunstateMemoryArea* (virtual address)
    set_periodic_timer = 6,              // arg: VcpuSetPeriodicTimer*
    stop_periodic_timer = 7,             // arg unused
    set_singleshot_timer = 8,            // arg: VcpuSetSingleshotTimer*
    stop_singleshot_timer = 9,           // arg unused
    register_vcpu_info = 10,             // arg: VcpuRegisterVcpuInfo* (once per vCPU)
    send_nmi = 11,                       // arg unused
    get_physid = 12,                     // arg: VcpuGetPhysid*
    register_vcpu_time_memory_area = 13, // arg: VcpuRegisterTimeMemoryArea* (virtual address)
    register_runstate_phys_area = 14,    // arg: VcpuRegisterRunstateMemoryArea* (guest-physical)
    register_vcpu_time_phys_area = 15,   // arg: VcpuRegisterTimeMemoryArea* (guest-physical)
};

enum class RunState : int32_t {
    running = 0,  // on a physical CPU
    runnable = 1, // waiting for one
    blocked = 2,  // waiting for an event
    offline = 3,  // neither: paused, hot-unplugged, ...
};

struct VcpuRunstateInfo {
    int32_t state; // RunState
    uint32_t pad;
    uint64_t state_entry_time; // system time (ns) the state was entered
    uint64_t time[4];          // ns spent in each RunState; sums to system time
};
static_assert(sizeof(VcpuRunstateInfo) == 48);
static_assert(offsetof(VcpuRunstateInfo, state) == 0);
static_assert(offsetof(VcpuRunstateInfo, state_entry_time) == 8);
static_assert(offsetof(VcpuRunstateInfo, time) == 16);

// Set in state_entry_time while the hypervisor rewrites a guest-mapped copy
// (only with VmAssistType::runstate_update_flag).
inline constexpr uint64_t k_runstate_update = uint64_t{1} << 63;

// One copy per vCPU, refreshed whenever the vCPU is scheduled; must not
// cross a page boundary.
struct VcpuRegisterRunstateMemoryArea {
    uint64_t addr; // VcpuRunstateInfo: virtual or guest-physical, per the op
};
static_assert(sizeof(VcpuRegisterRunstateMemoryArea) == 8);

struct VcpuSetPeriodicTimer {
    uint64_t period_ns;
};
static_assert(sizeof(VcpuSetPeriodicTimer) == 8);

struct VcpuSetSingleshotTimer {
    uint64_t timeout_abs_ns; // system time
    uint32_t flags;          // k_vcpu_sshottmr_*
    uint32_t pad;
};
static_assert(sizeof(VcpuSetSingleshotTimer) == 16);
static_assert(offsetof(VcpuSetSingleshotTimer, timeout_abs_ns) == 0);
static_assert(offsetof(VcpuSetSingleshotTimer, flags) == 8);

// Fail with -ETIME instead of firing at once if the timeout has passed.
inline constexpr uint32_t k_vcpu_sshottmr_future = 1u << 0;

// Move this vCPU's VcpuInfo to `offset` within frame `mfn` (it must not
// cross the page end).
struct VcpuRegisterVcpuInfo {
    uint64_t mfn;
    uint32_t offset;
    uint32_t rsvd;
};
static_assert(sizeof(VcpuRegisterVcpuInfo) == 16);
static_assert(offsetof(VcpuRegisterVcpuInfo, mfn) == 0);
static_assert(offsetof(VcpuRegisterVcpuInfo, offset) == 8);
static_assert(offsetof(VcpuRegisterVcpuInfo, rsvd) == 12);

// x86: bits 31:0 APIC id, bits 63:32 ACPI id.
struct VcpuGetPhysid {
    uint64_t phys_id;
};
static_assert(sizeof(VcpuGetPhysid) == 8);

// A second VcpuTimeInfo the hypervisor keeps in step with the one in
// VcpuInfo (e.g. for a user-mapped vDSO page).
struct VcpuRegisterTimeMemoryArea {
    uint64_t addr; // VcpuTimeInfo: virtual or guest-physical, per the op
};
static_assert(sizeof(VcpuRegisterTimeMemoryArea) == 8);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_VCPU_HPP
