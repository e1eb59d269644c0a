#include "dom0-tools/lib/toolstack/domain_mode.hpp"

#include "core/builder/elf_image.hpp"
#include "core/builder/xen_notes.hpp"

namespace pv::tools {

namespace {

constexpr const char* k_no_containers =
    "this CPU offers no hardware containers (AMD SVM with NPT or Intel VMX with EPT and "
    "unrestricted guest)";
constexpr const char* k_no_entry = "has no PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY)";

} // namespace

bool host_offers_pvh(uint32_t virt_caps) {
    return (virt_caps & (abi::k_virt_cap_svm | abi::k_virt_cap_vmx)) != 0;
}

StringView hardware_container_name(uint32_t virt_caps) {
    // One vendor per CPU: the hypervisor never reports both.
    if (virt_caps & abi::k_virt_cap_svm) return "AMD SVM with NPT";
    if (virt_caps & abi::k_virt_cap_vmx) return "Intel VMX with EPT";
    return "none";
}

Result<bool> kernel_has_pvh_entry(StringView kernel, StringView path, Failure& why) {
    builder::BuildError error{};
    auto image = builder::ElfImage::parse(reinterpret_cast<const uint8_t*>(kernel.data()),
                                          kernel.size(), &error);
    Result<builder::XenGuestInfo> notes(Errno::einval);
    if (image) notes = builder::parse_xen_notes(*image, &error);
    if (!image || !notes) {
        char reason[200];
        error.render(reason, sizeof reason);
        return why.set(Errno::einval, "kernel {}: {}", path, static_cast<const char*>(reason));
    }
    return notes->has_phys32_entry;
}

Status choose_mode(ControlPlane& hv, const DomainConfig& config, StringView kernel,
                   ModeChoice& choice, Failure& why) {
    choice = ModeChoice{};
    if (config.type == DomainType::pv) return Status::ok();

    const StringView path(config.kernel);
    abi::SysctlPhysinfo info{};
    Status s = hv.physinfo(info);
    if (config.type == DomainType::automatic) {
        // Not knowing what the host offers is the PV answer: PV always works.
        if (!s || !host_offers_pvh(info.virt_caps)) return Status::ok();
        Failure ignored; // an unreadable kernel is the PV builder's to explain
        auto entry = kernel_has_pvh_entry(kernel, path, ignored);
        if (entry && *entry)
            choice.mode = DomainType::pvh;
        else
            choice.kernel_lacks_pvh = entry.is_ok();
        return Status::ok();
    }

    if (!s)
        return why.set(s.error(),
                       "type \"pvh\": cannot ask the hypervisor what this CPU offers: {}",
                       describe_errno(s.error()));
    if (!host_offers_pvh(info.virt_caps))
        return why.set(Errno::einval, "type \"pvh\": {}; use type = \"pv\" or \"auto\"",
                       k_no_containers);
    auto entry = kernel_has_pvh_entry(kernel, path, why);
    if (!entry) return entry.status();
    if (!*entry)
        return why.set(Errno::einval, "type \"pvh\": kernel {} {}; use type = \"pv\" or \"auto\"",
                       path, k_no_entry);
    choice.mode = DomainType::pvh;
    return Status::ok();
}

} // namespace pv::tools
