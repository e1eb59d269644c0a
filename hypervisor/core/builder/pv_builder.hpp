// The PV domain builder: lays out and fills a PV domain's start-of-day
// memory exactly as Xen does for an x86-64 PV kernel (kernel, p2m list,
// start_info, bootstrap page tables, stack; see pv_layout.hpp), through a
// narrow memory interface. The hypervisor builds the boot domain with it
// over its direct map; the toolstack will build DomUs with the same code
// over foreign mappings (one builder, two callers).
#pragma once

#include "core/builder/build_error.hpp"
#include "core/builder/elf_image.hpp"
#include "core/builder/pv_layout.hpp"
#include "core/builder/xen_notes.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::builder {

// The new domain's memory, by guest frame number.
class DomainMemory {
public:
    virtual uint64_t nr_pages() const = 0;
    virtual uint64_t mfn_of(uint64_t pfn) const = 0; // pfn < nr_pages()
    // A writable view of one page of the domain (4 KiB).
    virtual uint8_t* map(uint64_t pfn) = 0;

protected:
    ~DomainMemory() = default;
};

struct PvBuildRequest {
    const uint8_t* kernel = nullptr;
    size_t kernel_size = 0;
    const uint8_t* module = nullptr; // initrd, may be null
    size_t module_size = 0;
    const char* cmdline = "";
    bool privileged = false;       // SIF_PRIVILEGED | SIF_INITDOMAIN
    uint64_t shared_info_maddr = 0; // machine address of the domain's shared_info
    // DomU only (not privileged): the layout puts a xenstore page and a
    // console ring page after start_info (as libxenguest does); the builder
    // zeroes both and announces the console ring in start_info.console.domU
    // with this event channel (the port in the new domain). A store_evtchn
    // of 0 means no xenstore: start_info.store_mfn stays 0 too.
    uint32_t console_evtchn = 0;
    uint32_t store_evtchn = 0;
    GuestPolicy policy;
};

// What the caller needs to start the first vCPU and to finish the page
// tables (the hypervisor's own L4 slots are the hypervisor's business).
struct PvBuildResult {
    PvLayout layout;
    uint64_t l4_maddr = 0;      // CR3 of the first vCPU
    uint64_t entry = 0;         // RIP
    uint64_t stack_pointer = 0; // RSP
    uint64_t start_info = 0;    // RSI
    uint64_t pt_first_pfn = 0;  // page-table frames: [first, first + count)
    uint64_t pt_count = 0;
    // DomU only: the rings' frames (what start_info announces).
    uint64_t console_pfn = 0;
    uint64_t console_mfn = 0;
    uint64_t store_pfn = 0;
    uint64_t store_mfn = 0; // 0 when store_evtchn was 0
    XenGuestInfo guest;
};

Result<PvBuildResult> build_pv_domain(DomainMemory& memory, const PvBuildRequest& request,
                                      BuildError* error = nullptr);

} // namespace pv::builder
