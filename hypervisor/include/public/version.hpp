// xen_version(cmd, arg): version strings, build details, platform
// parameters and the feature bitmap. Numbers and layouts of Xen's version.h
// and features.h, in our words.
//
// Every sub-op returns 0 on success except version (returns the version
// word), pagesize (returns the page size) and build_id and the *2 variants
// (return a byte count).
#ifndef PARAVANE_PUBLIC_VERSION_HPP
#define PARAVANE_PUBLIC_VERSION_HPP

#include "types.hpp"

namespace pv::abi {

enum class VersionOp : uint32_t {
    version = 0,             // arg unused; returns (major << 16) | minor
    extraversion = 1,        // arg: char[k_extraversion_len]
    compile_info = 2,        // arg: CompileInfo*
    capabilities = 3,        // arg: char[k_capabilities_info_len], e.g. "xen-3.0-x86_64 ..."
    changeset = 4,           // arg: char[k_changeset_info_len]
    platform_parameters = 5, // arg: PlatformParameters*
    get_features = 6,        // arg: FeatureInfo*
    pagesize = 7,            // arg unused; returns the page size
    guest_handle = 8,        // arg: uint8_t[k_domain_handle_len] (the domain's UUID)
    commandline = 9,         // arg: char[k_commandline_len] (the hypervisor's command line)
    build_id = 10,           // arg: VarBuf* followed by the buffer; returns bytes written
    // Untruncated variants of the strings: arg null asks for the size; else
    // a VarBuf whose buffer is filled without a terminating NUL.
    extraversion2 = 11,
    capabilities2 = 12,
    changeset2 = 13,
    commandline2 = 14,
};

constexpr uint32_t make_version(uint32_t major, uint32_t minor) {
    return major << 16 | (minor & 0xffff);
}

inline constexpr uint32_t k_extraversion_len = 16;
inline constexpr uint32_t k_capabilities_info_len = 1024;
inline constexpr uint32_t k_changeset_info_len = 64;
inline constexpr uint32_t k_commandline_len = 1024;
inline constexpr uint32_t k_domain_handle_len = 16;

struct CompileInfo {
    char compiler[64];
    char compile_by[16];
    char compile_domain[32];
    char compile_date[32];
};
static_assert(sizeof(CompileInfo) == 144);
static_assert(offsetof(CompileInfo, compiler) == 0);
static_assert(offsetof(CompileInfo, compile_by) == 64);
static_assert(offsetof(CompileInfo, compile_domain) == 80);
static_assert(offsetof(CompileInfo, compile_date) == 112);

struct PlatformParameters {
    uint64_t virt_start; // lowest address of the hypervisor hole in the guest's address space
};
static_assert(sizeof(PlatformParameters) == 8);
static_assert(offsetof(PlatformParameters, virt_start) == 0);

struct FeatureInfo {
    uint32_t submap_idx; // in: which 32-bit word of the feature bitmap
    uint32_t submap;     // out: bit n set = feature (32 * submap_idx + n) present
};
static_assert(sizeof(FeatureInfo) == 8);
static_assert(offsetof(FeatureInfo, submap_idx) == 0);
static_assert(offsetof(FeatureInfo, submap) == 4);

// Header of a variable-length buffer (build_id and the *2 sub-ops): `len`
// bytes of buffer follow immediately, at offset 4. In: buffer size.
struct VarBuf {
    uint32_t len;
};
static_assert(sizeof(VarBuf) == 4);
inline constexpr uint32_t k_varbuf_data_offset = 4;

// ---------------------------------------------------------------------------
// Feature bit numbers (XENFEAT_*), reported by get_features and named (as
// strings, without the prefix) in a kernel's FEATURES ELF note.
enum class Feature : uint32_t {
    writable_page_tables = 0,       // guest may write its page tables directly
    writable_descriptor_tables = 1, // guest may write its GDT/LDT directly
    auto_translated_physmap = 2,    // hypervisor translates guest-physical to machine
    supervisor_mode_kernel = 3,     // guest kernel runs in ring 0
    pae_pgdir_above_4gb = 4,        // PAE page directories may live above 4 GiB
    mmu_pt_update_preserve_ad = 5,  // MMU_PT_UPDATE_PRESERVE_AD is available
    highmem_assist = 6,             // MMUEXT_CLEAR_PAGE / MMUEXT_COPY_PAGE are available
    gnttab_map_avail_bits = 7,      // grant mappings honour GNTMAP_guest_avail bits
    hvm_callback_vector = 8,        // HVM: event delivery through a callback vector
    hvm_safe_pvclock = 9,           // HVM: the pvclock algorithm is safe
    hvm_pirqs = 10,                 // HVM: physical IRQs through event channels
    dom0 = 11,                      // may run as Dom0
    // 12 was grant_map_identity; retired, do not reuse.
    memory_op_vnode_supported = 13, // XENMEMF_vnode is understood
    arm_smccc_supported = 14,       // ARM: SMC calling convention (ARM_SMCCC_supported)
    linux_rsdp_unrestricted = 15,   // PVH Linux: the RSDP may be above 1 MiB
    not_direct_mapped = 16,         // guest frames are not identity-mapped to machine frames
    direct_mapped = 17,             // guest frames are identity-mapped to machine frames
    runstate_phys_area = 18,        // VCPUOP_register_runstate_phys_area is available
    vcpu_time_phys_area = 19,       // VCPUOP_register_vcpu_time_phys_area is available
    dm_msix_all_writes = 20,        // device models see every MSI-X control write
};
inline constexpr uint32_t k_feature_submaps = 1; // XENFEAT_NR_SUBMAPS: 32 feature bits
inline constexpr uint32_t k_feature_count = 32 * k_feature_submaps;

constexpr uint32_t feature_bit(Feature f) {
    return 1u << (raw(f) % 32);
}

// Names as they appear in the FEATURES ELF note ("!name" = required).
struct FeatureName {
    const char* name;
    Feature feature;
};
inline constexpr FeatureName k_feature_names[] = {
    {"writable_page_tables", Feature::writable_page_tables},
    {"writable_descriptor_tables", Feature::writable_descriptor_tables},
    {"auto_translated_physmap", Feature::auto_translated_physmap},
    {"supervisor_mode_kernel", Feature::supervisor_mode_kernel},
    {"pae_pgdir_above_4gb", Feature::pae_pgdir_above_4gb},
    {"mmu_pt_update_preserve_ad", Feature::mmu_pt_update_preserve_ad},
    {"highmem_assist", Feature::highmem_assist},
    {"gnttab_map_avail_bits", Feature::gnttab_map_avail_bits},
    {"hvm_callback_vector", Feature::hvm_callback_vector},
    {"hvm_safe_pvclock", Feature::hvm_safe_pvclock},
    {"hvm_pirqs", Feature::hvm_pirqs},
    {"dom0", Feature::dom0},
    {"memory_op_vnode_supported", Feature::memory_op_vnode_supported},
    {"ARM_SMCCC_supported", Feature::arm_smccc_supported},
    {"linux_rsdp_unrestricted", Feature::linux_rsdp_unrestricted},
    {"not_direct_mapped", Feature::not_direct_mapped},
    {"direct_mapped", Feature::direct_mapped},
    {"runstate_phys_area", Feature::runstate_phys_area},
    {"vcpu_time_phys_area", Feature::vcpu_time_phys_area},
    {"dm_msix_all_writes", Feature::dm_msix_all_writes},
};

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_VERSION_HPP
