#include "core/builder/pv_builder.hpp"

#include "include/public/hypercall.hpp"
#include "include/public/start_info.hpp"

namespace pv::builder {

namespace {

constexpr uint64_t k_page = k_layout_page_size;
// x86-64 page-table entry bits (SDM Vol. 3 §5.5): a PV guest's bootstrap
// mappings are present, user (the guest kernel runs in ring 3), writable
// unless they map a page table, accessed and (for leaves) dirty, as Xen
// sets them up.
constexpr uint64_t k_present = 1, k_writable = 2, k_user = 4, k_accessed = 0x20, k_dirty = 0x40;
constexpr uint64_t k_table_entry = k_present | k_writable | k_user | k_accessed;
constexpr uint64_t k_leaf_entry = k_present | k_writable | k_user | k_accessed | k_dirty;
constexpr uint64_t k_address_mask = 0x000ffffffffff000ull;

void copy_bytes(uint8_t* dst, const void* src, size_t n) {
    auto* s = static_cast<const uint8_t*>(src);
    for (size_t i = 0; i < n; ++i) dst[i] = s[i];
}
void zero_bytes(uint8_t* dst, size_t n) {
    for (size_t i = 0; i < n; ++i) dst[i] = 0;
}

// Page-table frames are handed out in order from the layout's ranges.
struct TablePool {
    uint64_t next = 0, end = 0;
    bool take(uint64_t& pfn) {
        if (next >= end) return false;
        pfn = next++;
        return true;
    }
};

class PageTableWriter {
public:
    PageTableWriter(DomainMemory& memory, uint64_t l4_pfn, const TablePool* pools, size_t pool_count)
        : memory_(memory), l4_pfn_(l4_pfn), pools_(pools), pool_count_(pool_count) {}

    Status map(uint64_t va, uint64_t target_mfn, TablePool& pool, BuildError* error) {
        uint64_t table_pfn = l4_pfn_;
        for (int level = 4; level > 1; --level) {
            auto* table = reinterpret_cast<uint64_t*>(memory_.map(table_pfn));
            uint64_t& e = table[(va >> (12 + 9 * (level - 1))) & 511];
            if (e & k_present) {
                if (!table_pfn_for(e & k_address_mask, table_pfn))
                    return fail(error, Errno::einval, "builder: page-table entry points outside the tables");
                continue;
            }
            uint64_t fresh = 0;
            if (!pool.take(fresh)) return fail(error, Errno::enomem, "builder: ran out of bootstrap page-table frames");
            zero_bytes(memory_.map(fresh), k_page);
            e = (memory_.mfn_of(fresh) << 12) | k_table_entry;
            table_pfn = fresh;
        }
        auto* l1 = reinterpret_cast<uint64_t*>(memory_.map(table_pfn));
        l1[(va >> 12) & 511] = (target_mfn << 12) | k_leaf_entry;
        return Status::ok();
    }

private:
    // The pfn of a table frame from its machine address (tables are few).
    bool table_pfn_for(uint64_t maddr, uint64_t& pfn) const {
        if (memory_.mfn_of(l4_pfn_) << 12 == maddr) {
            pfn = l4_pfn_;
            return true;
        }
        for (size_t p = 0; p < pool_count_; ++p)
            for (uint64_t candidate = first_[p]; candidate < pools_[p].end; ++candidate)
                if (memory_.mfn_of(candidate) << 12 == maddr) {
                    pfn = candidate;
                    return true;
                }
        return false;
    }

public:
    uint64_t first_[2] = {};

private:
    DomainMemory& memory_;
    uint64_t l4_pfn_;
    const TablePool* pools_;
    size_t pool_count_;
};

class GuestLoadSink final : public ElfLoadSink {
public:
    GuestLoadSink(DomainMemory& memory, const PvLayout& layout) : memory_(memory), layout_(layout) {}
    Status copy(uint64_t offset, const uint8_t* bytes, uint64_t length) override {
        return each_page(offset, length, [&](uint8_t* dst, uint64_t done, uint64_t n) { copy_bytes(dst, bytes + done, n); });
    }
    Status zero(uint64_t offset, uint64_t length) override {
        return each_page(offset, length, [&](uint8_t* dst, uint64_t, uint64_t n) { zero_bytes(dst, n); });
    }

private:
    template <typename Fn> Status each_page(uint64_t offset, uint64_t length, Fn fn) {
        uint64_t done = 0;
        while (done < length) {
            uint64_t va = layout_.kernel_start + offset + done;
            if (va < layout_.kernel_start || va >= layout_.kernel_end) return Errno::einval;
            uint64_t pfn = layout_.pfn_of(va);
            if (pfn >= memory_.nr_pages()) return Errno::einval;
            uint64_t in_page = va & (k_page - 1);
            uint64_t n = k_page - in_page;
            if (n > length - done) n = length - done;
            fn(memory_.map(pfn) + in_page, done, n);
            done += n;
        }
        return Status::ok();
    }
    DomainMemory& memory_;
    const PvLayout& layout_;
};

void fill_hypercall_page(uint8_t* page) {
    for (uint64_t i = 0; i < k_page; ++i) page[i] = abi::k_hypercall_page_filler;
    for (uint32_t n = 0; n < abi::k_hypercall_page_stubs; ++n) {
        uint8_t* stub = page + n * abi::k_hypercall_page_stub_size;
        if (n == static_cast<uint32_t>(abi::Hypercall::iret)) {
            copy_bytes(stub, abi::k_pv_hypercall_iret_stub, sizeof(abi::k_pv_hypercall_iret_stub));
            continue;
        }
        copy_bytes(stub, abi::k_pv_hypercall_stub, sizeof(abi::k_pv_hypercall_stub));
        copy_bytes(stub + abi::k_pv_hypercall_stub_number_offset, &n, sizeof(n));
    }
}

// Writes `bytes` at guest-virtual `va` inside the mapping.
Status write_virtual(DomainMemory& memory, const PvLayout& layout, uint64_t va, const void* data, uint64_t bytes) {
    auto* src = static_cast<const uint8_t*>(data);
    for (uint64_t done = 0; done < bytes;) {
        uint64_t pfn = layout.pfn_of(va + done);
        if (pfn >= memory.nr_pages()) return Errno::einval;
        uint64_t in_page = (va + done) & (k_page - 1);
        uint64_t n = k_page - in_page;
        if (n > bytes - done) n = bytes - done;
        copy_bytes(memory.map(pfn) + in_page, src + done, n);
        done += n;
    }
    return Status::ok();
}

Status write_pfns(DomainMemory& memory, uint64_t first_pfn, const uint8_t* data, uint64_t bytes) {
    for (uint64_t done = 0; done < bytes; done += k_page) {
        if (first_pfn + done / k_page >= memory.nr_pages()) return Errno::einval;
        uint64_t n = bytes - done < k_page ? bytes - done : k_page;
        copy_bytes(memory.map(first_pfn + done / k_page), data + done, n);
    }
    return Status::ok();
}

} // namespace

Result<PvBuildResult> build_pv_domain(DomainMemory& memory, const PvBuildRequest& request, BuildError* error) {
    PvBuildResult result;
    ElfImage image = TRY(ElfImage::parse(request.kernel, request.kernel_size, error));
    result.guest = TRY(read_xen_guest_info(image, request.policy, error));

    LayoutRequest lr;
    lr.nr_pages = memory.nr_pages();
    lr.module_len = request.module ? request.module_size : 0;
    lr.kind = request.privileged ? DomainKind::boot : DomainKind::guest;
    result.layout = TRY(compute_pv_layout(result.guest, lr, error));
    const PvLayout& layout = result.layout;

    // Page tables: the initial mapping, then (INIT_P2M) the p2m's own range.
    TablePool pools[2];
    pools[0] = {layout.pt_pfn + 1, layout.pt_pfn + layout.nr_pt_frames};
    pools[1] = {layout.first_p2m_pfn + layout.p2m_pages, layout.first_p2m_pfn + layout.nr_p2m_frames};
    zero_bytes(memory.map(layout.pt_pfn), k_page);
    PageTableWriter tables(memory, layout.pt_pfn, pools, layout.p2m_in_mapping ? 1 : 2);
    tables.first_[0] = pools[0].next;
    tables.first_[1] = pools[1].next;
    for (uint64_t pfn = 0; pfn < layout.mapped_pages; ++pfn)
        TRY(tables.map(layout.virt_start + pfn * k_page, memory.mfn_of(pfn), pools[0], error));
    if (!layout.p2m_in_mapping)
        for (uint64_t i = 0; i < layout.p2m_pages; ++i)
            TRY(tables.map(layout.p2m_start + i * k_page, memory.mfn_of(layout.first_p2m_pfn + i), pools[1], error));
    // Page tables are mapped read-only: a PV guest changes them only
    // through the hypervisor (Xen's start-of-day contract).
    auto clear_write = [&](uint64_t first, uint64_t count) -> Status {
        for (uint64_t pfn = first; pfn < first + count; ++pfn) {
            uint64_t va = layout.virt_start + pfn * k_page;
            uint64_t table_pfn = layout.pt_pfn;
            for (int level = 4; level > 1; --level) {
                auto* t = reinterpret_cast<uint64_t*>(memory.map(table_pfn));
                uint64_t e = t[(va >> (12 + 9 * (level - 1))) & 511];
                uint64_t found = ~0ull;
                for (uint64_t c = layout.pt_pfn; c < layout.pt_pfn + layout.nr_pt_frames; ++c)
                    if ((memory.mfn_of(c) << 12) == (e & k_address_mask)) found = c;
                if (found == ~0ull) return fail(error, Errno::einval, "builder: page tables inconsistent");
                table_pfn = found;
            }
            reinterpret_cast<uint64_t*>(memory.map(table_pfn))[(va >> 12) & 511] &= ~k_writable;
        }
        return Status::ok();
    };
    TRY(clear_write(layout.pt_pfn, layout.nr_pt_frames));
    result.pt_first_pfn = layout.pt_pfn;
    result.pt_count = layout.nr_pt_frames;

    // The kernel, its hypercall page, the initrd.
    GuestLoadSink sink(memory, layout);
    if (!image.load(sink)) return fail(error, Errno::einval, "builder: kernel segments do not fit the layout");
    if (layout.has_hypercall_page) fill_hypercall_page(memory.map(layout.pfn_of(layout.hypercall_page)));
    if (lr.module_len) {
        Status s = layout.module_by_pfn ? write_pfns(memory, layout.module_pfn, request.module, request.module_size)
                                        : write_virtual(memory, layout, layout.module_start, request.module, request.module_size);
        if (!s) return fail(error, Errno::einval, "builder: initrd does not fit the layout");
    }

    // The p2m list: pfn -> mfn for every page of the domain.
    for (uint64_t pfn = 0; pfn < memory.nr_pages(); ++pfn) {
        uint64_t mfn = memory.mfn_of(pfn);
        uint64_t va = layout.p2m_start + pfn * 8;
        if (layout.p2m_in_mapping) {
            TRY(write_virtual(memory, layout, va, &mfn, 8));
        } else {
            uint64_t page = layout.first_p2m_pfn + pfn * 8 / k_page;
            copy_bytes(memory.map(page) + (pfn * 8) % k_page, &mfn, 8);
        }
    }

    // start_info.
    abi::StartInfo si{};
    copy_bytes(reinterpret_cast<uint8_t*>(si.magic), abi::k_start_info_magic, sizeof(abi::k_start_info_magic));
    si.nr_pages = memory.nr_pages();
    si.shared_info = request.shared_info_maddr;
    si.flags = layout.start_info_flags() | (request.privileged ? abi::k_sif_privileged | abi::k_sif_initdomain : 0);
    si.pt_base = layout.pt_base;
    si.nr_pt_frames = layout.nr_pt_frames;
    si.mfn_list = layout.p2m_start;
    si.mod_start = lr.module_len ? layout.start_info_mod_start() : 0;
    si.mod_len = lr.module_len;
    for (size_t i = 0; request.cmdline && request.cmdline[i] && i + 1 < sizeof(si.cmd_line); ++i) si.cmd_line[i] = request.cmdline[i];
    si.first_p2m_pfn = layout.first_p2m_pfn;
    si.nr_p2m_frames = layout.nr_p2m_frames;
    if (!request.privileged) {
        // A DomU's rings start empty (both indexes 0; connection 0 reads as
        // connected in Xen's xencons_interface).
        zero_bytes(memory.map(layout.console_pfn), k_page);
        zero_bytes(memory.map(layout.xenstore_pfn), k_page);
        result.console_pfn = layout.console_pfn;
        result.console_mfn = memory.mfn_of(layout.console_pfn);
        result.store_pfn = layout.xenstore_pfn;
        result.store_mfn = request.store_evtchn ? memory.mfn_of(layout.xenstore_pfn) : 0;
        si.console.domu.mfn = result.console_mfn;
        si.console.domu.evtchn = request.console_evtchn;
        si.store_mfn = result.store_mfn;
        si.store_evtchn = request.store_evtchn;
    }
    TRY(write_virtual(memory, layout, layout.start_info, &si, sizeof(si)));

    result.l4_maddr = memory.mfn_of(layout.pt_pfn) << 12;
    result.entry = layout.entry;
    result.stack_pointer = layout.stack_end;
    result.start_info = layout.start_info;
    return result;
}

} // namespace pv::builder
