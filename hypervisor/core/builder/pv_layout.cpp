#include "core/builder/pv_layout.hpp"

#include "include/public/start_info.hpp"

namespace pv::builder {

namespace {

constexpr uint64_t k_page = k_layout_page_size;
constexpr uint64_t k_p2m_entry_size = 8; // one unsigned long per pfn

// Address bits translated by one entry at each level (SDM Vol. 3A §4.5).
constexpr unsigned k_l4_entry_shift = 39; // an L4 entry spans 512 GiB: one L3 table
constexpr unsigned k_l3_entry_shift = 30; // an L3 entry spans 1 GiB: one L2 table
constexpr unsigned k_l2_entry_shift = 21; // an L2 entry spans 2 MiB: one L1 table

constexpr const char* k_wraps = "initial mapping wraps past the top of the address space";

bool round_up(uint64_t value, uint64_t alignment, uint64_t& out) {
    uint64_t sum;
    if (__builtin_add_overflow(value, alignment - 1, &sum)) return false;
    out = sum & ~(alignment - 1);
    return true;
}

uint64_t pages_for(uint64_t bytes) {
    return bytes / k_page + (bytes % k_page != 0);
}

// address + pages * 4 KiB, or false when that passes 2^64.
bool advance(uint64_t address, uint64_t pages, uint64_t& out) {
    uint64_t bytes;
    return !__builtin_mul_overflow(pages, k_page, &bytes) &&
           !__builtin_add_overflow(address, bytes, &out);
}

// Tables at one level needed to map [lo, hi) (hi > lo) when each table
// covers 2^shift bytes: Xen's NR(lo, hi, shift).
uint64_t tables_for(uint64_t lo, uint64_t hi, unsigned shift) {
    return ((hi - 1) >> shift) - (lo >> shift) + 1;
}

PageTableCounts tables_for_mapping(uint64_t lo, uint64_t hi) {
    PageTableCounts t;
    t.l4 = 1;
    t.l3 = tables_for(lo, hi, k_l4_entry_shift);
    t.l2 = tables_for(lo, hi, k_l3_entry_shift);
    t.l1 = tables_for(lo, hi, k_l2_entry_shift);
    return t;
}

// Tables of one level that [lo, hi) needs and [in_lo, in_hi) does not
// already have (both non-empty).
uint64_t extra_tables(uint64_t lo, uint64_t hi, uint64_t in_lo, uint64_t in_hi, unsigned shift) {
    const uint64_t first = lo >> shift, last = (hi - 1) >> shift;
    const uint64_t have_first = in_lo >> shift, have_last = (in_hi - 1) >> shift;
    const uint64_t shared_first = first > have_first ? first : have_first;
    const uint64_t shared_last = last < have_last ? last : have_last;
    const uint64_t shared = shared_first <= shared_last ? shared_last - shared_first + 1 : 0;
    return last - first + 1 - shared;
}

// The end of the mapping once `nr_pt` table pages and the stack follow
// pt_start: rounded to 4 MiB with at least 512 KiB to spare.
bool mapping_end(uint64_t pt_start, uint64_t nr_pt, uint64_t& stack_start, uint64_t& v_end) {
    uint64_t stack_end;
    if (!advance(pt_start, nr_pt, stack_start) || !advance(stack_start, 1, stack_end)) return false;
    if (!round_up(stack_end, k_mapping_alignment, v_end)) return false;
    if (v_end - stack_end < k_min_padding &&
        __builtin_add_overflow(v_end, k_mapping_alignment, &v_end))
        return false;
    return v_end != 0; // ending exactly at 2^64 wraps to 0
}

// [start, end) must lie in one canonical half and miss the hypervisor's range.
Status check_range(uint64_t start, uint64_t end, const char* not_canonical, const char* in_hole,
                   BuildError* error) {
    if (!(end <= k_lower_half_end || start >= k_upper_half_start))
        return fail(error, Errno::einval, not_canonical);
    if (start < k_hypervisor_hole_end && end > k_hypervisor_hole_start)
        return fail(error, Errno::einval, in_hole);
    return Status::ok();
}

// Places the page tables, stack and padding after `pt_start`.
Status place_page_tables(PvLayout& l, uint64_t pt_start, BuildError* error) {
    // need(n) grows with n, so any n below need(n) is no solution and the
    // search can jump there: the result is Xen's smallest n >= 2.
    uint64_t nr_pt = 2, stack_start = 0, v_end = 0;
    for (;;) {
        if (!mapping_end(pt_start, nr_pt, stack_start, v_end))
            return fail(error, Errno::einval, k_wraps);
        const uint64_t need = tables_for_mapping(l.virt_start, v_end).total();
        if (need <= nr_pt) break;
        nr_pt = need;
    }
    l.pt_base = pt_start;
    l.nr_pt_frames = nr_pt;
    l.tables = tables_for_mapping(l.virt_start, v_end);
    l.stack_start = stack_start;
    l.stack_end = stack_start + k_page;
    l.virt_end = v_end;
    l.mapped_pages = (v_end - l.virt_start) / k_page;
    return Status::ok();
}

// INIT_P2M: the list at its own address, on frames after the mapping.
Status place_p2m_outside(PvLayout& l, uint64_t base, uint64_t bytes, BuildError* error) {
    l.p2m_start = base;
    if (__builtin_add_overflow(base, bytes, &l.p2m_end) || l.p2m_end == 0)
        return fail(error, Errno::einval, "INIT_P2M area wraps past the top of the address space");
    TRY(check_range(l.p2m_start, l.p2m_end, "INIT_P2M area is not canonical",
                    "INIT_P2M area overlaps the hypervisor's reserved range", error));
    if (l.p2m_start < l.virt_end && l.virt_start < l.p2m_end)
        return fail(error, Errno::einval, "INIT_P2M area overlaps the initial mapping");
    l.p2m_table_pages =
        extra_tables(l.p2m_start, l.p2m_end, l.virt_start, l.virt_end, k_l4_entry_shift) +
        extra_tables(l.p2m_start, l.p2m_end, l.virt_start, l.virt_end, k_l3_entry_shift) +
        extra_tables(l.p2m_start, l.p2m_end, l.virt_start, l.virt_end, k_l2_entry_shift);
    l.first_p2m_pfn = l.mapped_pages + (l.module_by_pfn ? l.module_pages : 0);
    l.nr_p2m_frames = l.p2m_pages + l.p2m_table_pages;
    return Status::ok();
}

} // namespace

uint32_t PvLayout::start_info_flags() const {
    return module_by_pfn ? abi::k_sif_mod_start_pfn : 0;
}

Result<PvLayout> compute_pv_layout(const XenGuestInfo& info, const LayoutRequest& request,
                                   BuildError* error) {
    if (!info.checked)
        return fail(error, Errno::einval, "kernel notes were not checked before the layout");
    PvLayout l;
    l.nr_pages = request.nr_pages;
    l.virt_start = info.has_virt_base ? info.virt_base : 0;
    if (l.virt_start % k_page != 0)
        return fail(error, Errno::einval, "VIRT_BASE is not page aligned");
    l.kernel_start = info.virt_kstart;
    l.kernel_end = info.virt_kend;
    l.entry = info.virt_entry;

    if (request.nr_pages > ~uint64_t{0} / k_p2m_entry_size)
        return fail(error, Errno::einval, "too many pages for a p2m list");
    const uint64_t p2m_bytes = request.nr_pages * k_p2m_entry_size;
    l.p2m_pages = pages_for(p2m_bytes);
    const bool p2m_outside = info.has_init_p2m && info.init_p2m % k_page == 0;
    l.p2m_in_mapping = !p2m_outside;

    // Kernel, then the initrd (if mapped), then the p2m list (if inside).
    uint64_t next;
    if (!round_up(l.kernel_end, k_page, next)) return fail(error, Errno::einval, k_wraps);
    l.module_len = request.module_len;
    l.module_pages = pages_for(request.module_len);
    l.module_by_pfn = request.module_len != 0 && info.unmapped_initrd;
    if (request.module_len != 0 && !l.module_by_pfn) {
        l.module_start = next;
        if (!advance(next, l.module_pages, next)) return fail(error, Errno::einval, k_wraps);
    }
    if (l.p2m_in_mapping) {
        l.p2m_start = next;
        if (!advance(next, l.p2m_pages, next)) return fail(error, Errno::einval, k_wraps);
        l.p2m_end = l.p2m_start + p2m_bytes;
    }

    // start_info (Dom0: with the console info behind it), DomU's two pages.
    l.start_info = next;
    const uint64_t start_info_bytes =
        sizeof(abi::StartInfo) +
        (request.kind == DomainKind::boot ? sizeof(abi::Dom0VgaConsoleInfo) : 0);
    uint64_t special_pages = pages_for(start_info_bytes);
    if (request.kind == DomainKind::guest) {
        l.xenstore = l.start_info + special_pages * k_page;
        l.console = l.xenstore + k_page;
        special_pages += 2;
    }
    if (!advance(next, special_pages, next)) return fail(error, Errno::einval, k_wraps);

    TRY(place_page_tables(l, next, error));
    TRY(check_range(l.virt_start, l.virt_end, "initial mapping is not canonical (VIRT_BASE)",
                    "initial mapping overlaps the hypervisor's reserved range", error));

    if (info.has_hypercall_page) {
        l.has_hypercall_page = true;
        l.hypercall_page = info.hypercall_page;
        if (l.hypercall_page < l.virt_start || l.hypercall_page > l.virt_end - k_page)
            return fail(error, Errno::einval, "HYPERCALL_PAGE outside the initial mapping");
    }

    l.start_info_pfn = l.pfn_of(l.start_info);
    if (request.kind == DomainKind::guest) {
        l.xenstore_pfn = l.pfn_of(l.xenstore);
        l.console_pfn = l.pfn_of(l.console);
    }
    l.pt_pfn = l.pfn_of(l.pt_base);
    l.stack_pfn = l.pfn_of(l.stack_start);
    if (l.module_by_pfn)
        l.module_pfn = l.mapped_pages;
    else if (l.module_len != 0)
        l.module_pfn = l.pfn_of(l.module_start);

    if (p2m_outside && p2m_bytes != 0)
        TRY(place_p2m_outside(l, info.init_p2m, p2m_bytes, error));
    else if (p2m_outside)
        l.p2m_start = l.p2m_end = info.init_p2m;

    l.pages_needed = l.mapped_pages + (l.module_by_pfn ? l.module_pages : 0) + l.nr_p2m_frames;
    if (request.nr_pages < l.pages_needed)
        return fail_counting(error, Errno::enomem, "not enough memory: {} pages needed",
                             l.pages_needed);
    return l;
}

} // namespace pv::builder
