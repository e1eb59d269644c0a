// The PV MMU from inside the guest, as Xen defines it (xen/arch/x86/mm.c,
// pv/ro-page-fault.c, common/memory.c):
//   * the machine-to-phys table and the memory_op queries;
//   * a scratch L1 table hooked into the bootstrap L2 above the bootstrap
//     mapping: updates through mmu_update and update_va_mapping, and the
//     ones the hypervisor must refuse, each with Xen's errno, with the
//     hypervisor and our mappings intact afterwards;
//   * writable page tables: stores to the read-only scratch L1 through each
//     instruction form, validated and emulated, and the invalid ones
//     bounced back as #PF;
//   * a user process with its own L4/L3/L2/L1 for the lower half;
//   * decrease_reservation / populate_physmap of one page, round trip.
#include "test/groups.hpp"
#include "test/pv_test.hpp"
#include "test/user_pt_layout.h"

extern "C" {
extern const char user_pt_programs[], user_pt_programs_end[];
extern const char user_pt_main[], user_pt_peek_kernel[], user_pt_write_code[];
}

namespace minios::test {
namespace {

using abi::Errno;
using abi::MmuextCmd;

constexpr uint64_t k_magic_a = 0xa1a1'a1a1'0000'0001;
constexpr uint64_t k_magic_b = 0xb2b2'b2b2'0000'0002;
// The scratch L1 maps the 2 MiB right after the bootstrap mapping (bootstrap
// L2 slot 2: VIRT_BASE + 4 MiB).
constexpr unsigned k_window_l2_slot = 2;
constexpr uint64_t k_window = k_virt_base + k_window_l2_slot * (uint64_t{1} << 21);
constexpr uint64_t k_pf_present = 1, k_pf_write = 2, k_pf_user = 4;

uint64_t window_va(unsigned slot) {
    return k_window + slot * k_page_size;
}

// What the group shares between its parts.
struct Mmu {
    Kernel& k;
    Checker& c;
    const BootInfo& boot;
    uint64_t m2p_entries = 0; // machphys_mapping max_mfn + 1
    uint64_t l4_mfn = 0;
    volatile uint64_t* l4 = nullptr; // the bootstrap tables, mapped read-only
    uint64_t l2_mfn = 0;
    volatile uint64_t* l2 = nullptr;
    uint64_t foreign_mfn = 0; // a RAM frame that is not ours (0: none found)

    // The scratch L1 and two data pages it maps.
    uint64_t* scratch = nullptr;
    uint64_t scratch_mfn = 0;
    uint64_t* page_a = nullptr;
    uint64_t* page_b = nullptr;
    uint64_t mfn_a = 0, mfn_b = 0;
    bool hooked = false;

    Mmu(Kernel& kernel, Checker& checker) : k(kernel), c(checker), boot(kernel.boot) {}

    uint64_t mfn(const void* page) const { return k.pages.mfn_of(page); }
    bool ours(uint64_t frame) const {
        if (frame >= m2p_entries) return false;
        const uint64_t pfn = m2p()[frame];
        return pfn < boot.nr_pages() && boot.p2m[pfn] == frame;
    }
    // The virtual address of one of our frames in the bootstrap mapping.
    uint64_t va_of_mfn(uint64_t frame) const {
        if (!ours(frame)) return 0;
        const uint64_t va = boot.va_of(m2p()[frame]);
        return boot.is_mapped(va, k_page_size) ? va : 0;
    }
    volatile uint64_t* entry(uint64_t* table, unsigned slot) const {
        return reinterpret_cast<volatile uint64_t*>(table) + slot;
    }
};

long update_entry(uint64_t table_mfn, unsigned slot, uint64_t value,
                  abi::MmuUpdateCmd cmd = abi::MmuUpdateCmd::normal_pt_update) {
    abi::MmuUpdate req{(table_mfn << 12) + slot * 8 + abi::raw(cmd), value};
    uint32_t done = 0;
    return hv::mmu_update(&req, 1, &done);
}

long remap(const void* page, uint64_t mfn, uint64_t flags) {
    return hv::update_va_mapping(page_va(page), pte::make(mfn, flags),
                                 abi::k_uvmf_invlpg | abi::k_uvmf_local);
}

long invlpg(uint64_t va) {
    return hv::mmuext(MmuextCmd::invlpg_local, va);
}

uint64_t read_through(uint64_t va) {
    return *reinterpret_cast<volatile uint64_t*>(va);
}

// ---- the machine-to-phys table and memory_op queries -----------------------

void test_memory_queries(Mmu& m) {
    Checker& c = m.c;
    abi::MachphysMapping mapping{};
    c.expect(hv::memory_op(abi::MemoryOp::machphys_mapping, &mapping), 0,
             "memory_op machphys_mapping");
    c.check(mapping.v_start == abi::k_mach2phys_virt_start && mapping.v_end > mapping.v_start,
            "M2P mapped at 0xffff800000000000", "v_start {:#x} v_end {:#x}", mapping.v_start,
            mapping.v_end);
    m.m2p_entries = mapping.max_mfn + 1;
    const uint64_t span = (mapping.v_end - mapping.v_start) / 8;
    if (m.m2p_entries > span) m.m2p_entries = span;

    uint64_t top_mfn = 0;
    for (uint64_t pfn = 0; pfn < m.boot.nr_pages(); ++pfn)
        if (m.boot.p2m[pfn] > top_mfn) top_mfn = m.boot.p2m[pfn];
    c.check(top_mfn < m.m2p_entries, "M2P covers every frame of ours",
            "max_mfn {:#x}, ours up to {:#x}", mapping.max_mfn, top_mfn);
    const long max_ram = hv::memory_op(abi::MemoryOp::maximum_ram_page, nullptr);
    c.check(max_ram > 0 && static_cast<uint64_t>(max_ram) >= top_mfn,
            "memory_op maximum_ram_page covers our frames", "returned {:#x}, ours up to {:#x}",
            max_ram, top_mfn);

    abi::DomainId self = abi::k_domid_self;
    const long current = hv::memory_op(abi::MemoryOp::current_reservation, &self);
    c.check(current == static_cast<long>(m.boot.nr_pages()),
            "memory_op current_reservation is start_info.nr_pages", "returned {}, nr_pages {}",
            current, m.boot.nr_pages());
    const long maximum = hv::memory_op(abi::MemoryOp::maximum_reservation, &self);
    c.check(maximum >= current, "memory_op maximum_reservation >= current", "returned {}", maximum);

    // Every frame of ours maps back to its pfn.
    uint64_t wrong = 0, first_wrong = ~uint64_t{0};
    for (uint64_t pfn = 0; pfn < m.boot.nr_pages(); ++pfn) {
        const uint64_t frame = m.boot.p2m[pfn];
        if (frame >= m.m2p_entries || m2p()[frame] != pfn) {
            if (wrong++ == 0) first_wrong = pfn;
        }
    }
    c.check(wrong == 0, "M2P[p2m[pfn]] == pfn for every page", "{} wrong, first pfn {:#x}", wrong,
            first_wrong);

    // A RAM frame above 1 MiB that is not ours: the hypervisor's or free.
    for (uint64_t frame = 0x100; frame < m.m2p_entries && frame < 0x100 + 0x40000; ++frame) {
        if (!m.ours(frame)) {
            m.foreign_mfn = frame;
            break;
        }
    }
    println("minios-test: frame {:#x} is not ours (M2P entry {:#x})", m.foreign_mfn,
            m.foreign_mfn ? m2p()[m.foreign_mfn] : 0);
}

// Finds the bootstrap L4 and, through the M2P, the L2 that maps VIRT_BASE.
bool find_bootstrap_tables(Mmu& m) {
    const uint64_t l4_va = m.boot.start_info->pt_base;
    m.l4_mfn = m.boot.mfn_of(m.boot.pfn_of(l4_va));
    m.l4 = reinterpret_cast<volatile uint64_t*>(l4_va);
    const uint64_t l3_mfn = pte::mfn_of(m.l4[(k_virt_base >> 39) & 511]);
    const uint64_t l3_va = m.va_of_mfn(l3_mfn);
    if (l3_va == 0) return false;
    const auto* l3 = reinterpret_cast<volatile uint64_t*>(l3_va);
    m.l2_mfn = pte::mfn_of(l3[(k_virt_base >> 30) & 511]);
    const uint64_t l2_va = m.va_of_mfn(m.l2_mfn);
    if (l2_va == 0) return false;
    m.l2 = reinterpret_cast<volatile uint64_t*>(l2_va);
    return true;
}

// Our mappings and the hypervisor still work as before.
void check_intact(Mmu& m, pv::StringView after) {
    if (m.page_a == nullptr || m.page_b == nullptr) return;
    bool ok = hv::xen_version(abi::VersionOp::version) >= 0x30000;
    const uint64_t probe = m.boot.nr_pages() / 2;
    ok = ok && m2p()[m.boot.p2m[probe]] == probe;
    ok = ok && m.page_a[0] == k_magic_a && m.page_b[0] == k_magic_b;
    if (m.hooked) ok = ok && read_through(window_va(0)) == k_magic_a;
    m.c.check(ok, Name("hypervisor and our mappings intact after {}", after));
}

// ---- the scratch L1 -------------------------------------------------------

bool set_up_scratch(Mmu& m) {
    Checker& c = m.c;
    m.scratch = static_cast<uint64_t*>(m.k.pages.alloc());
    m.page_a = static_cast<uint64_t*>(m.k.pages.alloc());
    m.page_b = static_cast<uint64_t*>(m.k.pages.alloc());
    if (m.scratch == nullptr || m.page_a == nullptr || m.page_b == nullptr) {
        c.skip("scratch L1", "no free pages");
        return false;
    }
    m.page_a[0] = k_magic_a;
    m.page_b[0] = k_magic_b;
    m.scratch_mfn = m.mfn(m.scratch);
    m.mfn_a = m.mfn(m.page_a);
    m.mfn_b = m.mfn(m.page_b);

    if (m.l2[k_window_l2_slot] != 0) {
        c.skip("scratch L1", "bootstrap L2 slot 2 is in use");
        return false;
    }
    c.expect(hv::mmuext(MmuextCmd::pin_l1_table, m.scratch_mfn), err(Errno::einval),
             "mmuext pin_l1_table of a page mapped writable (-EINVAL)");
    c.expect(remap(m.scratch, m.scratch_mfn, pte::ro_leaf), 0,
             "update_va_mapping: our mapping of a page read-only");
    c.expect(hv::mmuext(MmuextCmd::pin_l1_table, m.scratch_mfn), 0, "mmuext pin_l1_table");
    c.expect(hv::mmuext(MmuextCmd::pin_l1_table, m.scratch_mfn), err(Errno::einval),
             "mmuext pin_l1_table of a pinned table");
    const long hook =
        update_entry(m.l2_mfn, k_window_l2_slot, pte::make(m.scratch_mfn, pte::table));
    c.expect(hook, 0, "mmu_update: hook the L1 into the bootstrap L2");
    if (hook != 0) return false;
    m.hooked = true;
    c.check(pte::mfn_of(m.l2[k_window_l2_slot]) == m.scratch_mfn, "bootstrap L2 entry reads back",
            "{:#x}", m.l2[k_window_l2_slot]);
    return true;
}

void test_scratch_updates(Mmu& m) {
    Checker& c = m.c;
    c.expect(update_entry(m.scratch_mfn, 0, pte::make(m.mfn_a, pte::ro_leaf)), 0,
             "mmu_update: map a page read-only through our L1");
    invlpg(window_va(0));
    c.check(read_through(window_va(0)) == k_magic_a, "the new mapping reads the page");

    c.expect(hv::update_va_mapping(window_va(1), pte::make(m.mfn_b, pte::rw_leaf),
                                   abi::k_uvmf_invlpg | abi::k_uvmf_local),
             0, "update_va_mapping: map a page writable");
    *reinterpret_cast<volatile uint64_t*>(window_va(1) + 8) = 0x5eed;
    c.check(m.page_b[1] == 0x5eed, "a store through it reaches the page");
    m.page_b[1] = 0;

    // MMU_PT_UPDATE_PRESERVE_AD keeps the entry's Accessed/Dirty bits.
    update_entry(m.scratch_mfn, 2, pte::make(m.mfn_a, pte::ro_leaf | pte::dirty));
    c.expect(update_entry(m.scratch_mfn, 2, pte::make(m.mfn_a, pte::present | pte::user),
                          abi::MmuUpdateCmd::pt_update_preserve_ad),
             0, "mmu_update pt_update_preserve_ad");
    const uint64_t kept = *m.entry(m.scratch, 2);
    c.check((kept & (pte::accessed | pte::dirty)) == (pte::accessed | pte::dirty) &&
                pte::mfn_of(kept) == m.mfn_a,
            "preserve_ad kept A and D", "entry {:#x}", kept);
    update_entry(m.scratch_mfn, 2, 0);

    // A read-only mapping of a page table is fine.
    c.expect(update_entry(m.scratch_mfn, 4, pte::make(m.l4_mfn, pte::ro_leaf)), 0,
             "mmu_update: read-only mapping of a page table");
    invlpg(window_va(4));
    c.check(read_through(window_va(4) + 511 * 8) == m.l4[511], "it reads the L4");
    update_entry(m.scratch_mfn, 4, 0);

    abi::MmuUpdate same{(m.mfn_a << 12) + abi::raw(abi::MmuUpdateCmd::machphys_update),
                        m.k.pages.pfn_of(m.page_a)};
    uint32_t done = 0;
    c.expect(hv::mmu_update(&same, 1, &done), 0, "mmu_update machphys_update of our own frame");

    // mmuext TLB and cache maintenance.
    uint64_t vcpu_mask = 1;
    abi::MmuextOp flushes[6] = {};
    flushes[0].cmd = abi::raw(MmuextCmd::tlb_flush_local);
    flushes[1].cmd = abi::raw(MmuextCmd::tlb_flush_all);
    flushes[2].cmd = abi::raw(MmuextCmd::invlpg_local);
    flushes[2].arg1.linear_addr = window_va(0);
    flushes[3].cmd = abi::raw(MmuextCmd::invlpg_all);
    flushes[3].arg1.linear_addr = window_va(0);
    flushes[4].cmd = abi::raw(MmuextCmd::tlb_flush_multi);
    flushes[4].arg2.vcpumask.address = page_va(&vcpu_mask);
    flushes[5].cmd = abi::raw(MmuextCmd::invlpg_multi);
    flushes[5].arg1.linear_addr = window_va(0);
    flushes[5].arg2.vcpumask.address = page_va(&vcpu_mask);
    done = 0;
    c.expect(hv::mmuext_op(flushes, 6, &done), 0,
             "mmuext TLB flushes and invlpg (local, all, multi)");
    c.expect(done, 6, "mmuext reports all 6 done");

    // copy_page / clear_page on a data page.
    m.page_b[2] = 0x77;
    c.expect(hv::mmuext(MmuextCmd::copy_page, m.mfn_b, m.mfn_a), 0, "mmuext copy_page");
    c.check(m.page_b[0] == k_magic_a && m.page_b[2] == 0, "copy_page copied the page");
    c.expect(hv::mmuext(MmuextCmd::clear_page, m.mfn_b), 0, "mmuext clear_page");
    bool zero = true;
    for (unsigned i = 0; i < 512; ++i)
        zero = zero && m.page_b[i] == 0;
    c.check(zero, "clear_page zeroed the page");
    m.page_b[0] = k_magic_b;
}

void test_hostile_updates(Mmu& m) {
    Checker& c = m.c;
    const uint64_t l4_slot256 = m.l4[256];
    const uint64_t l4_slot271 = m.l4[271];

    // Page tables may be mapped read-only only (get_page_from_l1e: -EBUSY).
    c.expect(update_entry(m.scratch_mfn, 3, pte::make(m.l4_mfn, pte::rw_leaf)), err(Errno::ebusy),
             "mmu_update: L1 entry writable to our L4 (-EBUSY)");
    c.expect(update_entry(m.scratch_mfn, 3, pte::make(m.scratch_mfn, pte::rw_leaf)),
             err(Errno::ebusy), "mmu_update: L1 entry writable to the L1 itself (-EBUSY)");
    c.expect(
        hv::update_va_mapping(window_va(3), pte::make(m.l2_mfn, pte::rw_leaf), abi::k_uvmf_invlpg),
        err(Errno::ebusy), "update_va_mapping: writable mapping of our L2 (-EBUSY)");
    c.expect(remap(m.scratch, m.scratch_mfn, pte::rw_leaf), err(Errno::ebusy),
             "update_va_mapping: our pinned L1 writable again (-EBUSY)");
    c.check(*m.entry(m.scratch, 3) == 0, "refused entries left unchanged", "entry {:#x}",
            *m.entry(m.scratch, 3));

    // Frames that are not ours.
    if (m.foreign_mfn != 0) {
        const uint64_t f = m.foreign_mfn;
        c.expect(update_entry(m.scratch_mfn, 3, pte::make(f, pte::ro_leaf)), err(Errno::ebusy),
                 "mmu_update: mapping a frame that is not ours (-EBUSY)");
        c.expect(
            hv::update_va_mapping(window_va(3), pte::make(f, pte::rw_leaf), abi::k_uvmf_invlpg),
            err(Errno::ebusy), "update_va_mapping: mapping a frame that is not ours (-EBUSY)");
        c.expect(update_entry(f, 0, 0), err(Errno::einval),
                 "mmu_update: writing into a frame that is not ours (-EINVAL)");
        abi::MmuUpdate m2p_req{(f << 12) + abi::raw(abi::MmuUpdateCmd::machphys_update), 0};
        uint32_t done = 0;
        c.expect(hv::mmu_update(&m2p_req, 1, &done), err(Errno::einval),
                 "mmu_update machphys_update of a frame that is not ours (-EINVAL)");
        c.expect(hv::mmuext(MmuextCmd::pin_l1_table, f), err(Errno::einval),
                 "mmuext pin of a frame that is not ours (-EINVAL)");
        c.expect(hv::mmuext(MmuextCmd::new_baseptr, f), err(Errno::einval),
                 "mmuext new_baseptr to a frame that is not ours (-EINVAL)");
    } else {
        c.skip("mapping a frame that is not ours", "no such frame found through the M2P");
    }
    // mfn 0 is below 1 MiB: I/O memory to Xen, which the initial domain may
    // map (Xen maps it uncached). Reported, not checked.
    println("minios-test: note: mmu_update mapping mfn 0 read-only returned {}",
            update_entry(m.scratch_mfn, 3, pte::make(0, pte::ro_leaf)));
    update_entry(m.scratch_mfn, 3, 0);

    // The hypervisor's L4 slots (256-271) cannot be written, not even with
    // the value they hold.
    c.expect(update_entry(m.l4_mfn, 256, l4_slot256), err(Errno::einval),
             "mmu_update: L4 slot 256 (hypervisor) (-EINVAL)");
    c.expect(update_entry(m.l4_mfn, 271, l4_slot271), err(Errno::einval),
             "mmu_update: L4 slot 271 (hypervisor) (-EINVAL)");
    c.check(m.l4[256] == l4_slot256 && m.l4[271] == l4_slot271, "hypervisor L4 slots unchanged");

    // L2 entries: no superpages for PV, and an L1 must be a page table.
    c.expect(
        update_entry(m.l2_mfn, 3, pte::make(m.mfn_a & ~uint64_t{511}, pte::rw_leaf | pte::pse)),
        err(Errno::einval), "mmu_update: 2 MiB superpage in an L2 (-EINVAL)");
    c.expect(update_entry(m.l2_mfn, 3, pte::make(m.mfn_a, pte::table)), err(Errno::einval),
             "mmu_update: L2 entry to a page mapped writable (-EINVAL)");
    c.check(m.l2[3] == 0, "refused L2 entries left unchanged", "entry {:#x}", m.l2[3]);

    // Unknown mmu_update command (ptr bits 2:0 = 4).
    abi::MmuUpdate bad_cmd{(m.scratch_mfn << 12) + 3 * 8 + 4, 0};
    uint32_t done = 0;
    c.expect(hv::mmu_update(&bad_cmd, 1, &done), err(Errno::enosys),
             "mmu_update: unknown command in ptr bits 2:0 (-ENOSYS)");

    // update_va_mapping outside the guest's part of the address space.
    const uint64_t some = pte::make(m.mfn_a, pte::ro_leaf);
    c.expect(hv::update_va_mapping(abi::k_hypervisor_virt_start, some, 0), err(Errno::einval),
             "update_va_mapping at the hypervisor's M2P address (-EINVAL)");
    c.expect(hv::update_va_mapping(0xffff'8300'0000'0000, some, 0), err(Errno::einval),
             "update_va_mapping inside the hypervisor's range (-EINVAL)");
    c.expect(hv::update_va_mapping(0x0000'8000'0000'0000, some, 0), err(Errno::einval),
             "update_va_mapping at a non-canonical address (-EINVAL)");
    c.expect(hv::update_va_mapping(0x1000, some, 0), err(Errno::einval),
             "update_va_mapping where no L1 exists (-EINVAL)");

    // Pinning and base pointers.
    c.expect(hv::mmuext(MmuextCmd::pin_l4_table, m.mfn_a), err(Errno::einval),
             "mmuext pin_l4_table of a page mapped writable (-EINVAL)");
    c.expect(hv::mmuext(MmuextCmd::unpin_table, m.mfn_a), err(Errno::einval),
             "mmuext unpin of a page that is not pinned (-EINVAL)");
    c.expect(hv::mmuext(MmuextCmd::new_baseptr, m.scratch_mfn), err(Errno::einval),
             "mmuext new_baseptr to an L1 (-EINVAL)");
    c.expect(hv::mmuext(MmuextCmd::new_baseptr, m.mfn_a), err(Errno::einval),
             "mmuext new_baseptr to a page mapped writable (-EINVAL)");
    c.expect(hv::mmuext(MmuextCmd::clear_page, m.scratch_mfn), err(Errno::einval),
             "mmuext clear_page of a page table (-EINVAL)");
    c.expect(hv::mmuext(MmuextCmd::copy_page, m.scratch_mfn, m.mfn_a), err(Errno::einval),
             "mmuext copy_page onto a page table (-EINVAL)");
    c.expect(hv::mmuext(static_cast<MmuextCmd>(14)), err(Errno::enosys),
             "mmuext command 14 (-ENOSYS)");
    c.expect(hv::mmuext(static_cast<MmuextCmd>(99)), err(Errno::enosys),
             "mmuext command 99 (-ENOSYS)");
    c.expect(hv::mmuext(MmuextCmd::mark_super, m.mfn_a), err(Errno::eopnotsupp),
             "mmuext mark_super (-EOPNOTSUPP)");

    check_intact(m, "the refused updates");
}

// Tables that must not validate, and guest pointers the hypervisor must not
// follow. A failed validation leaves no type reference behind: the page can
// be mapped writable again at once.
void test_hostile_tables(Mmu& m) {
    Checker& c = m.c;
    auto* t = static_cast<uint64_t*>(m.k.pages.alloc());
    if (t == nullptr) {
        c.skip("hostile tables", "no free page");
        return;
    }
    const uint64_t t_mfn = m.mfn(t);
    // Fills the page while writable, then maps it read-only.
    auto prepare = [&](unsigned slot, uint64_t value) {
        remap(t, t_mfn, pte::rw_leaf);
        __builtin_memset(t, 0, k_page_size);
        t[slot] = value;
        return remap(t, t_mfn, pte::ro_leaf);
    };
    auto writable_again = [&](pv::StringView what) {
        c.expect(remap(t, t_mfn, pte::rw_leaf), 0, Name("{}: no type reference left", what));
    };

    prepare(0, pte::make(m.l4_mfn, pte::rw_leaf));
    c.expect(hv::mmuext(MmuextCmd::pin_l1_table, t_mfn), err(Errno::ebusy),
             "pin_l1_table of an L1 mapping our L4 writable (-EBUSY)");
    writable_again("refused L1");
    prepare(5, pte::make(t_mfn, pte::rw_leaf));
    c.expect(hv::mmuext(MmuextCmd::pin_l1_table, t_mfn), err(Errno::ebusy),
             "pin_l1_table of an L1 mapping itself writable (-EBUSY)");
    writable_again("self-mapping L1");

    prepare(1, pte::make(m.mfn_a, pte::table));
    c.expect(hv::mmuext(MmuextCmd::pin_l2_table, t_mfn), err(Errno::einval),
             "pin_l2_table of an L2 pointing at a page mapped writable (-EINVAL)");
    writable_again("refused L2");
    m.page_a[3] = 0x3333;
    c.check(m.page_a[3] == 0x3333, "the page it pointed at is still writable");
    m.page_a[3] = 0;

    prepare(0, pte::make(m.l4_mfn, pte::table));
    c.expect(hv::mmuext(MmuextCmd::pin_l3_table, t_mfn), err(Errno::einval),
             "pin_l3_table of an L3 pointing at our L4 (-EINVAL)");
    writable_again("refused L3");

    // Linear page tables: an L4 may map itself read-only (Xen's
    // CONFIG_PV_LINEAR_PT, on by default), never writable.
    prepare(0, pte::make(t_mfn, pte::table));
    c.expect(hv::mmuext(MmuextCmd::pin_l4_table, t_mfn), err(Errno::einval),
             "pin_l4_table of an L4 mapping itself writable (-EINVAL)");
    writable_again("refused L4");
    prepare(0, pte::make(t_mfn, pte::present | pte::user | pte::accessed));
    if (c.expect(hv::mmuext(MmuextCmd::pin_l4_table, t_mfn), 0,
                 "pin_l4_table of an L4 mapping itself read-only")) {
        c.expect(hv::mmuext(MmuextCmd::unpin_table, t_mfn), 0, "unpin it");
        writable_again("unpinned self-mapping L4");
    } else {
        writable_again("refused read-only self-mapping L4");
    }
    m.k.pages.free(t);

    // mmuext set_ldt checks its arguments.
    abi::MmuextOp ldt{};
    ldt.cmd = abi::raw(MmuextCmd::set_ldt);
    ldt.arg1.linear_addr = window_va(0) + 8;
    ldt.arg2.nr_ents = 1;
    uint32_t done = 0;
    c.expect(hv::mmuext_op(&ldt, 1, &done), err(Errno::einval),
             "mmuext set_ldt at an unaligned address (-EINVAL)");
    ldt.arg1.linear_addr = abi::k_hypervisor_virt_start;
    c.expect(hv::mmuext_op(&ldt, 1, &done), err(Errno::einval),
             "mmuext set_ldt in the hypervisor's range (-EINVAL)");
    ldt.arg1.linear_addr = window_va(0);
    ldt.arg2.nr_ents = 8193;
    c.expect(hv::mmuext_op(&ldt, 1, &done), err(Errno::einval),
             "mmuext set_ldt with 8193 entries (-EINVAL)");
    ldt.arg1.linear_addr = 0;
    ldt.arg2.nr_ents = 0;
    c.expect(hv::mmuext_op(&ldt, 1, &done), 0, "mmuext set_ldt of no LDT");

    // Request arrays the hypervisor must not read.
    const uint64_t in_hypervisor = 0xffff'8300'0000'0000;
    c.expect(hv::call(abi::Hypercall::mmu_update, in_hypervisor, 1, 0, abi::k_domid_self),
             err(Errno::efault),
             "mmu_update with its requests in the hypervisor's range (-EFAULT)");
    c.expect(hv::call(abi::Hypercall::mmuext_op, in_hypervisor, 1, 0, abi::k_domid_self),
             err(Errno::efault), "mmuext_op with its ops in the hypervisor's range (-EFAULT)");
    c.expect(hv::call(abi::Hypercall::mmu_update, 0x1000, 1, 0, abi::k_domid_self),
             err(Errno::efault), "mmu_update with its requests at an unmapped address (-EFAULT)");
    c.expect(hv::call(abi::Hypercall::memory_op, abi::raw(abi::MemoryOp::current_reservation),
                      in_hypervisor),
             err(Errno::efault), "memory_op with its argument in the hypervisor's range (-EFAULT)");
    check_intact(m, "the refused tables");
}

void test_batches(Mmu& m) {
    Checker& c = m.c;
    // mmu_update stops at the first failure; *done counts what was applied.
    abi::MmuUpdate reqs[3] = {
        {(m.scratch_mfn << 12) + 5 * 8, pte::make(m.mfn_a, pte::ro_leaf)},
        {(m.scratch_mfn << 12) + 6 * 8, pte::make(m.l4_mfn, pte::rw_leaf)},
        {(m.scratch_mfn << 12) + 7 * 8, pte::make(m.mfn_b, pte::ro_leaf)},
    };
    uint32_t done = 99;
    c.expect(hv::mmu_update(reqs, 3, &done), err(Errno::ebusy),
             "mmu_update batch failing at entry 1");
    c.expect(done, 1, "mmu_update batch: *done is 1");
    c.check(pte::mfn_of(*m.entry(m.scratch, 5)) == m.mfn_a && *m.entry(m.scratch, 6) == 0 &&
                *m.entry(m.scratch, 7) == 0,
            "mmu_update batch: entry 0 applied, 1 and 2 not");
    for (abi::MmuUpdate& r : reqs)
        r.val = 0;
    done = 0;
    c.expect(hv::mmu_update(reqs, 3, &done), 0, "mmu_update batch of 3");
    c.expect(done, 3, "mmu_update batch: *done is 3");

    abi::MmuextOp ops[3] = {};
    ops[0].cmd = abi::raw(MmuextCmd::tlb_flush_local);
    ops[1].cmd = abi::raw(MmuextCmd::unpin_table);
    ops[1].arg1.mfn = m.mfn_b; // not pinned
    ops[2].cmd = abi::raw(MmuextCmd::tlb_flush_local);
    done = 99;
    c.expect(hv::mmuext_op(ops, 3, &done), err(Errno::einval), "mmuext batch failing at op 1");
    c.expect(done, 1, "mmuext batch: *done is 1");
}

// ---- writable page tables -------------------------------------------------

// Each store runs with the fault catcher armed for its instruction (label
// 1, resuming at label 2) and returns true when it completed (emulated)
// rather than faulted back.
#define CATCH_PROLOGUE                                                                             \
    "leaq 1f(%%rip), %%rcx\n\t"                                                                    \
    "movq %%rcx, %[c_rip]\n\t"                                                                     \
    "leaq 2f(%%rip), %%rcx\n\t"                                                                    \
    "movq %%rcx, %[c_resume]\n"                                                                    \
    "1:\t"
#define CATCH_EPILOGUE "\n2:\n"
#define CATCH_OUTPUTS [c_rip] "=m"(fault_catcher.rip), [c_resume] "=m"(fault_catcher.resume)

bool finish_store() {
    fault_catcher.armed = false;
    return !fault_catcher.hit;
}

bool store_mov(volatile uint64_t* p, uint64_t v) {
    arm_fault_catcher();
    asm volatile(CATCH_PROLOGUE "movq %[v], (%[p])" CATCH_EPILOGUE:CATCH_OUTPUTS
                 : [v] "r"(v), [p] "r"(p)
                 : "rcx", "memory");
    return finish_store();
}

bool store_mov32(volatile uint64_t* p, uint32_t v) {
    arm_fault_catcher();
    asm volatile(CATCH_PROLOGUE "movl %[v], (%[p])" CATCH_EPILOGUE:CATCH_OUTPUTS
                 : [v] "r"(v), [p] "r"(p)
                 : "rcx", "memory");
    return finish_store();
}

bool store_xchg(volatile uint64_t* p, uint64_t& v) {
    arm_fault_catcher();
    asm volatile(CATCH_PROLOGUE "xchgq %[v], (%[p])" CATCH_EPILOGUE
                 : CATCH_OUTPUTS, [v] "+r"(v)
                 : [p] "r"(p)
                 : "rcx", "memory");
    return finish_store();
}

bool store_cmpxchg(volatile uint64_t* p, uint64_t& expected, uint64_t desired, bool& zf) {
    arm_fault_catcher();
    bool flag = false;
    asm volatile(CATCH_PROLOGUE "lock cmpxchgq %[d], (%[p])" CATCH_EPILOGUE
                 : CATCH_OUTPUTS, "+a"(expected), "=@ccz"(flag)
                 : [d] "r"(desired), [p] "r"(p)
                 : "rcx", "memory");
    zf = flag;
    return finish_store();
}

// The bit operations on bit 1 (RW), immediate and register forms.
bool store_bts_imm(volatile uint64_t* p, bool& cf) {
    arm_fault_catcher();
    bool flag = false;
    asm volatile(CATCH_PROLOGUE "lock btsq $1, (%[p])" CATCH_EPILOGUE
                 : CATCH_OUTPUTS, "=@ccc"(flag)
                 : [p] "r"(p)
                 : "rcx", "memory");
    cf = flag;
    return finish_store();
}

bool store_btr_imm(volatile uint64_t* p, bool& cf) {
    arm_fault_catcher();
    bool flag = false;
    asm volatile(CATCH_PROLOGUE "lock btrq $1, (%[p])" CATCH_EPILOGUE
                 : CATCH_OUTPUTS, "=@ccc"(flag)
                 : [p] "r"(p)
                 : "rcx", "memory");
    cf = flag;
    return finish_store();
}

bool store_bts_reg(volatile uint64_t* p, bool& cf) {
    arm_fault_catcher();
    bool flag = false;
    asm volatile(CATCH_PROLOGUE "lock btsq %[b], (%[p])" CATCH_EPILOGUE
                 : CATCH_OUTPUTS, "=@ccc"(flag)
                 : [b] "r"(uint64_t{1}), [p] "r"(p)
                 : "rcx", "memory");
    cf = flag;
    return finish_store();
}

bool store_btr_reg(volatile uint64_t* p, bool& cf) {
    arm_fault_catcher();
    bool flag = false;
    asm volatile(CATCH_PROLOGUE "lock btrq %[b], (%[p])" CATCH_EPILOGUE
                 : CATCH_OUTPUTS, "=@ccc"(flag)
                 : [b] "r"(uint64_t{1}), [p] "r"(p)
                 : "rcx", "memory");
    cf = flag;
    return finish_store();
}

// MOV r/m64, imm32 (REX.W C7 /0) with an immediate known only at run time:
// the instruction is written into a buffer and called there.
//   48 c7 07 ii ii ii ii    movq $imm32, (%rdi)
//   c3                      ret
alignas(16) uint8_t mov_imm32_code[16];

bool store_mov_imm32(volatile uint64_t* p, int32_t imm) {
    const uint8_t head[3] = {0x48, 0xc7, 0x07};
    for (unsigned i = 0; i < 3; ++i)
        mov_imm32_code[i] = head[i];
    for (unsigned i = 0; i < 4; ++i)
        mov_imm32_code[3 + i] = static_cast<uint8_t>(static_cast<uint32_t>(imm) >> (8 * i));
    mov_imm32_code[7] = 0xc3;
    asm volatile("" ::: "memory");
    arm_fault_catcher();
    fault_catcher.rip = page_va(mov_imm32_code);
    fault_catcher.resume = page_va(mov_imm32_code + 7);
    auto* fn = reinterpret_cast<void (*)(volatile uint64_t*)>(mov_imm32_code);
    fn(p);
    return finish_store();
}

// The store faulted back as a write to a present page in kernel mode.
void check_bounced(Checker& c, pv::StringView what, const volatile uint64_t* p) {
    const FaultCatcher& fc = fault_catcher;
    c.check(fc.hit && fc.vector == 14 && fc.error_code == (k_pf_present | k_pf_write) &&
                fc.cr2 == page_va(const_cast<const uint64_t*>(p)),
            Name("{}: #PF to the guest (error 3, cr2 = the entry)", what),
            "hit {} vector {} error {:#x} cr2 {:#x}", fc.hit, fc.vector, fc.error_code, fc.cr2);
}

void test_writable_page_tables(Mmu& m) {
    Checker& c = m.c;
    volatile uint64_t* e8 = m.entry(m.scratch, 8);
    volatile uint64_t* e9 = m.entry(m.scratch, 9);
    volatile uint64_t* e10 = m.entry(m.scratch, 10);
    volatile uint64_t* e11 = m.entry(m.scratch, 11);
    volatile uint64_t* e12 = m.entry(m.scratch, 12);
    volatile uint64_t* e13 = m.entry(m.scratch, 13);
    const uint64_t map_a = pte::make(m.mfn_a, pte::ro_leaf);
    const uint64_t map_b = pte::make(m.mfn_b, pte::ro_leaf);
    const uint64_t bad = pte::make(m.l2_mfn, pte::rw_leaf); // a page table, writable

    // Xen 4.17 emulates stores to L1 tables for 64-bit PV guests whether or
    // not the assist is on (PV Linux always enables it): check the enabled
    // case, and that switching the assist off and on is accepted.
    c.expect(
        hv::vm_assist(abi::VmAssistCmd::disable, abi::raw(abi::VmAssistType::writable_pagetables)),
        0, "vm_assist disable writable_pagetables");
    c.expect(
        hv::vm_assist(abi::VmAssistCmd::enable, abi::raw(abi::VmAssistType::writable_pagetables)),
        0, "vm_assist enable writable_pagetables");

    // MOV r64 (89 /r).
    c.check(store_mov(e8, map_a), "mov: store to the read-only L1 emulated");
    c.check(pte::essence(*e8) == pte::essence(map_a), "mov: entry changed", "{:#x}", *e8);
    invlpg(window_va(8));
    c.check(read_through(window_va(8)) == k_magic_a, "mov: new mapping in effect");

    // MOV imm32 (REX.W C7 /0).
    if (map_b <= 0x7fff'ffff) {
        c.check(store_mov_imm32(e9, static_cast<int32_t>(map_b)), "mov imm32: store emulated");
        c.check(pte::essence(*e9) == pte::essence(map_b), "mov imm32: entry changed", "{:#x}", *e9);
        invlpg(window_va(9));
        c.check(read_through(window_va(9)) == k_magic_b, "mov imm32: new mapping in effect");
    } else {
        c.skip("mov imm32: store emulated",
               "frame above 2 GiB: no 32-bit immediate holds the entry");
    }

    // MOV r32 to the low half (a 4-byte write merged into the entry).
    const uint64_t before_low = *e9;
    if ((map_a >> 32) == (before_low >> 32)) {
        c.check(store_mov32(e9, static_cast<uint32_t>(map_a)),
                "mov r32: store to the low half emulated");
        c.check(pte::essence(*e9) == pte::essence(map_a), "mov r32: entry changed", "{:#x}", *e9);
        invlpg(window_va(9));
        c.check(read_through(window_va(9)) == k_magic_a, "mov r32: new mapping in effect");
    }

    // XCHG (87 /r): the register gets the old entry.
    uint64_t swap = map_b;
    c.check(store_xchg(e10, swap), "xchg: store emulated");
    c.check(swap == 0 && pte::essence(*e10) == pte::essence(map_b),
            "xchg: old entry in the register, new in the table", "register {:#x} entry {:#x}", swap,
            *e10);

    // LOCK CMPXCHG (0F B1): success and failure.
    uint64_t expected = 0;
    bool zf = false;
    c.check(store_cmpxchg(e11, expected, map_a, zf), "cmpxchg: store emulated");
    c.check(zf && pte::essence(*e11) == pte::essence(map_a),
            "cmpxchg success: ZF set, entry changed", "zf {} entry {:#x}", zf, *e11);
    const uint64_t current = *e11;
    expected = 0; // wrong
    c.check(store_cmpxchg(e11, expected, map_b, zf), "cmpxchg failure: emulated");
    c.check(!zf && expected == current && *e11 == current,
            "cmpxchg failure: ZF clear, rax = current entry, entry unchanged",
            "zf {} rax {:#x} entry {:#x}", zf, expected, *e11);

    // LOCK BTS / BTR on the RW bit, immediate (0F BA /5, /6) and register
    // (0F AB, 0F B3) forms.
    bool cf = true;
    c.check(store_bts_imm(e8, cf), "lock bts imm: emulated");
    c.check(!cf && (*e8 & pte::rw) != 0, "lock bts imm: CF = old bit, RW set", "cf {} entry {:#x}",
            cf, *e8);
    invlpg(window_va(8));
    *reinterpret_cast<volatile uint64_t*>(window_va(8) + 16) = 0xbeef;
    c.check(m.page_a[2] == 0xbeef, "lock bts imm: the page is writable through it");
    m.page_a[2] = 0;
    c.check(store_btr_imm(e8, cf), "lock btr imm: emulated");
    c.check(cf && (*e8 & pte::rw) == 0, "lock btr imm: CF = old bit, RW clear", "cf {} entry {:#x}",
            cf, *e8);
    c.check(store_bts_reg(e8, cf), "lock bts reg: emulated");
    c.check(!cf && (*e8 & pte::rw) != 0, "lock bts reg: RW set", "cf {} entry {:#x}", cf, *e8);
    c.check(store_btr_reg(e8, cf), "lock btr reg: emulated");
    c.check(cf && (*e8 & pte::rw) == 0, "lock btr reg: RW clear", "cf {} entry {:#x}", cf, *e8);
    invlpg(window_va(8));

    // Invalid entries through the same path fault back, entry unchanged.
    c.check(!store_mov(e12, bad), "mov of a writable page-table mapping not emulated");
    check_bounced(c, "mov of a writable page-table mapping", e12);
    c.check(*e12 == 0, "mov: refused entry unchanged", "{:#x}", *e12);
    expected = 0;
    c.check(!store_cmpxchg(e12, expected, bad, zf),
            "cmpxchg of a writable page-table mapping not emulated");
    check_bounced(c, "cmpxchg of a writable page-table mapping", e12);
    swap = bad;
    c.check(!store_xchg(e12, swap), "xchg of a writable page-table mapping not emulated");
    check_bounced(c, "xchg of a writable page-table mapping", e12);
    c.check(*e12 == 0, "xchg/cmpxchg: refused entry unchanged", "{:#x}", *e12);
    c.check(store_mov(e13, pte::make(m.l2_mfn, pte::ro_leaf)),
            "mov of a read-only page-table mapping emulated");
    c.check(!store_bts_imm(e13, cf), "lock bts making a page-table mapping writable not emulated");
    check_bounced(c, "lock bts making a page-table mapping writable", e13);
    c.check((*e13 & pte::rw) == 0, "lock bts: entry still read-only", "{:#x}", *e13);

    // Only L1 tables are emulated: a store to the (read-only) L2 faults.
    volatile uint64_t* l2_slot = &m.l2[5];
    const uint64_t l2_old = *l2_slot;
    c.check(!store_mov(l2_slot, l2_old), "a store to a read-only L2 is not emulated");
    check_bounced(c, "store to an L2", l2_slot);

    // Clean up what the stores left.
    for (unsigned slot = 8; slot <= 13; ++slot)
        store_mov(m.entry(m.scratch, slot), 0);
    bool clear = true;
    for (unsigned slot = 8; slot <= 13; ++slot)
        clear = clear && *m.entry(m.scratch, slot) == 0;
    c.check(clear, "entries cleared by stores");
    hv::mmuext(MmuextCmd::tlb_flush_local);
    check_intact(m, "the page-table stores");
}

void tear_down_scratch(Mmu& m) {
    Checker& c = m.c;
    update_entry(m.scratch_mfn, 0, 0);
    update_entry(m.scratch_mfn, 1, 0);
    hv::mmuext(MmuextCmd::tlb_flush_local);
    // Unpinning drops the pin only: the L2 still uses the table.
    c.expect(hv::mmuext(MmuextCmd::unpin_table, m.scratch_mfn), 0,
             "mmuext unpin while the L2 still uses it");
    c.expect(remap(m.scratch, m.scratch_mfn, pte::rw_leaf), err(Errno::ebusy),
             "update_va_mapping: still-referenced L1 writable (-EBUSY)");
    c.expect(update_entry(m.l2_mfn, k_window_l2_slot, 0), 0, "mmu_update: unhook the L1");
    m.hooked = false;
    hv::mmuext(MmuextCmd::tlb_flush_local);
    c.expect(remap(m.scratch, m.scratch_mfn, pte::rw_leaf), 0,
             "update_va_mapping: the unused L1 is writable again");
    m.scratch[0] = 0;
    m.k.pages.free(m.scratch);
}

// ---- a process with its own page tables -----------------------------------

void test_user_page_tables(Mmu& m) {
    Checker& c = m.c;
    UserMode& user = m.k.user;
    if (user.prepare(m.boot, m.k.pages, m.k.pv_mmu) < 0) {
        c.skip("process with its own page tables", user.reason());
        return;
    }
    uint64_t* l4 = static_cast<uint64_t*>(m.k.pages.alloc());
    uint64_t* l3 = static_cast<uint64_t*>(m.k.pages.alloc());
    uint64_t* l2 = static_cast<uint64_t*>(m.k.pages.alloc());
    uint64_t* l1 = static_cast<uint64_t*>(m.k.pages.alloc());
    uint8_t* code = static_cast<uint8_t*>(m.k.pages.alloc());
    uint64_t* data = static_cast<uint64_t*>(m.k.pages.alloc());
    if (l4 == nullptr || l3 == nullptr || l2 == nullptr || l1 == nullptr || code == nullptr ||
        data == nullptr) {
        c.skip("process with its own page tables", "no free pages");
        return;
    }
    uint64_t* tables[4] = {l4, l3, l2, l1};
    uint64_t mfns[4];
    for (unsigned i = 0; i < 4; ++i)
        mfns[i] = m.mfn(tables[i]);
    constexpr uint64_t code_va = USER_PT_CODE_VA, data_va = USER_PT_DATA_VA;
    l4[(code_va >> 39) & 511] = pte::make(mfns[1], pte::table);
    l3[(code_va >> 30) & 511] = pte::make(mfns[2], pte::table);
    l2[(code_va >> 21) & 511] = pte::make(mfns[3], pte::table);
    l1[(code_va >> 12) & 511] = pte::make(m.mfn(code), pte::ro_leaf);
    l1[(data_va >> 12) & 511] = pte::make(m.mfn(data), pte::rw_leaf);
    const uint64_t size = static_cast<uint64_t>(user_pt_programs_end - user_pt_programs);
    __builtin_memcpy(code, user_pt_programs, size);

    long rc = 0;
    for (uint64_t* t : tables)
        if (rc == 0) rc = remap(t, m.mfn(t), pte::ro_leaf);
    c.expect(rc, 0, "process tables mapped read-only in the kernel");

    abi::MmuextOp pins[4] = {};
    const MmuextCmd pin_cmds[4] = {MmuextCmd::pin_l4_table, MmuextCmd::pin_l3_table,
                                   MmuextCmd::pin_l2_table, MmuextCmd::pin_l1_table};
    for (unsigned i = 0; i < 4; ++i) {
        pins[3 - i].cmd = abi::raw(pin_cmds[i]); // L1 first
        pins[3 - i].arg1.mfn = mfns[i];
    }
    uint32_t done = 0;
    rc = hv::mmuext_op(pins, 4, &done);
    c.expect(rc, 0, "mmuext pin L1, L2, L3, L4 of the process");
    c.expect(done, 4, "mmuext pin batch: *done is 4");
    if (rc != 0) return;
    c.expect(remap(l4, mfns[0], pte::rw_leaf), err(Errno::ebusy),
             "update_va_mapping: pinned L4 writable (-EBUSY)");
    c.expect(hv::mmuext(MmuextCmd::new_baseptr, mfns[1]), err(Errno::einval),
             "mmuext new_baseptr to an L3 (-EINVAL)");

    const uint64_t boot_l4 = m.l4_mfn;
    c.expect(hv::mmuext(MmuextCmd::new_user_baseptr, mfns[0]), 0,
             "mmuext new_user_baseptr to the process L4");

    auto entry_of = [&](const char* symbol) {
        return USER_PT_CODE_VA + static_cast<uint64_t>(symbol - user_pt_programs);
    };
    uint64_t exit_code = 0;
    const uint64_t syscalls_before = user.syscalls();
    c.expect(user.run_at(entry_of(user_pt_main), USER_PT_STACK_TOP - 8, 0x5a, exit_code), 0,
             "process in its own address space started");
    c.check(exit_code == 0x5a, "it exited through the syscall with its argument", "exit code {:#x}",
            exit_code);
    c.check(user.syscalls() - syscalls_before == 3, "its three syscalls reached the kernel",
            "{} syscalls", user.syscalls() - syscalls_before);
    c.check(data[USER_PT_DATA_ARG / 8] == 0x5a,
            "it wrote its data page (seen through the kernel's mapping)", "{:#x}", data[0]);
    c.check(static_cast<long>(data[USER_PT_DATA_ENOSYS / 8]) == err(Errno::enosys),
            "unknown syscall gave -ENOSYS", "{}", static_cast<long>(data[1]));
    c.check(static_cast<long>(data[USER_PT_DATA_EFAULT / 8]) == err(Errno::efault),
            "write() of its own buffer gave -EFAULT (the kernel's tables do not map it)", "{}",
            static_cast<long>(data[2]));
    c.check(data[USER_PT_DATA_STACK / 8] == 0x1234 &&
                data[USER_PT_DATA_RSP / 8] == USER_PT_STACK_TOP - 8,
            "its stack works", "popped {:#x} rsp {:#x}", data[3], data[4]);

    c.expect(user.run_at(entry_of(user_pt_peek_kernel), USER_PT_STACK_TOP - 8, 0, exit_code), 0,
             "process reading the kernel image started");
    const abi::VcpuInfo* v = m.k.events.vcpu_info();
    c.check(exit_code == UserMode::k_killed_by_exception + 14 &&
                user.last_fault().error_code == k_pf_user && v->arch.cr2 == k_virt_base,
            "the kernel is not mapped in its address space (#PF, error 4)",
            "exit {:#x} error {:#x} cr2 {:#x}", exit_code, user.last_fault().error_code,
            v->arch.cr2);
    c.expect(user.run_at(entry_of(user_pt_write_code), USER_PT_STACK_TOP - 8, 0, exit_code), 0,
             "process writing its code page started");
    c.check(exit_code == UserMode::k_killed_by_exception + 14 &&
                user.last_fault().error_code == (k_pf_present | k_pf_write | k_pf_user) &&
                v->arch.cr2 == USER_PT_CODE_VA,
            "its code page is read-only (#PF, error 7)", "exit {:#x} error {:#x} cr2 {:#x}",
            exit_code, user.last_fault().error_code, v->arch.cr2);

    c.expect(hv::mmuext(MmuextCmd::new_user_baseptr, boot_l4), 0,
             "mmuext new_user_baseptr back to the kernel L4");
    abi::MmuextOp unpins[4] = {};
    for (unsigned i = 0; i < 4; ++i) {
        unpins[i].cmd = abi::raw(MmuextCmd::unpin_table);
        unpins[i].arg1.mfn = mfns[i]; // L4 first
    }
    done = 0;
    c.expect(hv::mmuext_op(unpins, 4, &done), 0, "mmuext unpin L4, L3, L2, L1 of the process");
    c.expect(done, 4, "mmuext unpin batch: *done is 4");
    c.expect(hv::mmuext(MmuextCmd::unpin_table, mfns[0]), err(Errno::einval),
             "mmuext unpin twice (-EINVAL)");
    rc = 0;
    for (unsigned i = 0; i < 4; ++i)
        if (rc == 0) rc = remap(tables[i], mfns[i], pte::rw_leaf);
    c.expect(rc, 0, "the process tables are writable again (no type references left)");
    if (rc == 0) {
        for (uint64_t* t : tables)
            m.k.pages.free(t);
    }
    m.k.pages.free(code);
    m.k.pages.free(data);
}

// ---- memory_op: give a page back and get one again ------------------------

void test_reservation_round_trip(Mmu& m) {
    Checker& c = m.c;
    auto* page = static_cast<uint64_t*>(m.k.pages.alloc());
    if (page == nullptr) {
        c.skip("decrease_reservation / populate_physmap", "no free page");
        return;
    }
    const uint64_t pfn = m.k.pages.pfn_of(page);
    const uint64_t old_mfn = m.boot.p2m[pfn];
    abi::DomainId self = abi::k_domid_self;
    const long before = hv::memory_op(abi::MemoryOp::current_reservation, &self);

    c.expect(hv::update_va_mapping(page_va(page), 0, abi::k_uvmf_invlpg | abi::k_uvmf_local), 0,
             "update_va_mapping: unmap the page");
    uint64_t extent = old_mfn;
    abi::MemoryReservation r{};
    r.extent_start = abi::GuestPtr<abi::Pfn>::of(&extent);
    r.nr_extents = 1;
    r.domid = abi::k_domid_self;
    c.expect(hv::memory_op(abi::MemoryOp::decrease_reservation, &r), 1,
             "memory_op decrease_reservation of one frame");
    c.expect(hv::memory_op(abi::MemoryOp::current_reservation, &self), before - 1,
             "current_reservation one lower");
    if (m.foreign_mfn != 0) {
        extent = m.foreign_mfn;
        c.expect(hv::memory_op(abi::MemoryOp::decrease_reservation, &r), 0,
                 "decrease_reservation of a frame that is not ours does nothing (0 extents)");
    }

    extent = pfn;
    c.expect(hv::memory_op(abi::MemoryOp::populate_physmap, &r), 1,
             "memory_op populate_physmap of the pfn");
    const uint64_t new_mfn = extent;
    c.check(new_mfn < m.m2p_entries && m2p()[new_mfn] == pfn,
            "populate_physmap returned a frame whose M2P entry is the pfn", "mfn {:#x} M2P {:#x}",
            new_mfn, new_mfn < m.m2p_entries ? m2p()[new_mfn] : 0);
    const_cast<uint64_t*>(m.boot.p2m)[pfn] = new_mfn; // our p2m is ours to keep
    c.expect(remap(page, new_mfn, pte::rw_leaf), 0, "update_va_mapping: map the new frame");
    page[0] = 0x600d;
    page[511] = 0x600e;
    c.check(page[0] == 0x600d && page[511] == 0x600e, "the new frame is usable");
    c.expect(hv::memory_op(abi::MemoryOp::current_reservation, &self), before,
             "current_reservation back");
    m.k.pages.free(page);
}

} // namespace

void test_pv_mmu(Kernel& k, Checker& c) {
    if (!k.pv_mmu || k.events.shared_info() == nullptr) {
        c.skip("PV MMU", "no-pv-mmu, or shared_info not mapped");
        return;
    }
    Mmu m(k, c);
    test_memory_queries(m);
    if (!c.check(find_bootstrap_tables(m), "bootstrap L4 -> L3 -> L2 found through the M2P"))
        return;

    k.trap_hook = fault_catcher_hook;
    if (set_up_scratch(m)) {
        test_scratch_updates(m);
        test_hostile_updates(m);
        test_hostile_tables(m);
        test_batches(m);
        test_writable_page_tables(m);
        tear_down_scratch(m);
    }
    k.trap_hook = nullptr;
    test_user_page_tables(m);
    test_reservation_round_trip(m);
    m.hooked = false;
    check_intact(m, "the PV MMU group");
}

} // namespace minios::test
