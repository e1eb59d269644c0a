// Paravane's toolstack interface: domctl (hypercall 36) and sysctl
// (hypercall 35), in Xen's slots but with our own structures. Xen's change
// with every release; ours carry an interface version that the caller
// states and the hypervisor checks (-EACCES on a mismatch, as Xen does).
// Only the privileged domain may call either: any other gets -EPERM and
// nothing changes.
//
// Both hypercalls take one argument: a guest pointer to the command
// structure, which the hypervisor reads whole and writes back whole (with
// the OUT fields filled in). Layouts are fixed-width and static_asserted.
#ifndef PARAVANE_PUBLIC_CONTROL_HPP
#define PARAVANE_PUBLIC_CONTROL_HPP

#include <cstddef>
#include <cstdint>

namespace pv::abi {

inline constexpr uint32_t k_control_interface_version = 0x50560002; // "PV" 0002

// ---- sysctl ----------------------------------------------------------------

enum class SysctlCmd : uint32_t {
    physinfo = 1,    // OUT: SysctlPhysinfo
    readconsole = 2, // IN/OUT: SysctlReadconsole
};

struct SysctlPhysinfo {
    uint32_t nr_cpus;          // online CPUs
    uint32_t max_cpu_id;       // highest CPU index
    uint64_t total_pages;      // frames the hypervisor manages
    uint64_t free_pages;       // frames free now
    uint64_t cpu_khz;          // TSC frequency
    uint32_t virt_caps;        // k_virt_cap_*
    uint32_t pad;
};
static_assert(sizeof(SysctlPhysinfo) == 40);
inline constexpr uint32_t k_virt_cap_pv = 1u << 0;
inline constexpr uint32_t k_virt_cap_svm = 1u << 1; // AMD SVM with nested paging
inline constexpr uint32_t k_virt_cap_vmx = 1u << 2; // Intel VMX with EPT + unrestricted guest

// The hypervisor's log ring: copies up to `count` bytes from absolute
// position `cursor` into `buffer`; OUT: `count` = bytes copied, `cursor`
// advanced (jumps to the oldest byte held if the old one was overwritten).
struct SysctlReadconsole {
    uint64_t buffer; // guest pointer
    uint64_t cursor;
    uint32_t count;
    uint32_t pad;
};
static_assert(sizeof(SysctlReadconsole) == 24);

struct Sysctl {
    uint32_t cmd;               // SysctlCmd
    uint32_t interface_version; // k_control_interface_version
    union {
        SysctlPhysinfo physinfo;
        SysctlReadconsole readconsole;
        uint8_t pad[128];
    } u;
};
static_assert(sizeof(Sysctl) == 136);
static_assert(offsetof(Sysctl, u) == 8);

// ---- domctl ----------------------------------------------------------------

enum class DomctlCmd : uint32_t {
    getdomaininfo = 1,   // IN: domain (first id to look at); OUT: the first existing domain >= it
    pause = 2,           // the domain's vCPUs stop at their next scheduling point
    unpause = 3,         // also starts a freshly built domain
    max_mem = 4,         // IN: u.max_mem
    createdomain = 5,    // IN: u.create (domain ignored); OUT: domain = the new id, u.create.shared_info_mfn
    destroydomain = 6,   // every frame goes back, also while a vCPU runs elsewhere
    setvcpucontext = 7,  // IN: u.vcpu_context: vCPU `vcpu` gets the context at `context`
    getvcpucontext = 8,  // IN: u.vcpu_context: the context is written to `context`
    getvcpuinfo = 9,     // IN: u.vcpu_info.vcpu; OUT: the rest of u.vcpu_info
    setvcpuaffinity = 10, // IN: u.vcpu_affinity (hard affinity)
    getvcpuaffinity = 11, // IN: u.vcpu_affinity.vcpu; OUT: u.vcpu_affinity.cpumap
    sched_credit = 12,   // IN/OUT: u.sched_credit (xl sched-credit)
    getdomaincounters = 13, // IN/OUT: u.counters: the domain's DomainCounterValues to u.counters.buffer
};

inline constexpr uint32_t k_dominfo_running = 1u << 0;
inline constexpr uint32_t k_dominfo_paused = 1u << 1;
inline constexpr uint32_t k_dominfo_shutdown = 1u << 2;  // shutdown_reason valid
inline constexpr uint32_t k_dominfo_dying = 1u << 3;
inline constexpr uint32_t k_dominfo_privileged = 1u << 4;
inline constexpr uint32_t k_dominfo_blocked = 1u << 5;   // every vCPU blocked
inline constexpr uint32_t k_dominfo_pvh = 1u << 6;       // in a hardware container

struct DomctlDomainInfo {
    uint16_t domain; // OUT: the domain described
    uint16_t pad0;
    uint32_t flags;  // k_dominfo_*
    uint32_t shutdown_reason;
    uint32_t nr_vcpus;
    uint32_t nr_online_vcpus;
    uint32_t pad1;
    uint64_t tot_pages;
    uint64_t max_pages;
    uint64_t cpu_time_ns;
    char name[32];
};
static_assert(sizeof(DomctlDomainInfo) == 80);
static_assert(offsetof(DomctlDomainInfo, tot_pages) == 24);
static_assert(offsetof(DomctlDomainInfo, name) == 48);

struct DomctlMaxMem {
    uint64_t max_memkb;
};

// createdomain. The domain starts paused in the `building` state with
// max_vcpus offline vCPUs, no memory but its shared_info page (OUT
// shared_info_mfn, for start_info), and max_memkb as its reservation limit.
// The toolstack then populates it (memory_op populate_physmap with the new
// domid: the machine frames come back in the extent list), fills it through
// foreign mappings (mmu_update / update_va_mapping_otherdomain with the
// domid), sets vCPU 0's context and unpauses it. Errors: -EINVAL (PVH
// without hardware support, max_vcpus 0 or above Domain::k_max_vcpus, name
// empty or not NUL-terminated), -EEXIST (name in use), -ENOSPC (no free
// domain id), -ENOMEM.
inline constexpr uint32_t k_create_pvh = 1u << 0; // in a hardware container
struct DomctlCreateDomain {
    uint32_t flags;     // k_create_*
    uint32_t max_vcpus; // 1..8
    uint64_t max_memkb;
    char name[32];      // NUL-terminated, unique among domains
    uint64_t shared_info_mfn; // OUT
};
static_assert(sizeof(DomctlCreateDomain) == 56);
static_assert(offsetof(DomctlCreateDomain, name) == 16);
static_assert(offsetof(DomctlCreateDomain, shared_info_mfn) == 48);

// setvcpucontext / getvcpucontext: `context` is a guest pointer to an
// abi::VcpuGuestContext (vcpu_context.hpp), checked as VCPUOP_initialise
// checks it (ctrlreg[3] must be a valid L4 of the target domain). Setting
// the context of a running vCPU: -EBUSY (pause the domain first).
struct DomctlVcpuContext {
    uint32_t vcpu;
    uint32_t pad;
    uint64_t context; // guest pointer
};
static_assert(sizeof(DomctlVcpuContext) == 16);

struct DomctlVcpuInfo {
    uint32_t vcpu;    // IN
    uint8_t online;   // OUT: brought up (not VCPUOP_down / never started)
    uint8_t blocked;  // OUT: waiting for an event
    uint8_t running;  // OUT: on a CPU now
    uint8_t pad;
    uint32_t cpu;     // OUT: the CPU it runs on or last ran on
    uint32_t pad1;
    uint64_t cpu_time_ns; // OUT
    uint64_t affinity;    // OUT: bit n = may run on CPU n
};
static_assert(sizeof(DomctlVcpuInfo) == 32);

struct DomctlVcpuAffinity {
    uint32_t vcpu;
    uint32_t pad;
    uint64_t cpumap; // bit n = CPU n; must include an online CPU (-EINVAL)
};
static_assert(sizeof(DomctlVcpuAffinity) == 16);

// xl sched-credit semantics: weight 1..65535 (default 256), cap in percent
// of one CPU (0 = none, at most 100 per vCPU). -EINVAL: out of range,
// nothing changes.
struct DomctlSchedCredit {
    uint32_t set; // 0: get (OUT weight, cap); 1: set (IN weight, cap)
    uint32_t weight;
    uint32_t cap;
    uint32_t pad;
};
static_assert(sizeof(DomctlSchedCredit) == 16);

// getdomaincounters: what the domain made the hypervisor do since it was
// created (hypercalls, exceptions, bounces, events; see
// core/domain/counters.hpp), summed over its vCPUs, written to `buffer`, a
// guest pointer to `size` bytes. -EINVAL: size below
// sizeof(DomainCounterValues) or pad not 0; -EFAULT: the buffer cannot be
// written. OUT: size = the bytes written.
struct DomctlCounters {
    uint64_t buffer; // guest pointer to a DomainCounterValues
    uint32_t size;   // IN: the buffer's size; OUT: sizeof(DomainCounterValues)
    uint32_t pad;
};
static_assert(sizeof(DomctlCounters) == 16);

struct DomainCounterValues {
    uint64_t hypercalls[64];   // entries, by hypercall number (a continuation counts again)
    uint64_t hypercalls_other; // entries with a number of 64 or more (-ENOSYS)
    uint64_t exceptions[32];   // raised by the guest, by vector
    uint64_t bounced[32];      // delivered to the guest's own handler, by vector; the rest were emulated
    uint64_t syscalls;         // guest user-mode SYSCALLs bounced to its kernel
    uint64_t event_sends;      // EVTCHNOP_send requests
    uint64_t upcalls;          // bounces to the event callback
    uint64_t pad;
};
static_assert(sizeof(DomainCounterValues) == 133 * 8);
static_assert(offsetof(DomainCounterValues, exceptions) == 65 * 8);
static_assert(offsetof(DomainCounterValues, syscalls) == 129 * 8);

struct Domctl {
    uint32_t cmd;               // DomctlCmd
    uint32_t interface_version; // k_control_interface_version
    uint16_t domain;            // the domain the command is about
    uint16_t pad[3];
    union {
        DomctlDomainInfo info;
        DomctlMaxMem max_mem;
        DomctlCreateDomain create;
        DomctlVcpuContext vcpu_context;
        DomctlVcpuInfo vcpu_info;
        DomctlVcpuAffinity vcpu_affinity;
        DomctlSchedCredit sched_credit;
        DomctlCounters counters;
        uint8_t pad[128];
    } u;
};
static_assert(sizeof(Domctl) == 144);
static_assert(offsetof(Domctl, domain) == 8);
static_assert(offsetof(Domctl, u) == 16);

} // namespace pv::abi

#endif
