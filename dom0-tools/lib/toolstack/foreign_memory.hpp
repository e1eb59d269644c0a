// The builder's view of a DomU under construction (builder::DomainMemory)
// over ControlPlane::map_foreign. The builder holds at most two page
// pointers at once (a page table and the table it is filling), so a few
// mappings, reused least-recently-used first, are enough; more slots just
// save hypercalls. Every mapping must go before the domain's page tables are
// validated (set_vcpu_context): release() does that.
//
// ForeignPhysicalMemory is the PVH builder's view of the same mappings
// (builder::GuestPhysicalMemory): guest-physical address -> gfn -> the
// frame populate returned for it -> a foreign mapping.
#pragma once

#include "core/builder/pv_builder.hpp"
#include "core/builder/pvh_builder.hpp"
#include "dom0-tools/lib/toolstack/control_plane.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

class ForeignMemory final : public builder::DomainMemory {
public:
    static constexpr size_t k_slots = 8;

    // `mfns` holds the frame of each of the `nr_pages` pfns; `spare_page`
    // (4 KiB) stands in for a page that could not be mapped.
    ForeignMemory(ControlPlane& hv, uint16_t domid, const uint64_t* mfns, uint64_t nr_pages,
                  uint8_t* spare_page)
        : hv_(hv), domid_(domid), mfns_(mfns), nr_pages_(nr_pages), spare_page_(spare_page) {}
    ~ForeignMemory() { release(); }
    ForeignMemory(const ForeignMemory&) = delete;
    ForeignMemory& operator=(const ForeignMemory&) = delete;

    uint64_t nr_pages() const override { return nr_pages_; }
    uint64_t mfn_of(uint64_t pfn) const override { return mfns_[pfn]; }
    // DomainMemory::map cannot fail, so a mapping that fails returns the
    // spare page and is remembered: the caller checks status() after the
    // build and throws the domain away.
    uint8_t* map(uint64_t pfn) override;

    void release();
    Status status() const { return status_; }
    size_t mapped() const;

private:
    struct Slot {
        uint8_t* page = nullptr;
        uint64_t pfn = 0;
        uint64_t last_use = 0;
    };

    ControlPlane& hv_;
    uint16_t domid_;
    const uint64_t* mfns_;
    uint64_t nr_pages_;
    uint8_t* spare_page_;
    Slot slots_[k_slots];
    uint64_t clock_ = 0;
    Status status_;
};

class ForeignPhysicalMemory final : public builder::GuestPhysicalMemory {
public:
    // `memory`'s pfns are the domain's gfns (a PVH domain's RAM is gfns
    // [0, nr_pages)).
    explicit ForeignPhysicalMemory(ForeignMemory& memory) : memory_(memory) {}

    // EINVAL when [gpa, gpa + len) leaves the domain's RAM; the mapping's
    // error when a page cannot be mapped. Either way nothing past the
    // failing page is written.
    Status write(uint64_t gpa, const void* src, size_t len) override;
    Status fill(uint64_t gpa, uint8_t byte, size_t len) override;

private:
    // Runs `each(page + offset, n)` over the pages [gpa, gpa + len) touches.
    template <typename Each> Status for_each_chunk(uint64_t gpa, size_t len, Each each);

    ForeignMemory& memory_;
};

} // namespace pv::tools
