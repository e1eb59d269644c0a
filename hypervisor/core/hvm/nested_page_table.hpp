// Nested page tables: the second translation, guest-physical to host-physical,
// that a hardware container's CPU walks after the guest's own tables. AMD's
// NPT uses the long-mode page-table format (APM Vol. 2 §15.25.5) and Intel's
// EPT its own bits in the same four-level, 512-entry shape (SDM Vol. 3
// §29.3.2), so one builder serves both; the vendor supplies the entry bits.
// Tables are whole frames from a TableFrames source, so the hypervisor hands
// out machine frames and the unit tests hand out host buffers.
#pragma once

#include "lib/status.hpp"

#include <cstdint>

namespace pv::nested {

class TableFrames {
public:
    // A zeroed, page-aligned table frame; its physical address.
    virtual Result<uint64_t> alloc_table() = 0;
    virtual void free_table(uint64_t phys) = 0;
    // Where the table at `phys` can be read and written.
    virtual uint64_t* table(uint64_t phys) = 0;

protected:
    ~TableFrames() = default;
};

struct NestedEntryFormat {
    uint64_t present_mask; // an entry is present if any of these bits is set
    uint64_t table_bits;   // bits of an entry that points at the next table
    uint64_t leaf_bits;    // bits of an entry that maps a 4 KiB frame
};

// AMD NPT: present, writable and user in every entry, because every nested
// walk is a user access (APM Vol. 2 §15.25.5).
inline constexpr NestedEntryFormat k_npt_format{1, 0x7, 0x7};

// Intel EPT: an entry is present if any of read, write, execute (bits 2:0)
// is set; tables grant all three, leaves too plus the memory type in bits
// 5:3, write-back (6), the guest's PAT still applying (SDM Vol. 3 §29.3.2,
// §29.3.7).
inline constexpr NestedEntryFormat k_ept_format{0x7, 0x7, 0x7 | (6u << 3)};

class NestedPageTable {
public:
    static constexpr uint64_t k_page_size = 4096;
    static constexpr uint64_t k_address_mask = 0x000ffffffffff000ull;
    static constexpr uint64_t k_guest_physical_limit = 1ull << 48;

    NestedPageTable() = default;
    NestedPageTable(const NestedPageTable&) = delete;
    NestedPageTable& operator=(const NestedPageTable&) = delete;

    // Allocates the root. EBUSY if already set up, ENOMEM without frames.
    Status init(TableFrames& frames, const NestedEntryFormat& format);
    // Maps the 4 KiB guest frame at `guest_physical` to `host_physical`.
    // EINVAL: unaligned or beyond 48 bits; EEXIST: already mapped (nothing
    // changes); ENOMEM: no frame for a table (tables made so far stay).
    Status map(uint64_t guest_physical, uint64_t host_physical);
    // Maps `guest_physical` to `host_physical` whether or not it was mapped
    // before (a frame moved into place: add_to_physmap). Errors as map().
    // The caller flushes the guest's TLB where the old translation may live.
    Status remap(uint64_t guest_physical, uint64_t host_physical);
    // Removes the mapping of `guest_physical`; ENOENT if there was none.
    // Table frames stay (they go at destroy()).
    Status unmap(uint64_t guest_physical);
    // The host-physical address of `guest_physical`; ENOENT if unmapped.
    Result<uint64_t> translate(uint64_t guest_physical) const;
    // Frees every table frame (not the mapped frames). Safe to call twice.
    void destroy();

    bool ready() const { return root_ != 0; }
    uint64_t root() const { return root_; } // the nCR3 / EPTP address
    uint64_t table_count() const { return tables_; }

private:
    static unsigned index(uint64_t guest_physical, int level) {
        return static_cast<unsigned>((guest_physical >> (12 + 9 * level)) & 511);
    }
    bool present(uint64_t entry) const { return (entry & format_.present_mask) != 0; }
    void free_level(uint64_t table_phys, int level);
    // The leaf entry for `guest_physical`, making the tables on the way
    // when `make` (else null where one is missing).
    Result<uint64_t*> leaf(uint64_t guest_physical, uint64_t host_physical, bool make);

    TableFrames* frames_ = nullptr;
    NestedEntryFormat format_{};
    uint64_t root_ = 0;
    uint64_t tables_ = 0;
};

} // namespace pv::nested
