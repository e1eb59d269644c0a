// Grant tables (version 1): a domain lists in its shared grant table which
// of its frames another domain may map, copy or receive; grant_table_op(cmd,
// args, count) acts on those grants. Numbers and layouts of Xen's
// grant_table.h, in our words. Paravane implements version 1 entries only.
//
// Granting a frame: write domid and frame, then (after a write barrier) the
// flags with GTF_permit_access. Revoking an unused grant: compare-and-swap
// the flags to 0, succeeding only while neither k_gtf_reading nor
// k_gtf_writing is set.
#ifndef PARAVANE_PUBLIC_GRANT_TABLE_HPP
#define PARAVANE_PUBLIC_GRANT_TABLE_HPP

#include "types.hpp"

namespace pv::abi {

using GrantRef = uint32_t;    // index into a domain's grant table
using GrantHandle = uint32_t; // names one mapping made with map_grant_ref

struct GrantEntryV1 {
    uint16_t flags; // k_gtf_*: type bits written by the granter, status bits by the hypervisor
    DomainId domid; // the domain being granted access
    // permit_access: the granted frame. accept_transfer: the frame slot to
    // fill, replaced by the transferred frame when complete.
    uint32_t frame;
};
static_assert(sizeof(GrantEntryV1) == 8);
static_assert(offsetof(GrantEntryV1, flags) == 0);
static_assert(offsetof(GrantEntryV1, domid) == 2);
static_assert(offsetof(GrantEntryV1, frame) == 4);

inline constexpr uint32_t k_grant_entries_v1_per_page = k_page_size / sizeof(GrantEntryV1);

// Entries the toolstack may fill before the guest starts.
inline constexpr GrantRef k_gnttab_nr_reserved_entries = 8;
inline constexpr GrantRef k_gnttab_reserved_console = 0;
inline constexpr GrantRef k_gnttab_reserved_xenstore = 1;

// Entry type (flags bits 1:0).
inline constexpr uint16_t k_gtf_invalid = 0;
inline constexpr uint16_t k_gtf_permit_access = 1;
inline constexpr uint16_t k_gtf_accept_transfer = 2;
inline constexpr uint16_t k_gtf_transitive = 3; // version 2 only
inline constexpr uint16_t k_gtf_type_mask = 3;

// With permit_access.
inline constexpr uint16_t k_gtf_readonly = 1u << 2; // granter: read-only access only
inline constexpr uint16_t k_gtf_reading = 1u << 3;  // hypervisor: mapped for reading
inline constexpr uint16_t k_gtf_writing = 1u << 4;  // hypervisor: mapped for writing
inline constexpr uint16_t k_gtf_pwt = 1u << 5;      // x86 cache attributes for the mapping
inline constexpr uint16_t k_gtf_pcd = 1u << 6;
inline constexpr uint16_t k_gtf_pat = 1u << 7;
inline constexpr uint16_t k_gtf_sub_page = 1u << 8; // version 2 only

// With accept_transfer.
inline constexpr uint16_t k_gtf_transfer_committed = 1u << 2; // do not touch the entry now
inline constexpr uint16_t k_gtf_transfer_completed = 1u << 3; // frame written; entry free again

enum class GnttabOp : uint32_t {
    map_grant_ref = 0,     // GnttabMapGrantRef[count]
    unmap_grant_ref = 1,   // GnttabUnmapGrantRef[count]
    setup_table = 2,       // GnttabSetupTable
    dump_table = 3,        // GnttabDumpTable
    transfer = 4,          // GnttabTransfer[count]
    copy = 5,              // GnttabCopy[count]
    query_size = 6,        // GnttabQuerySize
    unmap_and_replace = 7, // GnttabUnmapAndReplace[count]
    set_version = 8,       // GnttabSetVersion
    get_status_frames = 9, // GnttabGetStatusFrames (version 2)
    get_version = 10,      // GnttabGetVersion
    swap_grant_ref = 11,   // GnttabSwapGrantRef[count]
    cache_flush = 12,      // GnttabCacheFlush[count] (ARM)
};

// Per-operation status codes (negative; not errno values).
enum class GrantStatus : int16_t {
    okay = 0,
    general_error = -1,
    bad_domain = -2,
    bad_gntref = -3,
    bad_handle = -4,
    bad_virt_addr = -5,
    bad_dev_addr = -6,
    no_device_space = -7,
    permission_denied = -8,
    bad_page = -9,
    bad_copy_arg = -10, // copy crosses a page boundary
    address_too_big = -11,
    eagain = -12,
    no_space = -13,
};

// GnttabMapGrantRef::flags.
inline constexpr uint32_t k_gntmap_device_map = 1u << 0; // for device DMA: dev_bus_addr
inline constexpr uint32_t k_gntmap_host_map = 1u << 1;   // into the CPU's page tables
inline constexpr uint32_t k_gntmap_readonly = 1u << 2;
inline constexpr uint32_t k_gntmap_application_map = 1u << 3; // host map usable by guest user mode
inline constexpr uint32_t k_gntmap_contains_pte = 1u << 4; // host_addr is a PTE's machine address
inline constexpr uint32_t k_gntmap_can_fail = 1u << 5;
inline constexpr uint32_t k_gntmap_guest_avail0_shift = 16; // bits 31:16: PTE software bits
inline constexpr uint32_t k_gntmap_guest_avail_mask = 0xffffffffu << k_gntmap_guest_avail0_shift;

struct GnttabMapGrantRef {
    uint64_t host_addr;    // in: virtual address, or PTE machine address with contains_pte
    uint32_t flags;        // in: k_gntmap_*
    GrantRef ref;          // in
    DomainId dom;          // in: the granting domain
    int16_t status;        // out: GrantStatus
    GrantHandle handle;    // out
    uint64_t dev_bus_addr; // out, with device_map
};
static_assert(sizeof(GnttabMapGrantRef) == 32);
static_assert(offsetof(GnttabMapGrantRef, host_addr) == 0);
static_assert(offsetof(GnttabMapGrantRef, flags) == 8);
static_assert(offsetof(GnttabMapGrantRef, ref) == 12);
static_assert(offsetof(GnttabMapGrantRef, dom) == 16);
static_assert(offsetof(GnttabMapGrantRef, status) == 18);
static_assert(offsetof(GnttabMapGrantRef, handle) == 20);
static_assert(offsetof(GnttabMapGrantRef, dev_bus_addr) == 24);

// A zero host_addr or dev_bus_addr leaves that kind of mapping alone.
struct GnttabUnmapGrantRef {
    uint64_t host_addr;
    uint64_t dev_bus_addr;
    GrantHandle handle;
    int16_t status; // out: GrantStatus
    uint16_t pad;
};
static_assert(sizeof(GnttabUnmapGrantRef) == 24);
static_assert(offsetof(GnttabUnmapGrantRef, host_addr) == 0);
static_assert(offsetof(GnttabUnmapGrantRef, dev_bus_addr) == 8);
static_assert(offsetof(GnttabUnmapGrantRef, handle) == 16);
static_assert(offsetof(GnttabUnmapGrantRef, status) == 20);

// Give `dom` a grant table of at least nr_frames pages and return their
// frame numbers.
struct GnttabSetupTable {
    DomainId dom; // in: DOMID_SELF unless privileged
    uint16_t pad0;
    uint32_t nr_frames; // in
    int16_t status;     // out: GrantStatus
    uint16_t pad1[3];
    GuestPtr<Pfn> frame_list; // out: nr_frames entries
};
static_assert(sizeof(GnttabSetupTable) == 24);
static_assert(offsetof(GnttabSetupTable, dom) == 0);
static_assert(offsetof(GnttabSetupTable, nr_frames) == 4);
static_assert(offsetof(GnttabSetupTable, status) == 8);
static_assert(offsetof(GnttabSetupTable, frame_list) == 16);

struct GnttabDumpTable {
    DomainId dom;
    int16_t status; // out: GrantStatus
};
static_assert(sizeof(GnttabDumpTable) == 4);
static_assert(offsetof(GnttabDumpTable, status) == 2);

// Give frame `mfn` to `domid`, which accepted it in grant `ref`. The frame
// leaves the caller even on failure, unless the status is bad_page.
struct GnttabTransfer {
    Pfn mfn;
    DomainId domid;
    uint16_t pad0;
    GrantRef ref;
    int16_t status; // out: GrantStatus
    uint16_t pad1[3];
};
static_assert(sizeof(GnttabTransfer) == 24);
static_assert(offsetof(GnttabTransfer, mfn) == 0);
static_assert(offsetof(GnttabTransfer, domid) == 8);
static_assert(offsetof(GnttabTransfer, ref) == 12);
static_assert(offsetof(GnttabTransfer, status) == 16);

// GnttabCopy::flags: which side is named by a grant reference (otherwise
// by a frame of the caller).
inline constexpr uint16_t k_gntcopy_source_gref = 1u << 0;
inline constexpr uint16_t k_gntcopy_dest_gref = 1u << 1;

struct GnttabCopyPtr {
    union Ref {
        GrantRef ref;
        Pfn gmfn;
    } u;
    DomainId domid;
    uint16_t offset; // byte offset within the frame
    uint32_t pad;
};
static_assert(sizeof(GnttabCopyPtr) == 16);
static_assert(offsetof(GnttabCopyPtr, u) == 0);
static_assert(offsetof(GnttabCopyPtr, domid) == 8);
static_assert(offsetof(GnttabCopyPtr, offset) == 10);

struct GnttabCopy {
    GnttabCopyPtr source;
    GnttabCopyPtr dest;
    uint16_t len;   // bytes; neither side may cross its page end
    uint16_t flags; // k_gntcopy_*
    int16_t status; // out: GrantStatus
    uint16_t pad;
};
static_assert(sizeof(GnttabCopy) == 40);
static_assert(offsetof(GnttabCopy, source) == 0);
static_assert(offsetof(GnttabCopy, dest) == 16);
static_assert(offsetof(GnttabCopy, len) == 32);
static_assert(offsetof(GnttabCopy, flags) == 34);
static_assert(offsetof(GnttabCopy, status) == 36);

struct GnttabQuerySize {
    DomainId dom; // in
    uint16_t pad0;
    uint32_t nr_frames;     // out: current size
    uint32_t max_nr_frames; // out: limit
    int16_t status;         // out: GrantStatus
    uint16_t pad1;
};
static_assert(sizeof(GnttabQuerySize) == 16);
static_assert(offsetof(GnttabQuerySize, dom) == 0);
static_assert(offsetof(GnttabQuerySize, nr_frames) == 4);
static_assert(offsetof(GnttabQuerySize, max_nr_frames) == 8);
static_assert(offsetof(GnttabQuerySize, status) == 12);

// Unmap the grant at host_addr and point that PTE at new_addr's frame
// instead.
struct GnttabUnmapAndReplace {
    uint64_t host_addr;
    uint64_t new_addr;
    GrantHandle handle;
    int16_t status; // out: GrantStatus
    uint16_t pad;
};
static_assert(sizeof(GnttabUnmapAndReplace) == 24);
static_assert(offsetof(GnttabUnmapAndReplace, host_addr) == 0);
static_assert(offsetof(GnttabUnmapAndReplace, new_addr) == 8);
static_assert(offsetof(GnttabUnmapAndReplace, handle) == 16);
static_assert(offsetof(GnttabUnmapAndReplace, status) == 20);

// Choose the entry format (1 or 2) before any grant is in use.
struct GnttabSetVersion {
    uint32_t version; // in; out: the version in effect
};
static_assert(sizeof(GnttabSetVersion) == 4);

struct GnttabGetStatusFrames {
    uint32_t nr_frames; // in
    DomainId dom;       // in
    int16_t status;     // out: GrantStatus
    GuestPtr<uint64_t> frame_list;
};
static_assert(sizeof(GnttabGetStatusFrames) == 16);
static_assert(offsetof(GnttabGetStatusFrames, nr_frames) == 0);
static_assert(offsetof(GnttabGetStatusFrames, dom) == 4);
static_assert(offsetof(GnttabGetStatusFrames, status) == 6);
static_assert(offsetof(GnttabGetStatusFrames, frame_list) == 8);

struct GnttabGetVersion {
    DomainId dom; // in
    uint16_t pad;
    uint32_t version; // out
};
static_assert(sizeof(GnttabGetVersion) == 8);
static_assert(offsetof(GnttabGetVersion, dom) == 0);
static_assert(offsetof(GnttabGetVersion, version) == 4);

struct GnttabSwapGrantRef {
    GrantRef ref_a;
    GrantRef ref_b;
    int16_t status; // out: GrantStatus
    uint16_t pad;
};
static_assert(sizeof(GnttabSwapGrantRef) == 12);
static_assert(offsetof(GnttabSwapGrantRef, ref_a) == 0);
static_assert(offsetof(GnttabSwapGrantRef, ref_b) == 4);
static_assert(offsetof(GnttabSwapGrantRef, status) == 8);

inline constexpr uint32_t k_gnttab_cache_clean = 1u << 0;
inline constexpr uint32_t k_gnttab_cache_inval = 1u << 1;
inline constexpr uint32_t k_gnttab_cache_source_gref = 1u << 31;

struct GnttabCacheFlush {
    union Target {
        uint64_t dev_bus_addr;
        GrantRef ref;
    } a;
    uint16_t offset; // within the grant
    uint16_t length;
    uint32_t op; // k_gnttab_cache_*
};
static_assert(sizeof(GnttabCacheFlush) == 16);
static_assert(offsetof(GnttabCacheFlush, a) == 0);
static_assert(offsetof(GnttabCacheFlush, offset) == 8);
static_assert(offsetof(GnttabCacheFlush, length) == 10);
static_assert(offsetof(GnttabCacheFlush, op) == 12);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_GRANT_TABLE_HPP
