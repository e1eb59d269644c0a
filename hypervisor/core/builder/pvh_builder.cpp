#include "core/builder/pvh_builder.hpp"

#include "core/acpi/build_tables.hpp"
#include "core/builder/elf_image.hpp"
#include "core/builder/xen_notes.hpp"
#include "include/public/hvm_start_info.hpp"

namespace pv::builder {

namespace {

constexpr uint64_t k_4gib = uint64_t{1} << 32;
constexpr size_t k_memmap_entries = 4;
static_assert(k_memmap_entries <= k_pvh_max_memmap);
static_assert(k_pvh_memmap_offset + k_pvh_max_memmap * sizeof(abi::HvmMemmapTableEntry) <=
              k_pvh_module_cmdline_offset);
static_assert(k_pvh_modlist_offset + sizeof(abi::HvmModlistEntry) <= k_pvh_memmap_offset);
static_assert(k_pvh_start_info_offset + sizeof(abi::HvmStartInfo) <= k_pvh_modlist_offset);
static_assert(k_pvh_module_cmdline_offset + k_pvh_max_module_cmdline == k_pvh_cmdline_offset);
static_assert(k_pvh_cmdline_offset + k_pvh_max_cmdline == k_pvh_boot_info_pages * k_pvh_page_size);
static_assert(k_pvh_boot_info_pages_from_top - k_pvh_boot_info_pages == k_pvh_acpi_pages_from_top);
static_assert(k_pvh_max_ram < k_4gib);

// Room for the ACPI tables of k_pvh_max_vcpus vCPUs (checked at run time by
// build_pvh_tables, which answers ENOSPC if it were ever too small).
constexpr size_t k_acpi_buffer = 1024;

constexpr uint64_t page_up(uint64_t a) {
    return (a + k_pvh_page_size - 1) & ~(k_pvh_page_size - 1);
}

// Length of `s` if it ends within `max` bytes (NUL included), else `max`.
size_t bounded_length(const char* s, size_t max) {
    size_t n = 0;
    while (n < max && s[n] != '\0')
        ++n;
    return n;
}

// ElfImage::load writes relative to the image's lowest p_paddr; the kernel
// starts at `base` in the guest.
class GuestPhysicalSink final : public ElfLoadSink {
public:
    GuestPhysicalSink(GuestPhysicalMemory& memory, uint64_t base) : memory_(memory), base_(base) {}
    Status copy(uint64_t offset, const uint8_t* bytes, uint64_t length) override {
        return memory_.write(base_ + offset, bytes, static_cast<size_t>(length));
    }
    Status zero(uint64_t offset, uint64_t length) override {
        return memory_.fill(base_ + offset, 0, static_cast<size_t>(length));
    }

private:
    GuestPhysicalMemory& memory_;
    uint64_t base_;
};

// Where everything goes, derived from the request before anything is
// written (see the layout in pvh_builder.hpp).
struct Plan {
    uint64_t ram_end = 0;
    uint64_t boot_info = 0;
    uint64_t acpi = 0;
    uint64_t console = 0;
    uint64_t store = 0;
    uint64_t kernel_start = 0;
    uint64_t kernel_end = 0;
    uint64_t load_bias = 0; // gpa = p_paddr - load_bias
    uint32_t entry = 0;
    uint64_t ramdisk = 0;
    size_t cmdline_length = 0; // without the NUL
    size_t module_cmdline_length = 0;
};

Status check_request(const PvhBuildRequest& r, Plan& plan, BuildError& why) {
    if (r.kernel == nullptr || r.kernel_size == 0)
        return fail(&why, Errno::einval, "no kernel image given");
    if (r.vcpu_count == 0) return fail(&why, Errno::einval, "a PVH domain needs at least one vCPU");
    if (r.vcpu_count > k_pvh_max_vcpus)
        return fail_counting(&why, Errno::einval, "a PVH domain has at most {} vCPUs",
                             k_pvh_max_vcpus);
    if (r.memory_pages < k_pvh_min_memory_pages)
        return fail_counting(&why, Errno::einval, "a PVH domain needs at least {} pages of memory",
                             k_pvh_min_memory_pages);
    if (r.memory_pages > k_pvh_max_memory_pages)
        return fail_counting(&why, Errno::einval, "a PVH domain has at most {} pages of memory",
                             k_pvh_max_memory_pages);
    if ((r.ramdisk == nullptr) != (r.ramdisk_size == 0))
        return fail(&why, Errno::einval, "ramdisk address and size disagree");
    if (r.ramdisk_cmdline != nullptr && r.ramdisk == nullptr)
        return fail(&why, Errno::einval, "ramdisk command line given without a ramdisk");
    if (r.cmdline != nullptr) {
        plan.cmdline_length = bounded_length(r.cmdline, k_pvh_max_cmdline);
        if (plan.cmdline_length == k_pvh_max_cmdline)
            return fail_counting(&why, Errno::einval,
                                 "kernel command line longer than {} characters",
                                 k_pvh_max_cmdline - 1);
    }
    if (r.ramdisk_cmdline != nullptr) {
        plan.module_cmdline_length = bounded_length(r.ramdisk_cmdline, k_pvh_max_module_cmdline);
        if (plan.module_cmdline_length == k_pvh_max_module_cmdline)
            return fail_counting(&why, Errno::einval,
                                 "ramdisk command line longer than {} characters",
                                 k_pvh_max_module_cmdline - 1);
    }
    plan.ram_end = r.memory_pages * k_pvh_page_size;
    plan.boot_info = plan.ram_end - k_pvh_boot_info_pages_from_top * k_pvh_page_size;
    plan.acpi = plan.ram_end - k_pvh_acpi_pages_from_top * k_pvh_page_size;
    plan.console = plan.ram_end - k_pvh_console_pages_from_top * k_pvh_page_size;
    plan.store = plan.ram_end - k_pvh_store_pages_from_top * k_pvh_page_size;
    return Status::ok();
}

// The kernel's guest-physical extent and entry (see "Load address" in the
// header), checked against RAM and the builder's pages.
Status place_kernel(const ElfImage& image, const XenGuestInfo& notes, Plan& plan, BuildError& why) {
    if (!notes.has_phys32_entry)
        return fail(&why, Errno::einval, "kernel has no PHYS32_ENTRY note (not built for Xen PVH)");
    if (image.load_end() <= k_4gib) {
        plan.load_bias = 0;
    } else if (notes.has_paddr_offset && notes.paddr_offset <= image.load_start()) {
        plan.load_bias = notes.paddr_offset;
    } else {
        return fail(&why, Errno::einval, "kernel segment lies above 4 GiB");
    }
    plan.kernel_start = image.load_start() - plan.load_bias;
    plan.kernel_end = image.load_end() - plan.load_bias;
    if (plan.kernel_end > plan.ram_end)
        return fail(&why, Errno::einval, "kernel segment lies beyond the domain's RAM");
    if (plan.kernel_end > plan.boot_info)
        return fail(&why, Errno::einval,
                    "kernel segment overlaps the start-of-day pages at the top of RAM");
    if (notes.phys32_entry < plan.kernel_start || notes.phys32_entry >= plan.kernel_end)
        return fail(&why, Errno::einval, "PHYS32_ENTRY lies outside the loaded kernel");
    plan.entry = static_cast<uint32_t>(notes.phys32_entry); // < kernel_end <= 4 GiB
    return Status::ok();
}

Status place_ramdisk(const PvhBuildRequest& r, Plan& plan, BuildError& why) {
    if (r.ramdisk == nullptr) return Status::ok();
    plan.ramdisk = page_up(plan.kernel_end);
    if (r.ramdisk_size > plan.boot_info - plan.ramdisk) {
        const uint64_t short_by = page_up(plan.ramdisk + r.ramdisk_size) - plan.boot_info;
        return fail_counting(&why, Errno::einval,
                             "ramdisk does not fit in the domain's memory: {} more pages needed",
                             short_by / k_pvh_page_size);
    }
    return Status::ok();
}

// Passes a memory-interface error on, naming the step.
Status wrote(Status s, BuildError& why, const char* what) {
    if (!s) return fail(&why, s.error(), what);
    return s;
}

Status write_acpi(const PvhBuildRequest& r, const Plan& plan, GuestPhysicalMemory& memory,
                  uint64_t& rsdp, BuildError& why) {
    uint8_t tables[k_acpi_buffer];
    acpi::PvhAcpiRequest request;
    request.base = plan.acpi;
    request.vcpu_count = r.vcpu_count;
    auto built = acpi::build_pvh_tables(request, tables, sizeof tables);
    if (!built) return fail(&why, built.error(), "cannot build the ACPI tables");
    rsdp = built->rsdp;
    return wrote(memory.write(plan.acpi, tables, built->size), why,
                 "cannot write the ACPI tables to guest memory");
}

uint32_t write_memmap(const Plan& plan, abi::HvmMemmapTableEntry (&map)[k_memmap_entries]) {
    auto entry = [](uint64_t from, uint64_t to, abi::HvmMemmapType type) {
        return abi::HvmMemmapTableEntry{from, to - from, static_cast<uint32_t>(type), 0};
    };
    map[0] = entry(0, plan.boot_info, abi::HvmMemmapType::ram);
    map[1] = entry(plan.boot_info, plan.acpi, abi::HvmMemmapType::reserved);
    map[2] = entry(plan.acpi, plan.console, abi::HvmMemmapType::acpi);
    map[3] = entry(plan.console, plan.ram_end, abi::HvmMemmapType::reserved);
    return k_memmap_entries;
}

} // namespace

Result<PvhBuildResult> build_pvh(const PvhBuildRequest& request, GuestPhysicalMemory& memory,
                                 BuildError& why) {
    why = BuildError{};
    Plan plan;
    TRY(check_request(request, plan, why));
    // Xen loads PVH kernels from ELF32 i386 files too (paging is off at
    // entry, so the class only changes the header layout).
    const ElfImage image =
        TRY(ElfImage::parse(request.kernel, request.kernel_size, &why, /*accept_elf32=*/true));
    const XenGuestInfo notes = TRY(parse_xen_notes(image, &why));
    TRY(place_kernel(image, notes, plan, why));
    TRY(place_ramdisk(request, plan, why));

    // The builder's own pages first, whole: no stale bytes in padding, and
    // the console and xenstore rings start empty.
    TRY(wrote(memory.fill(plan.boot_info, 0, k_pvh_reserved_pages * k_pvh_page_size), why,
              "cannot clear the start-of-day pages"));

    GuestPhysicalSink sink(memory, plan.kernel_start);
    TRY(wrote(image.load(sink), why, "cannot load the kernel into guest memory"));
    if (request.ramdisk != nullptr)
        TRY(wrote(memory.write(plan.ramdisk, request.ramdisk, request.ramdisk_size), why,
                  "cannot load the ramdisk into guest memory"));

    uint64_t rsdp = 0;
    TRY(write_acpi(request, plan, memory, rsdp, why));

    abi::HvmStartInfo info{};
    info.magic = abi::k_hvm_start_magic;
    info.version = abi::k_hvm_start_info_version;
    info.flags = 0;
    info.rsdp_paddr = rsdp;

    abi::HvmMemmapTableEntry map[k_memmap_entries];
    info.memmap_entries = write_memmap(plan, map);
    info.memmap_paddr = plan.boot_info + k_pvh_memmap_offset;
    TRY(wrote(memory.write(info.memmap_paddr, map, sizeof map), why,
              "cannot write the memory map"));

    if (request.cmdline != nullptr) {
        info.cmdline_paddr = plan.boot_info + k_pvh_cmdline_offset;
        TRY(wrote(memory.write(info.cmdline_paddr, request.cmdline, plan.cmdline_length), why,
                  "cannot write the command line"));
    }
    if (request.ramdisk != nullptr) {
        abi::HvmModlistEntry module{};
        module.paddr = plan.ramdisk;
        module.size = request.ramdisk_size;
        if (request.ramdisk_cmdline != nullptr) {
            module.cmdline_paddr = plan.boot_info + k_pvh_module_cmdline_offset;
            TRY(wrote(memory.write(module.cmdline_paddr, request.ramdisk_cmdline,
                                   plan.module_cmdline_length),
                      why, "cannot write the ramdisk command line"));
        }
        info.nr_modules = 1;
        info.modlist_paddr = plan.boot_info + k_pvh_modlist_offset;
        TRY(wrote(memory.write(info.modlist_paddr, &module, sizeof module), why,
                  "cannot write the module list"));
    }
    // The terminating NULs are already there: the pages were cleared above.
    TRY(wrote(memory.write(plan.boot_info + k_pvh_start_info_offset, &info, sizeof info), why,
              "cannot write hvm_start_info"));

    PvhBuildResult result;
    result.entry = plan.entry;
    result.start_info_gpa = static_cast<uint32_t>(plan.boot_info + k_pvh_start_info_offset);
    result.console_gfn = plan.console / k_pvh_page_size;
    result.store_gfn = plan.store / k_pvh_page_size;
    result.kernel_start_gpa = plan.kernel_start;
    result.kernel_end_gpa = plan.kernel_end;
    result.ramdisk_gpa = plan.ramdisk;
    result.ramdisk_size = request.ramdisk != nullptr ? request.ramdisk_size : 0;
    result.boot_info_gpa = plan.boot_info;
    result.acpi_gpa = plan.acpi;
    result.rsdp_gpa = rsdp;
    result.ram_end = plan.ram_end;
    result.memmap_entries = info.memmap_entries;
    return result;
}

} // namespace pv::builder
