// memory_op(cmd, arg): grow and shrink a domain's memory, query limits, the
// machine-to-phys table and the guest memory map. Numbers and layouts of
// Xen's memory.h, in our words.
//
// Only the low 6 bits of `cmd` are the sub-op: Xen keeps a continuation's
// restart point in the bits above, so a guest must pass them as zero.
#ifndef PARAVANE_PUBLIC_MEMORY_HPP
#define PARAVANE_PUBLIC_MEMORY_HPP

#include "types.hpp"

namespace pv::abi {

enum class MemoryOp : uint32_t {
    increase_reservation = 0, // MemoryReservation; returns extents done
    decrease_reservation = 1, // MemoryReservation; returns extents done
    maximum_ram_page = 2,     // arg unused; returns the highest machine frame of RAM
    current_reservation = 3,  // arg: DomainId*; returns pages
    maximum_reservation = 4,  // arg: DomainId*; returns pages
    machphys_mfn_list = 5,    // MachphysMfnList
    populate_physmap = 6,     // MemoryReservation; returns extents done
    add_to_physmap = 7,       // AddToPhysmap (translated guests)
    // 8 (translate_gpfn_list) was removed.
    memory_map = 9,           // MemoryMap: this domain's E820 map
    machine_memory_map = 10,  // MemoryMap: the host's E820 map (privileged)
    exchange = 11,            // MemoryExchange
    machphys_mapping = 12,    // MachphysMapping
    set_memory_map = 13,      // ForeignMemoryMap (privileged)
    maximum_gpfn = 14,        // arg: DomainId*; returns the highest guest pfn
    remove_from_physmap = 15, // RemoveFromPhysmap (translated guests)
    set_pod_target = 16,
    get_pod_target = 17,
    get_sharing_freed_pages = 18,
    get_sharing_shared_pages = 19,
    paging_op = 20,
    access_op = 21,
    sharing_op = 22,
    add_to_physmap_batch = 23, // AddToPhysmapBatch
    claim_pages = 24,          // MemoryReservation with extent_start 0 (privileged)
    machphys_compat_mfn_list = 25,
    get_vnumainfo = 26,
    reserved_device_memory_map = 27,
    acquire_resource = 28,
};
inline constexpr uint32_t k_memory_op_cmd_mask = 0x3f;

// MemoryReservation::mem_flags.
// Address width the extents must fit below (0 = unrestricted).
constexpr uint32_t xenmemf_address_bits(uint32_t bits) {
    return bits & 0xff;
}
constexpr uint32_t xenmemf_node(uint32_t node) {
    return (node + 1) << 8;
}
inline constexpr uint32_t k_xenmemf_populate_on_demand = 1u << 16;
inline constexpr uint32_t k_xenmemf_exact_node_request = 1u << 17;
inline constexpr uint32_t k_xenmemf_vnode = 1u << 18; // node is a virtual node

struct MemoryReservation {
    // increase: out, machine frames allocated. decrease: in, guest frames to
    // free. populate: in, guest pfns to fill; out, frames used.
    GuestPtr<Pfn> extent_start;
    uint64_t nr_extents;
    uint32_t extent_order; // each extent is 2^order pages
    uint32_t mem_flags;    // xenmemf_* / k_xenmemf_*
    DomainId domid;        // DOMID_SELF unless privileged
    uint16_t pad[3];
};
static_assert(sizeof(MemoryReservation) == 32);
static_assert(offsetof(MemoryReservation, extent_start) == 0);
static_assert(offsetof(MemoryReservation, nr_extents) == 8);
static_assert(offsetof(MemoryReservation, extent_order) == 16);
static_assert(offsetof(MemoryReservation, mem_flags) == 20);
static_assert(offsetof(MemoryReservation, domid) == 24);

// Atomically trade the extents in `in` for new ones described by `out`
// (PV only). nr_exchanged must be zero on entry; on return it counts the
// input extents traded.
struct MemoryExchange {
    MemoryReservation in;
    MemoryReservation out;
    uint64_t nr_exchanged;
};
static_assert(sizeof(MemoryExchange) == 72);
static_assert(offsetof(MemoryExchange, in) == 0);
static_assert(offsetof(MemoryExchange, out) == 32);
static_assert(offsetof(MemoryExchange, nr_exchanged) == 64);

// Machine frames of the 2 MiB chunks that hold the M2P table (0 for holes).
struct MachphysMfnList {
    uint32_t max_extents; // in: capacity of extent_start
    uint32_t pad0;
    GuestPtr<Pfn> extent_start;
    uint32_t nr_extents; // out
    uint32_t pad1;
};
static_assert(sizeof(MachphysMfnList) == 24);
static_assert(offsetof(MachphysMfnList, max_extents) == 0);
static_assert(offsetof(MachphysMfnList, extent_start) == 8);
static_assert(offsetof(MachphysMfnList, nr_extents) == 16);

// Where the read-only M2P table is mapped in the guest.
struct MachphysMapping {
    uint64_t v_start;
    uint64_t v_end;
    uint64_t max_mfn; // highest machine frame it covers
};
static_assert(sizeof(MachphysMapping) == 24);
static_assert(offsetof(MachphysMapping, v_start) == 0);
static_assert(offsetof(MachphysMapping, v_end) == 8);
static_assert(offsetof(MachphysMapping, max_mfn) == 16);

enum class MapSpace : uint32_t {
    shared_info = 0,
    grant_table = 1, // idx | k_mapidx_grant_table_status selects a status frame
    gmfn = 2,
    gmfn_range = 3,   // add_to_physmap only
    gmfn_foreign = 4, // add_to_physmap_batch only
    dev_mmio = 5,     // ARM only
};
inline constexpr uint64_t k_mapidx_grant_table_status = 0x8000'0000;

struct AddToPhysmap {
    DomainId domid;
    uint16_t size;  // pages, for MapSpace::gmfn_range
    uint32_t space; // MapSpace
    uint64_t idx;   // index within the space
    Pfn gpfn;       // where it appears in domid's physical space
};
static_assert(sizeof(AddToPhysmap) == 24);
static_assert(offsetof(AddToPhysmap, domid) == 0);
static_assert(offsetof(AddToPhysmap, size) == 2);
static_assert(offsetof(AddToPhysmap, space) == 4);
static_assert(offsetof(AddToPhysmap, idx) == 8);
static_assert(offsetof(AddToPhysmap, gpfn) == 16);

struct AddToPhysmapBatch {
    DomainId domid;
    uint16_t space;         // MapSpace
    uint16_t size;          // entries in the three arrays
    DomainId foreign_domid; // MapSpace::gmfn_foreign only, else 0
    GuestPtr<uint64_t> idxs;
    GuestPtr<Pfn> gpfns;
    GuestPtr<int32_t> errs; // out: per-entry result
};
static_assert(sizeof(AddToPhysmapBatch) == 32);
static_assert(offsetof(AddToPhysmapBatch, domid) == 0);
static_assert(offsetof(AddToPhysmapBatch, space) == 2);
static_assert(offsetof(AddToPhysmapBatch, size) == 4);
static_assert(offsetof(AddToPhysmapBatch, foreign_domid) == 6);
static_assert(offsetof(AddToPhysmapBatch, idxs) == 8);
static_assert(offsetof(AddToPhysmapBatch, gpfns) == 16);
static_assert(offsetof(AddToPhysmapBatch, errs) == 24);

struct RemoveFromPhysmap {
    DomainId domid;
    uint16_t pad[3];
    Pfn gpfn;
};
static_assert(sizeof(RemoveFromPhysmap) == 16);
static_assert(offsetof(RemoveFromPhysmap, domid) == 0);
static_assert(offsetof(RemoveFromPhysmap, gpfn) == 8);

// A buffer of E820Entry. nr_entries: in, capacity; out, entries written.
struct MemoryMap {
    uint32_t nr_entries;
    uint32_t pad;
    GuestPtr<void> buffer;
};
static_assert(sizeof(MemoryMap) == 16);
static_assert(offsetof(MemoryMap, nr_entries) == 0);
static_assert(offsetof(MemoryMap, buffer) == 8);

struct ForeignMemoryMap {
    DomainId domid;
    uint16_t pad[3];
    MemoryMap map;
};
static_assert(sizeof(ForeignMemoryMap) == 24);
static_assert(offsetof(ForeignMemoryMap, domid) == 0);
static_assert(offsetof(ForeignMemoryMap, map) == 8);

// One entry of a memory map, in the BIOS INT 15h/E820 format: 20 bytes,
// packed.
enum class E820Type : uint32_t {
    ram = 1,
    reserved = 2,
    acpi = 3,
    nvs = 4,
    unusable = 5,
    disabled = 6,
    pmem = 7,
};

struct [[gnu::packed]] E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type; // E820Type
};
static_assert(sizeof(E820Entry) == 20);
static_assert(offsetof(E820Entry, addr) == 0);
static_assert(offsetof(E820Entry, size) == 8);
static_assert(offsetof(E820Entry, type) == 16);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_MEMORY_HPP
