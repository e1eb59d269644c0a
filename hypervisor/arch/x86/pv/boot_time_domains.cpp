#include "arch/x86/pv/boot_time_domains.hpp"

#include "arch/x86/emulator_exit.hpp"
#include "arch/x86/paging.hpp"
#include "arch/x86/stack_protector.hpp"
#include "boot/multiboot/cmdline_cook.hpp"
#include "core/builder/pv_builder.hpp"
#include "core/pv_mm/pv_mmu.hpp"
#include "include/public/start_info.hpp"
#include "include/public/vcpu_context.hpp"
#include "include/public/version.hpp"
#include "lib/log.hpp"

namespace pv::x86 {

namespace {

constexpr uint64_t k_page = 4096;
constexpr uint64_t k_pages_per_mib = (1u << 20) / k_page;
constexpr uint64_t k_hypervisor_reserve_mib = 32; // as build_boot_domain leaves
constexpr uint32_t k_default_dom0_mib = 256;      // build_boot_domain's default

class LogDiagnostics final : public FdtDiagnostics {
public:
    void report(StringView message) override { log_warning("{}", message); }
};

StringView first_word(StringView text) {
    size_t end = 0;
    while (end < text.size() && text[end] != ' ')
        ++end;
    return text.substr(0, end);
}

const uint8_t* module_bytes(const BootModule& m) {
    return static_cast<const uint8_t*>(phys_to_virt(m.start));
}

// What a PV DomU may ask for (Xen's XENFEAT_*): what Dom0 gets, without
// XENFEAT_dom0.
uint32_t domu_features() {
    using abi::Feature;
    return abi::feature_bit(Feature::writable_page_tables) |
           abi::feature_bit(Feature::writable_descriptor_tables) |
           abi::feature_bit(Feature::pae_pgdir_above_4gb) |
           abi::feature_bit(Feature::mmu_pt_update_preserve_ad) |
           abi::feature_bit(Feature::gnttab_map_avail_bits);
}

// "name=NAME" first, unless the command line names the domain itself (the
// toolstack's convention for DomUs), then `bootargs`.
void compose_cmdline(const BootDomainSpec& spec, char* out, size_t size) {
    const StringView args = spec.cmdline;
    bool named = false;
    for (size_t i = 0; i < args.size(); ++i)
        if ((i == 0 || args[i - 1] == ' ') && args.substr(i).starts_with("name=")) named = true;
    size_t n = 0;
    auto put = [&](StringView text) {
        for (char c : text)
            if (n + 1 < size) out[n++] = c;
    };
    if (!named) {
        put("name=");
        put(spec.name);
        if (!args.empty()) put(" ");
    }
    put(args);
    out[n] = '\0';
}

// The new DomU's memory: frames populated into it as populate_physmap does
// (owned and counted, M2P set), reached through the direct map; the p2m
// list lives in hypervisor frames while building.
class PopulatedMemory final : public builder::DomainMemory {
public:
    PopulatedMemory(FrameAllocator& frames, PvMmu& mmu, Domain& domain)
        : frames_(frames), mmu_(mmu), domain_(domain) {}
    ~PopulatedMemory() {
        if (table_pages_) (void)frames_.free_contiguous(table_first_, table_pages_);
    }

    // The domain's own frames go with the domain when a failure destroys it.
    Status populate(uint64_t pages) {
        const uint64_t table_pages = (pages * sizeof(uint64_t) + k_page - 1) / k_page;
        table_first_ = TRY(frames_.alloc_contiguous(table_pages, 1, k_owner_hypervisor));
        table_pages_ = table_pages;
        p2m_ = static_cast<uint64_t*>(phys_to_virt(table_first_ * k_page));
        for (; count_ < pages; ++count_)
            p2m_[count_] = TRY(mmu_.populate_frame(domain_, count_));
        return Status::ok();
    }

    uint64_t nr_pages() const override { return count_; }
    uint64_t mfn_of(uint64_t pfn) const override { return p2m_[pfn]; }
    uint8_t* map(uint64_t pfn) override {
        return static_cast<uint8_t*>(phys_to_virt(p2m_[pfn] * k_page));
    }

private:
    FrameAllocator& frames_;
    PvMmu& mmu_;
    Domain& domain_;
    uint64_t* p2m_ = nullptr;
    uint64_t table_first_ = 0, table_pages_ = 0, count_ = 0;
};

// Xen's x86-64 PV start of day for vCPU 0 (as libxenguest sets it): RIP =
// entry, RSP = the boot stack, RSI = start_info, flat ring-3 kernel
// segments, interrupts on, kernel mode, CR3 = the bootstrap L4. The FPU
// keeps the vCPU's default state.
void make_start_context(const builder::PvBuildResult& built, const Vcpu& vcpu,
                        abi::VcpuGuestContext& c) {
    auto* raw = reinterpret_cast<uint8_t*>(&c);
    for (size_t i = 0; i < sizeof c; ++i)
        raw[i] = 0;
    for (size_t i = 0; i < sizeof vcpu.pv.fpu; ++i)
        c.fpu_ctxt[i] = vcpu.pv.fpu[i];
    c.flags = abi::k_vgcf_in_kernel | abi::k_vgcf_online;
    abi::CpuUserRegs& r = c.user_regs;
    r.rip = built.entry;
    r.rsp = built.stack_pointer;
    r.rsi = built.start_info;
    r.cs = abi::k_flat_kernel_cs;
    r.ss = abi::k_flat_kernel_ss;
    r.ds = r.es = r.fs = r.gs = abi::k_flat_kernel_ds;
    r.rflags = rflags::if_;
    c.kernel_ss = abi::k_flat_kernel_ss;
    c.ctrlreg[3] = built.l4_maddr;
}

} // namespace

BootTimeDomains::BootTimeDomains(const BootTimeParts& parts) : parts_(parts) {
    if (find_tree()) read_tree();
}

bool BootTimeDomains::find_tree() {
    const BootInfo& boot = *parts_.boot;
    for (size_t i = 0; i < boot.module_count; ++i) {
        const BootModule& m = boot.modules[i];
        module_names_[i] = first_word(cook_cmdline(boot, m.cmdline));
        if (tree_) continue;
        if (module_names_[i] == "fdt" || looks_like_fdt(module_bytes(m), m.end - m.start)) {
            tree_ = &m;
            tree_index_ = i;
        }
    }
    return tree_ != nullptr;
}

void BootTimeDomains::read_tree() {
    FdtDomainsInput input;
    input.blob = module_bytes(*tree_);
    input.blob_size = tree_->end - tree_->start;
    input.module_names = module_names_;
    input.module_count = parts_.boot->module_count;
    input.tree_module = tree_index_;
    const uint64_t free_mib = parts_.frames->free_count() / k_pages_per_mib;
    input.free_mib = free_mib > k_hypervisor_reserve_mib ? free_mib - k_hypervisor_reserve_mib : 0;
    input.default_privileged_mib =
        parts_.dom0_mem_bytes ? uint32_t(parts_.dom0_mem_bytes >> 20) : k_default_dom0_mib;
    input.max_vcpus = Domain::k_max_vcpus;

    log_info("fdt: module {} describes the boot-time domains", tree_index_);
    LogDiagnostics diagnostics;
    Result<size_t> count = Errno::einval;
    {
        // libfdt.a checks its stack canary at %fs:0x28.
        StackProtectorScope guard;
        count = parse_fdt_domains(input, specs_, k_max_boot_domains, diagnostics);
    }
    count_ = count.value_or(0);
    for (size_t i = 0; i < count_; ++i) {
        const BootDomainSpec& s = specs_[i];
        log_info("fdt: domain '{}': kernel module {}{}, {} MiB{}", s.name, s.kernel_module,
                 s.has_ramdisk ? ", with a ramdisk" : "",
                 s.memory_mib ? s.memory_mib : input.default_privileged_mib,
                 s.privileged ? ", privileged (Dom0)" : "");
    }
}

const BootDomainSpec* BootTimeDomains::dom0() const {
    for (size_t i = 0; i < count_; ++i)
        if (specs_[i].privileged) return &specs_[i];
    return nullptr;
}

void BootTimeDomains::describe_dom0(BootDomainRequest& request) const {
    const BootDomainSpec* spec = dom0();
    if (!spec) return;
    request.kernel = &parts_.boot->modules[spec->kernel_module];
    request.initrd = spec->has_ramdisk ? &parts_.boot->modules[spec->ramdisk_module] : nullptr;
    // The tree's strings end in a NUL inside the blob.
    if (spec->has_cmdline) request.cmdline = spec->cmdline.data();
    if (spec->memory_mib) request.memory_bytes = uint64_t(spec->memory_mib) << 20;
}

uint32_t BootTimeDomains::dom0_vcpus(uint32_t otherwise) const {
    const BootDomainSpec* spec = dom0();
    return spec && spec->vcpus ? spec->vcpus : otherwise;
}

uint32_t BootTimeDomains::start_domus() {
    const BootDomainSpec* privileged = dom0();
    if (privileged) {
        if (PvDomain* d0 = parts_.registry->find(DomainId{0}); d0 && d0->domain.privileged()) {
            Status s =
                parts_.control->set_sched_credit(d0->domain, privileged->weight, privileged->cap);
            if (!s) log_warning("fdt: domain '{}': weight/cap refused", privileged->name);
        }
    }
    uint32_t started = 0;
    for (size_t i = 0; i < count_; ++i)
        if (!specs_[i].privileged && start_domu(specs_[i])) ++started;
    if (present() && !privileged) {
        log_info("fdt: {} of {} described domain{} started; no Dom0", started, count_,
                 count_ == 1 ? "" : "s");
        if (started == 0) {
            log_error("fdt: no domain to run");
            if (parts_.test_exit) exit_emulator(Verdict::fail);
        }
    }
    return started;
}

Status BootTimeDomains::start_domu(const BootDomainSpec& spec) {
    if (spec.mode == BootDomainMode::pvh) {
        log_error("fdt: domain '{}': mode \"pvh\" needs hardware containers, which this hypervisor "
                  "lacks yet; not started",
                  spec.name);
        return Errno::eopnotsupp;
    }
    abi::DomctlCreateDomain create{};
    create.max_vcpus = spec.vcpus;
    create.max_memkb = uint64_t(spec.memory_mib) * 1024;
    for (size_t i = 0; i < spec.name.size() && i + 1 < sizeof create.name; ++i)
        create.name[i] = spec.name[i];
    uint64_t shared_info_mfn = 0;
    auto created = parts_.control->create(create, shared_info_mfn);
    if (!created) {
        log_error("fdt: domain '{}': cannot create it (errno {})", spec.name,
                  static_cast<int>(created.error()));
        return created.error();
    }
    Domain& domain = **created;

    Status s = Status::ok();
    {
        PopulatedMemory memory(*parts_.frames, *parts_.mmu, domain);
        char cmdline[abi::k_max_guest_cmdline];
        compose_cmdline(spec, cmdline, sizeof cmdline);
        builder::PvBuildRequest build;
        const BootModule& kernel = parts_.boot->modules[spec.kernel_module];
        build.kernel = module_bytes(kernel);
        build.kernel_size = kernel.end - kernel.start;
        if (spec.has_ramdisk) {
            const BootModule& ramdisk = parts_.boot->modules[spec.ramdisk_module];
            build.module = module_bytes(ramdisk);
            build.module_size = ramdisk.end - ramdisk.start;
        }
        build.cmdline = cmdline;
        build.shared_info_maddr = shared_info_mfn * k_page;
        build.policy.hypervisor_features = domu_features();

        builder::BuildError error{};
        Result<builder::PvBuildResult> built = Errno::enomem;
        if (!memory.populate(uint64_t(spec.memory_mib) * k_pages_per_mib)) {
            log_error("fdt: domain '{}': not enough memory for {} MiB", spec.name, spec.memory_mib);
            s = Errno::enomem;
        } else if (built = builder::build_pv_domain(memory, build, &error); !built) {
            char reason[160];
            error.render(reason, sizeof reason);
            log_error("fdt: domain '{}': cannot boot module {}: {}", spec.name, spec.kernel_module,
                      reason);
            s = built.error();
        } else {
            // No console backend at boot: announce no ring, so that the
            // guest writes with console_io (to the serial console).
            const uint64_t si = built->start_info;
            auto* info = reinterpret_cast<abi::StartInfo*>(memory.map(built->layout.pfn_of(si)) +
                                                           (si & (k_page - 1)));
            info->console.domu.mfn = 0;
            info->console.domu.evtchn = 0;
            s = set_start_state(domain, *built);
        }
    }
    if (s) s = parts_.control->set_sched_credit(domain, spec.weight, spec.cap);
    if (s) s = parts_.control->unpause(domain);
    if (!s) {
        log_error("fdt: domain '{}': not started", spec.name);
        (void)parts_.control->destroy(domain);
        return s;
    }
    log_info("fdt: domain '{}' runs as d{} ({} MiB, {} vCPU{}, weight {}, cap {})", spec.name,
             domain.id(), spec.memory_mib, spec.vcpus, spec.vcpus == 1 ? "" : "s", spec.weight,
             spec.cap);
    return Status::ok();
}

// vCPU 0's start state through the same check as the toolstack's
// setvcpucontext; the context (5 KiB) lives in frames of its own while
// it is applied, not on the boot stack.
Status BootTimeDomains::set_start_state(Domain& domain, const builder::PvBuildResult& built) {
    constexpr size_t pages = (sizeof(abi::VcpuGuestContext) + k_page - 1) / k_page;
    const uint64_t first = TRY(parts_.frames->alloc_contiguous(pages, 1, k_owner_hypervisor));
    auto* context = static_cast<abi::VcpuGuestContext*>(phys_to_virt(first * k_page));
    Vcpu& vcpu = *domain.vcpus[0];
    make_start_context(built, vcpu, *context);
    // Pinned first, as Xen's toolstack does: a PV kernel such as Linux
    // unpins the table it started on once it has built its own.
    Status s = parts_.mmu->pin(domain, built.l4_maddr >> 12, FrameType::l4);
    if (s) s = parts_.control->set_vcpu_context(vcpu, *context);
    (void)parts_.frames->free_contiguous(first, pages);
    if (!s)
        log_error("fdt: domain '{}': start state refused (errno {})", domain.name(),
                  static_cast<int>(s.error()));
    return s;
}

} // namespace pv::x86
