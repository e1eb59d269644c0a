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

inline constexpr uint32_t k_control_interface_version = 0x50560001; // "PV" 0001

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
    getdomaininfo = 1, // IN: domain (first id to look at); OUT: the first existing domain >= it
    pause = 2,
    unpause = 3,
    max_mem = 4,       // IN: max_memkb
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

struct Domctl {
    uint32_t cmd;               // DomctlCmd
    uint32_t interface_version; // k_control_interface_version
    uint16_t domain;            // the domain the command is about
    uint16_t pad[3];
    union {
        DomctlDomainInfo info;
        DomctlMaxMem max_mem;
        uint8_t pad[128];
    } u;
};
static_assert(sizeof(Domctl) == 144);
static_assert(offsetof(Domctl, domain) == 8);
static_assert(offsetof(Domctl, u) == 16);

} // namespace pv::abi

#endif
