// xen_version(cmd, arg): Xen's do_xen_version (common/kernel.c, Xen 4.17).
//
// Permission (Xen's XSM dummy xsm_xen_version): version, platform_parameters
// and get_features are open; extraversion, compile_info, capabilities,
// changeset, pagesize and guest_handle are open to every guest by default;
// everything else (commandline, build_id) is for privileged domains. A
// denied commandline reads "<denied>"; a denied build_id is -EPERM.
// The *2 sub-ops (11..14) do not exist in 4.17: -ENOSYS.
#include "core/pv_hypercalls/common.hpp"
#include "core/pv_hypercalls/handlers.hpp"
#include "include/public/version.hpp"

namespace pv {
namespace {

using abi::Feature;
using abi::VersionOp;
using pvh::error;

constexpr char k_denied[] = "<denied>"; // Xen's xen_deny()

long copy_out_string(HypercallContext& ctx, uint64_t address, const char* s, size_t size) {
    char field[abi::k_capabilities_info_len]; // the largest field
    pvh::copy_string_field(field, size, s);
    if (!copy_to_guest(ctx.guest, GuestHandle<char>(address), 0, field, size))
        return error(Errno::efault);
    return 0;
}

// The feature word Xen 4.17 gives a (non-translated) 64-bit PV domain.
// (Xen's kernel.c do_xen_version: PV and translated domains differ.)
uint32_t pv_features(const Domain& d) {
    uint32_t f = abi::feature_bit(Feature::memory_op_vnode_supported);
    if (pvh::vm_assist_enabled(d, abi::VmAssistType::pae_extended_cr3))
        f |= abi::feature_bit(Feature::pae_pgdir_above_4gb);
    if (d.privileged()) f |= abi::feature_bit(Feature::dom0);
    f |= abi::feature_bit(Feature::mmu_pt_update_preserve_ad) |
         abi::feature_bit(Feature::highmem_assist) |
         abi::feature_bit(Feature::gnttab_map_avail_bits);
    f |= abi::feature_bit(Feature::direct_mapped); // not translated: gfn == mfn
    return f;
}

// What Xen 4.17 gives a translated (PVH) domain: it writes its own page
// tables, the hypervisor translates its guest-physical addresses, and its
// events arrive on a callback vector with a pvclock safe to read there.
uint32_t pvh_features(const Domain& d) {
    uint32_t f = abi::feature_bit(Feature::memory_op_vnode_supported) |
                 abi::feature_bit(Feature::writable_page_tables) |
                 abi::feature_bit(Feature::auto_translated_physmap) |
                 abi::feature_bit(Feature::hvm_callback_vector) |
                 abi::feature_bit(Feature::hvm_safe_pvclock) |
                 abi::feature_bit(Feature::not_direct_mapped);
    if (d.privileged()) f |= abi::feature_bit(Feature::dom0);
    return f;
}

long get_features(HypercallContext& ctx, uint64_t address) {
    const GuestHandle<abi::FeatureInfo> h(address);
    abi::FeatureInfo fi;
    if (!copy_from_guest(ctx.guest, h, fi)) return error(Errno::efault);
    if (fi.submap_idx != 0) return error(Errno::einval);
    fi.submap = ctx.domain->pvh ? pvh_features(*ctx.domain) : pv_features(*ctx.domain);
    if (!copy_to_guest(ctx.guest, h, fi)) return error(Errno::efault);
    return 0;
}

long build_id(HypercallContext& ctx, uint64_t address, const HypervisorVersionInfo& v) {
    abi::VarBuf header{};
    if (address != 0) {
        if (!copy_from_guest(ctx.guest, GuestHandle<abi::VarBuf>(address), header))
            return error(Errno::efault);
        if (header.len == 0) return error(Errno::einval);
    }
    if (v.build_id == nullptr || v.build_id_len == 0) return error(Errno::enodata);
    if (address == 0) return v.build_id_len;
    if (v.build_id_len > header.len) return error(Errno::enobufs);
    const GuestHandle<uint8_t> buf(address + abi::k_varbuf_data_offset);
    if (!copy_to_guest(ctx.guest, buf, 0, v.build_id, v.build_id_len)) return error(Errno::efault);
    return v.build_id_len;
}

} // namespace

long do_xen_version(HypercallContext& ctx, const HypercallArgs& args) {
    if (!pvh::has_caller(ctx)) return error(Errno::enosys);
    const auto cmd = args.as<int32_t>(0);
    const uint64_t arg = args.raw(1);
    const bool deny = !ctx.domain->privileged(); // only for the restricted sub-ops
    const HypervisorVersionInfo& v = ctx.services->version_info();

    switch (cmd) {
    case abi::raw(VersionOp::version):
        return static_cast<long>(abi::make_version(v.major, v.minor));

    case abi::raw(VersionOp::extraversion):
        return copy_out_string(ctx, arg, v.extraversion, abi::k_extraversion_len);

    case abi::raw(VersionOp::compile_info): {
        abi::CompileInfo info;
        pvh::copy_string_field(info.compiler, sizeof(info.compiler), v.compiler);
        pvh::copy_string_field(info.compile_by, sizeof(info.compile_by), v.compile_by);
        pvh::copy_string_field(info.compile_domain, sizeof(info.compile_domain), v.compile_domain);
        pvh::copy_string_field(info.compile_date, sizeof(info.compile_date), v.compile_date);
        if (!copy_to_guest(ctx.guest, GuestHandle<abi::CompileInfo>(arg), info))
            return error(Errno::efault);
        return 0;
    }

    case abi::raw(VersionOp::capabilities):
        return copy_out_string(ctx, arg, v.capabilities, abi::k_capabilities_info_len);

    case abi::raw(VersionOp::changeset):
        return copy_out_string(ctx, arg, v.changeset, abi::k_changeset_info_len);

    case abi::raw(VersionOp::platform_parameters): {
        const abi::PlatformParameters params{v.virt_start};
        if (!copy_to_guest(ctx.guest, GuestHandle<abi::PlatformParameters>(arg), params))
            return error(Errno::efault);
        return 0;
    }

    case abi::raw(VersionOp::get_features):
        return get_features(ctx, arg);

    case abi::raw(VersionOp::pagesize):
        // Xen insists on a null argument here.
        return arg != 0 ? error(Errno::einval) : static_cast<long>(abi::k_page_size);

    case abi::raw(VersionOp::guest_handle): {
        uint8_t handle[abi::k_domain_handle_len] = {};
        ctx.services->domain_handle(*ctx.domain, handle);
        if (!copy_to_guest(ctx.guest, GuestHandle<uint8_t>(arg), 0, handle, sizeof(handle)))
            return error(Errno::efault);
        return 0;
    }

    case abi::raw(VersionOp::commandline): {
        if (deny) {
            if (!copy_to_guest(ctx.guest, GuestHandle<char>(arg), 0, k_denied, sizeof(k_denied)))
                return error(Errno::efault);
            return 0;
        }
        return copy_out_string(ctx, arg, v.commandline, abi::k_commandline_len);
    }

    case abi::raw(VersionOp::build_id):
        if (deny) return error(Errno::eperm);
        return build_id(ctx, arg, v);

    default:
        return error(Errno::enosys);
    }
}

} // namespace pv
