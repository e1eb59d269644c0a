#include "arch/x86/pv/boot_domain.hpp"

#include "arch/x86/paging.hpp"
#include "boot/multiboot/cmdline_cook.hpp"
#include "core/builder/pv_builder.hpp"
#include "include/public/shared_info.hpp"
#include "include/public/version.hpp"
#include "lib/log.hpp"

namespace pv::x86 {

namespace {

constexpr uint64_t k_page = 4096;
constexpr uint64_t k_default_memory = 256ull << 20;
constexpr uint64_t k_hypervisor_reserve = 32ull << 20; // left for the hypervisor itself

// The new domain's memory over the direct map; its p2m lives in
// hypervisor frames while building.
class DirectMappedDomainMemory final : public builder::DomainMemory {
public:
    DirectMappedDomainMemory(FrameAllocator& frames, uint16_t owner) : frames_(frames), owner_(owner) {}

    Status allocate(uint64_t pages) {
        uint64_t table_pages = (pages * 8 + k_page - 1) / k_page;
        uint64_t first = TRY(frames_.alloc_contiguous(table_pages, 1, k_owner_hypervisor));
        p2m_ = static_cast<uint64_t*>(phys_to_virt(first * k_page));
        p2m_first_ = first;
        p2m_pages_ = table_pages;
        for (; count_ < pages; ++count_) {
            auto mfn = frames_.alloc(owner_);
            if (!mfn) return mfn.status();
            p2m_[count_] = *mfn;
            auto* page = static_cast<uint64_t*>(phys_to_virt(*mfn * k_page));
            for (unsigned i = 0; i < 512; ++i) page[i] = 0; // never hand over old contents
        }
        return Status::ok();
    }
    void release() {
        for (uint64_t i = 0; i < count_; ++i) (void)frames_.free(p2m_[i]);
        count_ = 0;
        release_table();
    }
    void release_table() {
        if (p2m_pages_) (void)frames_.free_contiguous(p2m_first_, p2m_pages_);
        p2m_pages_ = 0;
    }

    uint64_t nr_pages() const override { return count_; }
    uint64_t mfn_of(uint64_t pfn) const override { return p2m_[pfn]; }
    uint8_t* map(uint64_t pfn) override { return static_cast<uint8_t*>(phys_to_virt(p2m_[pfn] * k_page)); }

private:
    FrameAllocator& frames_;
    uint16_t owner_;
    uint64_t* p2m_ = nullptr;
    uint64_t p2m_first_ = 0, p2m_pages_ = 0, count_ = 0;
};

// The features a PV kernel may ask for and we provide (Xen's XENFEAT_*).
uint32_t supported_features() {
    using abi::Feature;
    return abi::feature_bit(Feature::writable_page_tables) | abi::feature_bit(Feature::writable_descriptor_tables) |
           abi::feature_bit(Feature::pae_pgdir_above_4gb) | abi::feature_bit(Feature::mmu_pt_update_preserve_ad) |
           abi::feature_bit(Feature::gnttab_map_avail_bits) | abi::feature_bit(Feature::dom0);
}

} // namespace

Status build_boot_domain(const BootDomainRequest& req, Domain& domain, Vcpu& vcpu) {
    const BootInfo& boot = *req.boot;
    if (boot.module_count == 0) {
        log_error("dom0: no boot module: nothing to run as the boot domain");
        return Errno::enoent;
    }
    const BootModule& kernel = req.kernel ? *req.kernel : boot.modules[0];
    const BootModule* initrd = req.kernel ? req.initrd : boot.module_count > 1 ? &boot.modules[1] : nullptr;

    uint64_t available = req.frames->free_count() * k_page;
    uint64_t bytes = req.memory_bytes ? req.memory_bytes : k_default_memory;
    if (bytes + k_hypervisor_reserve > available) {
        if (req.memory_bytes) log_warning("dom0: dom0_mem={} MiB does not fit; using what is free", bytes >> 20);
        bytes = available > 2 * k_hypervisor_reserve ? available - k_hypervisor_reserve : available / 2;
    }
    uint64_t pages = bytes / k_page;

    DirectMappedDomainMemory memory(*req.frames, domain.id());
    if (!memory.allocate(pages)) {
        memory.release();
        log_error("dom0: not enough memory for {} MiB", bytes >> 20);
        return Errno::enomem;
    }
    auto shared = req.frames->alloc(domain.id());
    if (!shared) {
        memory.release();
        log_error("dom0: no frame for shared_info");
        return Errno::enomem;
    }
    auto* info = static_cast<abi::SharedInfo*>(phys_to_virt(*shared * k_page));
    auto* raw_info = reinterpret_cast<uint64_t*>(info);
    for (unsigned i = 0; i < 512; ++i) raw_info[i] = 0;
    for (auto& v : info->vcpu_info) v.evtchn_upcall_mask = 1; // events masked at start of day
    info->wc_sec = static_cast<uint32_t>(req.wallclock_seconds);
    info->wc_sec_hi = static_cast<uint32_t>(req.wallclock_seconds >> 32);

    builder::PvBuildRequest build;
    build.kernel = static_cast<const uint8_t*>(phys_to_virt(kernel.start));
    build.kernel_size = kernel.end - kernel.start;
    if (initrd) {
        build.module = static_cast<const uint8_t*>(phys_to_virt(initrd->start));
        build.module_size = initrd->end - initrd->start;
    }
    // The domain's command line: the module's, as Xen cooks it.
    char cmdline[sizeof kernel.cmdline];
    StringView cooked = req.cmdline ? StringView(req.cmdline) : cook_cmdline(boot, kernel.cmdline);
    for (size_t i = 0; i <= cooked.size() && i < sizeof cmdline; ++i) cmdline[i] = i < cooked.size() ? cooked[i] : '\0';
    cmdline[sizeof cmdline - 1] = '\0';
    build.cmdline = cmdline;
    build.privileged = true;
    build.shared_info_maddr = *shared * k_page;
    build.policy.hypervisor_features = supported_features();
    build.policy.as_dom0 = true;

    builder::BuildError error{};
    auto built = builder::build_pv_domain(memory, build, &error);
    if (!built) {
        char reason[160];
        error.render(reason, sizeof reason);
        log_error("dom0: cannot boot module {}: {}", &kernel - boot.modules, reason);
        (void)req.frames->free(*shared);
        memory.release();
        return built.error();
    }
    for (uint64_t pfn = 0; pfn < memory.nr_pages(); ++pfn) req.m2p->set(memory.mfn_of(pfn), pfn);
    memory.release_table();

    // The hypervisor stays mapped in every PV guest (Xen's reserved L4
    // slots 256-271): guests run on their own page tables, and interrupts
    // and hypercalls arrive on them.
    auto* guest_l4 = static_cast<uint64_t*>(phys_to_virt(built->l4_maddr));
    auto* ours = static_cast<const uint64_t*>(phys_to_virt(req.hypervisor_cr3 & pte::address_mask));
    for (unsigned slot = PV_HYPERVISOR_L4_FIRST; slot <= PV_HYPERVISOR_L4_LAST; ++slot) guest_l4[slot] = ours[slot];

    // shared_info is the hypervisor's page shared with the domain (Xen's
    // xenheap): not part of its reservation.
    domain.max_pages = pages;
    domain.tot_pages = pages;
    domain.shared_info_mfn = *shared;
    domain.io_ports_allowed = true;
    domain.vcpus[0] = &vcpu;
    domain.vcpu_count = 1;

    // Xen's start-of-day register state for an x86-64 PV kernel.
    GuestRegisters& r = vcpu.regs;
    r = GuestRegisters{};
    r.rip = built->entry;
    r.rsp = built->stack_pointer;
    r.rsi = built->start_info;
    r.cs = abi::k_flat_kernel_cs;
    r.ss = abi::k_flat_kernel_ss;
    r.rflags = rflags::if_ | rflags::reserved1;
    vcpu.pv.kernel_cr3 = built->l4_maddr;
    vcpu.pv.kernel_mode = true;
    vcpu.state = VcpuState::runnable;
    domain.state = DomainState::running;

    log_info("dom0: {} ({}), {} MiB, entry {:#x}, start_info {:#x}, {} page-table frames",
             built->guest.has_guest_os ? built->guest.guest_os : StringView("unnamed kernel"), cmdline, bytes >> 20,
             built->entry, built->start_info, built->pt_count);
    return Status::ok();
}

} // namespace pv::x86
