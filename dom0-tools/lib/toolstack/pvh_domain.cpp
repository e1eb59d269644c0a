#include "dom0-tools/lib/toolstack/pvh_domain.hpp"

#include "core/builder/pvh_builder.hpp"
#include "dom0-tools/lib/toolstack/foreign_memory.hpp"
#include "dom0-tools/lib/toolstack/start_context.hpp"
#include "include/public/hvm.hpp"

namespace pv::tools {

namespace {

Status run_pvh_builder(ControlPlane& hv, const DomainConfig& config, uint16_t domid,
                       const PvhImage& image, BuildScratch& scratch, builder::PvhBuildResult& built,
                       Failure& why) {
    builder::PvhBuildRequest request{};
    request.kernel = reinterpret_cast<const uint8_t*>(image.kernel.data());
    request.kernel_size = image.kernel.size();
    request.cmdline = scratch.cmdline;
    if (!image.ramdisk.empty()) {
        request.ramdisk = reinterpret_cast<const uint8_t*>(image.ramdisk.data());
        request.ramdisk_size = image.ramdisk.size();
    }
    request.ramdisk_cmdline = nullptr; // a module without a command line
    request.memory_pages = image.pages;
    request.vcpu_count = config.max_vcpus;

    ForeignMemory frames(hv, domid, scratch.mfns, image.pages, scratch.spare_page);
    ForeignPhysicalMemory memory(frames);
    builder::BuildError error{};
    auto result = builder::build_pvh(request, memory, error);
    frames.release();
    // A mapping that failed is the reason, whatever the builder made of it.
    if (!frames.status())
        return why.set(frames.status().error(), "cannot map the memory of '{}': {}", config.name,
                       describe_errno(frames.status().error()));
    if (!result) {
        char reason[200];
        error.render(reason, sizeof reason);
        return why.set(result.error(), "kernel {}: {}", config.kernel,
                       static_cast<const char*>(reason));
    }
    built = *result;
    if (built.console_gfn >= image.pages || built.store_gfn >= image.pages)
        return why.set(Errno::einval, "kernel {}: the builder placed the console outside RAM",
                       config.kernel);
    return Status::ok();
}

Status set_param(ControlPlane& hv, const DomainConfig& config, uint16_t domid,
                 abi::HvmParamIndex index, const char* what, uint64_t value, Failure& why) {
    Status s = hv.set_hvm_param(domid, abi::raw(index), value);
    if (!s)
        return why.set(s.error(), "the hypervisor refused the {} of '{}': {}", what, config.name,
                       describe_errno(s.error()));
    return Status::ok();
}

} // namespace

Status load_pvh_domain(ControlPlane& hv, const DomainConfig& config, uint16_t domid,
                       const PvhImage& image, BuildScratch& scratch, Guest& guest, Failure& why) {
    builder::PvhBuildResult built{};
    TRY(run_pvh_builder(hv, config, domid, image, scratch, built, why));

    // What a PVH guest asks with HVMOP_get_param. No xenstore runs, so the
    // store parameters stay 0: that is how a PVH kernel learns there is
    // none (Linux's xenbus_init gives up on STORE_PFN 0 instead of waiting
    // forever for a store that never answers).
    using abi::HvmParamIndex;
    TRY(set_param(hv, config, domid, HvmParamIndex::console_pfn, "console page", built.console_gfn,
                  why));
    TRY(set_param(hv, config, domid, HvmParamIndex::console_evtchn, "console channel",
                  image.console_port, why));

    make_pvh_start_context(built, scratch.context);
    Status s = hv.set_vcpu_context(domid, 0, scratch.context);
    if (!s)
        return why.set(s.error(), "the hypervisor refused the start state of '{}': {}", config.name,
                       describe_errno(s.error()));

    s = guest.console.map_ring(hv, domid, scratch.mfns[built.console_gfn]);
    if (!s)
        return why.set(s.error(), "cannot map the console of '{}': {}", config.name,
                       describe_errno(s.error()));
    return Status::ok();
}

} // namespace pv::tools
