// The page the hypervisor shares with each domain (start_info.shared_info):
// per-vCPU event and time state, the 2-level event-channel bitmaps, the
// wallclock and the p2m description. Layouts of Xen's vcpu_time_info,
// arch_vcpu_info, vcpu_info, arch_shared_info and shared_info for x86-64
// (xen.h, arch-x86/xen.h, arch-x86/xen-x86_64.h), in our words.
//
// Both sides write this page concurrently: the bitmaps and selector words
// must be updated with locked bit operations, and the version fields follow
// the seqlock protocol described on VcpuTimeInfo.
#ifndef PARAVANE_PUBLIC_SHARED_INFO_HPP
#define PARAVANE_PUBLIC_SHARED_INFO_HPP

#include "hypercall.hpp"
#include "types.hpp"

namespace pv::abi {

// System time for one vCPU. The writer makes `version` odd, updates the
// fields, then makes it even again; a reader retries while it sees an odd
// version or the version changed under it.
//   now_ns = system_time + ((((tsc - tsc_timestamp) << tsc_shift)
//                            * tsc_to_system_mul) >> 32)
// (a negative tsc_shift shifts right). TSC frequency in Hz is
//   ((10^9 << 32) / tsc_to_system_mul) >> tsc_shift.
struct VcpuTimeInfo {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;     // TSC when the fields below were sampled
    uint64_t system_time;       // ns since the domain's time base at that TSC
    uint32_t tsc_to_system_mul; // 32.32 fixed-point ns per (shifted) tick
    int8_t tsc_shift;
    uint8_t flags; // k_pvclock_*
    uint8_t pad1[2];
};
static_assert(sizeof(VcpuTimeInfo) == 32);
static_assert(offsetof(VcpuTimeInfo, version) == 0);
static_assert(offsetof(VcpuTimeInfo, pad0) == 4);
static_assert(offsetof(VcpuTimeInfo, tsc_timestamp) == 8);
static_assert(offsetof(VcpuTimeInfo, system_time) == 16);
static_assert(offsetof(VcpuTimeInfo, tsc_to_system_mul) == 24);
static_assert(offsetof(VcpuTimeInfo, tsc_shift) == 28);
static_assert(offsetof(VcpuTimeInfo, flags) == 29);

inline constexpr uint8_t k_pvclock_tsc_stable = 1u << 0;    // TSC is synchronised across vCPUs
inline constexpr uint8_t k_pvclock_guest_stopped = 1u << 1; // the guest was paused

struct ArchVcpuInfo {
    uint64_t cr2; // fault address of the last page fault bounced to the guest
    uint64_t pad; // keeps VcpuInfo at 64 bytes
};
static_assert(sizeof(ArchVcpuInfo) == 16);
static_assert(offsetof(ArchVcpuInfo, cr2) == 0);
static_assert(offsetof(ArchVcpuInfo, pad) == 8);

struct VcpuInfo {
    // Set by the hypervisor when an event is pending for this vCPU; the
    // guest clears it before scanning the selector, so no event is lost.
    uint8_t evtchn_upcall_pending;
    // Non-zero: no event upcall will be delivered (the guest's "cli").
    // Cleared by the hypervisor when the vCPU blocks.
    uint8_t evtchn_upcall_mask;
    uint8_t pad0[6];
    // One bit per 64-bit word of SharedInfo::evtchn_pending that has a
    // newly pending, unmasked port.
    uint64_t evtchn_pending_sel;
    ArchVcpuInfo arch;
    VcpuTimeInfo time;
};
static_assert(sizeof(VcpuInfo) == 64);
static_assert(offsetof(VcpuInfo, evtchn_upcall_pending) == 0);
static_assert(offsetof(VcpuInfo, evtchn_upcall_mask) == 1);
static_assert(offsetof(VcpuInfo, evtchn_pending_sel) == 8);
static_assert(offsetof(VcpuInfo, arch) == 16);
static_assert(offsetof(VcpuInfo, time) == 32);

struct ArchSharedInfo {
    // Number of valid entries in the guest's p2m (whichever form it uses).
    uint64_t max_pfn;
    // Frame of the top of the 3-level p2m frame-list tree; 0 = not set up,
    // ~0 = not usable (use the linear p2m at p2m_vaddr instead).
    Pfn pfn_to_mfn_frame_list_list;
    uint64_t nmi_reason;
    // Linear p2m list, valid when p2m_cr3 != 0: p2m_cr3 is the CR3-format
    // root of the address space in which p2m_vaddr maps entries
    // [0, max_pfn). The guest bumps p2m_generation before and after changing
    // those mappings (odd while a change is in progress).
    uint64_t p2m_cr3;
    uint64_t p2m_vaddr;
    uint64_t p2m_generation;
};
static_assert(sizeof(ArchSharedInfo) == 48);
static_assert(offsetof(ArchSharedInfo, max_pfn) == 0);
static_assert(offsetof(ArchSharedInfo, pfn_to_mfn_frame_list_list) == 8);
static_assert(offsetof(ArchSharedInfo, nmi_reason) == 16);
static_assert(offsetof(ArchSharedInfo, p2m_cr3) == 24);
static_assert(offsetof(ArchSharedInfo, p2m_vaddr) == 32);
static_assert(offsetof(ArchSharedInfo, p2m_generation) == 40);

// 2-level event channels: 64 words of 64 bits, 4096 ports.
inline constexpr uint32_t k_evtchn_2l_words = 64;
inline constexpr uint32_t k_evtchn_2l_nr_channels = k_evtchn_2l_words * 64;

struct SharedInfo {
    VcpuInfo vcpu_info[k_legacy_max_vcpus];

    // Port p is pending when bit (p % 64) of evtchn_pending[p / 64] is set
    // (the guest clears it). A 0->1 change on a port whose mask bit is clear
    // sets the selector bit and upcall_pending of the port's vCPU; a masked
    // port stays pending silently and the guest must look for it on unmask.
    uint64_t evtchn_pending[k_evtchn_2l_words];
    uint64_t evtchn_mask[k_evtchn_2l_words]; // written by the guest only

    // Wallclock at system time 0, seconds and nanoseconds since the Unix
    // epoch. wc_version follows the same odd/even protocol as VcpuTimeInfo.
    uint32_t wc_version;
    uint32_t wc_sec; // low 32 bits of the seconds
    uint32_t wc_nsec;
    uint32_t wc_sec_hi; // high 32 bits of the seconds (x86-64 layout)

    ArchSharedInfo arch;
};
static_assert(sizeof(SharedInfo) == 3136);
static_assert(sizeof(SharedInfo) <= k_page_size);
static_assert(offsetof(SharedInfo, vcpu_info) == 0);
static_assert(offsetof(SharedInfo, evtchn_pending) == 2048);
static_assert(offsetof(SharedInfo, evtchn_mask) == 2560);
static_assert(offsetof(SharedInfo, wc_version) == 3072);
static_assert(offsetof(SharedInfo, wc_sec) == 3076);
static_assert(offsetof(SharedInfo, wc_nsec) == 3080);
static_assert(offsetof(SharedInfo, wc_sec_hi) == 3084);
static_assert(offsetof(SharedInfo, arch) == 3088);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_SHARED_INFO_HPP
