#include "dom0-tools/lib/toolstack/domain_builder.hpp"

#include "core/builder/pv_builder.hpp"
#include "dom0-tools/lib/toolstack/domain_lookup.hpp"
#include "dom0-tools/lib/toolstack/domain_mode.hpp"
#include "dom0-tools/lib/toolstack/foreign_memory.hpp"
#include "dom0-tools/lib/toolstack/pvh_domain.hpp"
#include "dom0-tools/lib/toolstack/start_context.hpp"
#include "include/public/version.hpp"

namespace pv::tools {

namespace {

// populate_physmap batch: one hypercall per 2 MiB.
constexpr uint64_t k_populate_chunk = 512;

bool has_name_word(StringView cmdline) {
    for (size_t i = 0; i < cmdline.size(); ++i) {
        const bool word_start = i == 0 || cmdline[i - 1] == ' ' || cmdline[i - 1] == '\t';
        if (word_start && cmdline.substr(i).starts_with("name=")) return true;
    }
    return false;
}

StringView text_of(const char* field, size_t capacity) {
    size_t n = 0;
    while (n < capacity && field[n] != '\0')
        ++n;
    return StringView(field, n);
}

// A file from the guests' archive.
Status read_image(FileSource& files, StringView path, StringView what, StringView& bytes,
                  Failure& why) {
    auto file = files.read_file(path);
    if (file) {
        bytes = *file;
        return Status::ok();
    }
    if (file.error() == Errno::enoent)
        return why.set(Errno::enoent, "{} {}: no such file", what, path);
    if (file.error() == Errno::eisdir)
        return why.set(Errno::eisdir, "{} {}: is a directory", what, path);
    return why.set(file.error(), "{} {}: cannot read: {}", what, path,
                   describe_errno(file.error()));
}

uint64_t mib_of_pages(uint64_t pages) {
    return pages / k_pages_per_mib;
}

// The domain being built; destroys what exists of it unless committed.
class Construction {
public:
    Construction(ControlPlane& hv, Guest& guest) : hv_(hv), guest_(guest) {}
    ~Construction() {
        if (committed_) return;
        guest_.console.close(hv_);
        if (created_) (void)hv_.destroy_domain(guest_.domid);
    }
    void created(uint16_t domid) {
        guest_.domid = domid;
        created_ = true;
    }
    void commit() { committed_ = true; }

private:
    ControlPlane& hv_;
    Guest& guest_;
    bool created_ = false;
    bool committed_ = false;
};

Status create_domain(ControlPlane& hv, const DomainConfig& config, DomainType mode,
                     uint64_t& shared_info_mfn, uint16_t& domid, Failure& why) {
    const bool pvh = mode == DomainType::pvh;
    abi::DomctlCreateDomain create{};
    create.flags = pvh ? abi::k_create_pvh : 0;
    create.max_vcpus = config.max_vcpus;
    create.max_memkb = config.maxmem_mib * 1024;
    for (size_t i = 0; i + 1 < sizeof create.name && config.name[i] != '\0'; ++i)
        create.name[i] = config.name[i];
    auto created = hv.create_domain(create);
    if (!created) {
        switch (created.error()) {
        case Errno::eexist:
            return why.set(Errno::eexist, "name '{}' is already in use", config.name);
        case Errno::enomem:
            return why.set(Errno::enomem, "not enough memory to create domain '{}'", config.name);
        case Errno::enospc:
            return why.set(Errno::enospc, "no free domain id for '{}'", config.name);
        case Errno::einval:
            return why.set(Errno::einval, "the hypervisor refused {} domain '{}' ({} vCPUs): {}",
                           pvh ? "PVH" : "PV", config.name, config.max_vcpus,
                           describe_errno(created.error()));
        default:
            return why.set(created.error(), "cannot create domain '{}': {}", config.name,
                           describe_errno(created.error()));
        }
    }
    domid = *created;
    shared_info_mfn = create.shared_info_mfn;
    return Status::ok();
}

Status not_enough_memory(ControlPlane& hv, const DomainConfig& config, Failure& why) {
    abi::SysctlPhysinfo info{};
    if (hv.physinfo(info))
        return why.set(Errno::enomem, "not enough memory for '{}': {} MiB wanted, {} MiB free",
                       config.name, config.memory_mib, mib_of_pages(info.free_pages));
    return why.set(Errno::enomem, "not enough memory for '{}': {} MiB wanted", config.name,
                   config.memory_mib);
}

Status populate(ControlPlane& hv, uint16_t domid, const DomainConfig& config, uint64_t* mfns,
                uint64_t pages, Failure& why) {
    for (uint64_t pfn = 0; pfn < pages; pfn += k_populate_chunk) {
        const uint64_t count = pages - pfn < k_populate_chunk ? pages - pfn : k_populate_chunk;
        Status s = hv.populate(domid, pfn, count, mfns + pfn);
        if (s.error() == Errno::enomem) return not_enough_memory(hv, config, why);
        if (!s)
            return why.set(s.error(), "cannot populate '{}': {}", config.name,
                           describe_errno(s.error()));
    }
    return Status::ok();
}

Status open_console_channel(ControlPlane& hv, uint16_t domid, Guest& guest, uint32_t& remote_port,
                            Failure& why) {
    auto remote = hv.alloc_unbound(domid);
    if (!remote)
        return why.set(remote.error(), "console event channel: {}", describe_errno(remote.error()));
    auto local = hv.bind_interdomain(domid, *remote);
    if (!local)
        return why.set(local.error(), "console event channel: {}", describe_errno(local.error()));
    guest.console.set_port(*local);
    remote_port = *remote;
    return Status::ok();
}

Status run_builder(ControlPlane& hv, const DomainConfig& config, uint16_t domid, uint64_t pages,
                   uint64_t shared_info_mfn, uint32_t console_port, StringView kernel,
                   StringView ramdisk, BuildScratch& scratch, builder::PvBuildResult& built,
                   Failure& why) {
    builder::PvBuildRequest request;
    request.kernel = reinterpret_cast<const uint8_t*>(kernel.data());
    request.kernel_size = kernel.size();
    if (!ramdisk.empty()) {
        request.module = reinterpret_cast<const uint8_t*>(ramdisk.data());
        request.module_size = ramdisk.size();
    }
    request.cmdline = scratch.cmdline;
    request.privileged = false;
    request.shared_info_maddr = shared_info_mfn * k_guest_page_size;
    request.console_evtchn = console_port;
    request.store_evtchn = 0; // no xenstore
    request.policy.hypervisor_features = guest_features();
    request.policy.as_dom0 = false;

    ForeignMemory memory(hv, domid, scratch.mfns, pages, scratch.spare_page);
    builder::BuildError error{};
    auto result = builder::build_pv_domain(memory, request, &error);
    memory.release(); // before the page tables are validated
    if (!result) {
        char reason[200];
        error.render(reason, sizeof reason);
        return why.set(result.error(), "kernel {}: {}", config.kernel, reason);
    }
    if (!memory.status())
        return why.set(memory.status().error(), "cannot map the memory of '{}': {}", config.name,
                       describe_errno(memory.status().error()));
    built = *result;
    return Status::ok();
}

// The PV half of the build: image and start tables by the PV builder, the
// tables pinned, vCPU 0, the console ring mapped.
Status load_pv_domain(ControlPlane& hv, const DomainConfig& config, uint16_t domid, uint64_t pages,
                      uint64_t shared_info_mfn, uint32_t console_port, StringView kernel,
                      StringView ramdisk, BuildScratch& scratch, Guest& guest, Failure& why) {
    builder::PvBuildResult built;
    TRY(run_builder(hv, config, domid, pages, shared_info_mfn, console_port, kernel, ramdisk,
                    scratch, built, why));

    // Xen's toolstack pins the top-level table before setting the context
    // (libxc arch_setup_bootlate): a PV guest may then unpin the tables it
    // was started on; Linux does in xen_setup_kernel_pagetable and stops
    // (BUG) if that fails.
    Status s = hv.pin_l4_table(domid, built.l4_maddr / k_guest_page_size);
    if (!s)
        return why.set(s.error(), "the hypervisor refused the page tables of '{}': {}", config.name,
                       describe_errno(s.error()));

    make_start_context(built, scratch.context);
    s = hv.set_vcpu_context(domid, 0, scratch.context);
    if (!s)
        return why.set(s.error(), "the hypervisor refused the start state of '{}': {}", config.name,
                       describe_errno(s.error()));

    // The console ring is not a page table: mapping it after validation is
    // what keeps the builder's rule (no mappings at set_vcpu_context).
    s = guest.console.map_ring(hv, domid, built.console_mfn);
    if (!s)
        return why.set(s.error(), "cannot map the console of '{}': {}", config.name,
                       describe_errno(s.error()));
    return Status::ok();
}

Status apply_scheduling(ControlPlane& hv, const DomainConfig& config, uint16_t domid,
                        Failure& why) {
    for (uint32_t vcpu = 0; vcpu < config.max_vcpus; ++vcpu) {
        if (config.cpu_affinity[vcpu] == k_config_all_cpus) continue;
        Status s = hv.set_vcpu_affinity(domid, vcpu, config.cpu_affinity[vcpu]);
        if (!s)
            return why.set(s.error(), "cpus: cannot pin vCPU {} of '{}': {}", vcpu, config.name,
                           describe_errno(s.error()));
    }
    abi::DomctlSchedCredit credit{};
    credit.set = 1;
    credit.weight = config.weight;
    credit.cap = config.cap;
    Status s = hv.sched_credit(domid, credit);
    if (!s)
        return why.set(s.error(), "weight {} / cap {} refused for '{}': {}", config.weight,
                       config.cap, config.name, describe_errno(s.error()));
    return Status::ok();
}

} // namespace

uint32_t guest_features() {
    using abi::Feature;
    return abi::feature_bit(Feature::writable_page_tables) |
           abi::feature_bit(Feature::writable_descriptor_tables) |
           abi::feature_bit(Feature::pae_pgdir_above_4gb) |
           abi::feature_bit(Feature::mmu_pt_update_preserve_ad) |
           abi::feature_bit(Feature::gnttab_map_avail_bits);
}

Status compose_cmdline(const DomainConfig& config, char* out, size_t size) {
    const StringView cmdline = text_of(config.cmdline, sizeof config.cmdline);
    const StringView name = text_of(config.name, sizeof config.name);
    size_t n = 0;
    auto put = [&](StringView text) {
        for (char c : text) {
            if (n + 1 >= size) return false;
            out[n++] = c;
        }
        return true;
    };
    bool fits = true;
    if (!has_name_word(cmdline)) {
        fits = put("name=") && put(name);
        if (fits && !cmdline.empty()) fits = put(" ");
    }
    fits = fits && put(cmdline);
    out[n] = '\0';
    return fits ? Status::ok() : Status(Errno::enametoolong);
}

Status build_guest(ControlPlane& hv, FileSource& files, const DomainConfig& config,
                   BuildScratch& scratch, Guest& guest, Failure& why) {
    if (config.memory_mib > k_max_guest_memory_mib)
        return why.set(Errno::enomem, "memory: {} MiB is more than pvctl builds (at most {} MiB)",
                       config.memory_mib, k_max_guest_memory_mib);
    if (!compose_cmdline(config, scratch.cmdline, sizeof scratch.cmdline))
        return why.set(Errno::enametoolong, "cmdline: too long once \"name={}\" is added",
                       config.name);

    StringView kernel, ramdisk;
    TRY(read_image(files, text_of(config.kernel, sizeof config.kernel), "kernel", kernel, why));
    if (config.ramdisk[0] != '\0')
        TRY(read_image(files, text_of(config.ramdisk, sizeof config.ramdisk), "ramdisk", ramdisk,
                       why));

    // PV or PVH, refused here (before anything exists) when "pvh" cannot be.
    ModeChoice mode;
    TRY(choose_mode(hv, config, kernel, mode, why));
    guest.mode = mode.mode;
    guest.kernel_lacks_pvh = mode.kernel_lacks_pvh;

    abi::DomctlDomainInfo existing{};
    if (find_domain_by_name(hv, text_of(config.name, sizeof config.name), existing))
        return why.set(Errno::eexist, "name '{}' is already in use by domain {}", config.name,
                       existing.domain);

    const uint64_t pages = config.memory_mib * k_pages_per_mib;
    abi::SysctlPhysinfo physinfo{};
    if (hv.physinfo(physinfo) && physinfo.free_pages < pages)
        return not_enough_memory(hv, config, why);

    Construction construction(hv, guest);
    uint64_t shared_info_mfn = 0;
    uint16_t domid = 0;
    TRY(create_domain(hv, config, mode.mode, shared_info_mfn, domid, why));
    construction.created(domid);

    Status s = hv.set_max_memory(domid, config.maxmem_mib * 1024);
    if (!s)
        return why.set(s.error(), "maxmem: {} MiB refused: {}", config.maxmem_mib,
                       describe_errno(s.error()));
    TRY(populate(hv, domid, config, scratch.mfns, pages, why));

    uint32_t console_port = 0;
    TRY(open_console_channel(hv, domid, guest, console_port, why));

    if (mode.mode == DomainType::pvh)
        TRY(load_pvh_domain(hv, config, domid, PvhImage{kernel, ramdisk, pages, console_port},
                            scratch, guest, why));
    else
        TRY(load_pv_domain(hv, config, domid, pages, shared_info_mfn, console_port, kernel, ramdisk,
                           scratch, guest, why));

    TRY(apply_scheduling(hv, config, domid, why));
    s = hv.unpause_domain(domid);
    if (!s)
        return why.set(s.error(), "cannot start '{}': {}", config.name, describe_errno(s.error()));
    construction.commit();
    return Status::ok();
}

} // namespace pv::tools
