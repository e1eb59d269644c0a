#include "core/builder/xen_notes.hpp"

namespace pv::builder {

namespace {

using abi::ElfNote;
using elf::read32;
using elf::read64;

constexpr uint64_t k_note_header_size = 12; // namesz, descsz, type

constexpr uint64_t align4(uint64_t n) {
    return (n + 3) & ~uint64_t{3};
}

// The descriptor as a string: up to the first NUL or the descriptor's end.
StringView note_string(const uint8_t* desc, uint32_t descsz) {
    const char* text = reinterpret_cast<const char*>(desc);
    size_t n = 0;
    while (n < descsz && text[n] != '\0')
        ++n;
    return StringView(text, n);
}

Result<uint64_t> note_number(const uint8_t* desc, uint32_t descsz, BuildError* error) {
    if (descsz == 4) return uint64_t{read32(desc)};
    if (descsz == 8) return read64(desc);
    return fail(error, Errno::einval, "Xen ELF note: numeric value is not 4 or 8 bytes");
}

Result<uint32_t> feature_by_name(StringView name) {
    for (const abi::FeatureName& f : abi::k_feature_names)
        if (StringView(f.name) == name) return abi::raw(f.feature);
    return Errno::enoent;
}

// FEATURES: "a|!b|c". Xen ignores unknown optional names and refuses
// unknown required ones.
Status parse_features(StringView list, XenGuestInfo& info, BuildError* error) {
    size_t pos = 0;
    while (pos < list.size()) {
        size_t bar = list.find('|', pos);
        if (bar == StringView::npos) bar = list.size();
        StringView token = list.substr(pos, bar - pos);
        pos = bar + 1;
        if (token.empty()) continue;
        const bool required = token[0] == '!';
        if (required) token = token.substr(1);
        auto bit = feature_by_name(token);
        if (!bit) {
            if (required)
                return fail_naming(error, Errno::einval, "kernel requires unknown feature '{}'",
                                   token);
            continue;
        }
        static_assert(abi::k_feature_submaps == 1, "feature sets are one 32-bit word");
        if (*bit >= 32) continue;
        info.features_supported |= 1u << *bit;
        if (required) info.features_required |= 1u << *bit;
    }
    return Status::ok();
}

Status parse_note(uint32_t type, const uint8_t* desc, uint32_t descsz, XenGuestInfo& info,
                  BuildError* error) {
    // Sets a numeric field and its has_ flag.
    auto number = [&](bool& has, uint64_t& value) -> Status {
        value = TRY(note_number(desc, descsz, error));
        has = true;
        return Status::ok();
    };
    auto string = [&](bool& has, StringView& value) {
        value = note_string(desc, descsz);
        has = true;
    };

    switch (static_cast<ElfNote>(type)) {
    case ElfNote::entry:
        return number(info.has_entry, info.entry);
    case ElfNote::hypercall_page:
        return number(info.has_hypercall_page, info.hypercall_page);
    case ElfNote::virt_base:
        return number(info.has_virt_base, info.virt_base);
    case ElfNote::paddr_offset:
        return number(info.has_paddr_offset, info.paddr_offset);
    case ElfNote::hv_start_low:
        return number(info.has_hv_start_low, info.hv_start_low);
    case ElfNote::init_p2m:
        return number(info.has_init_p2m, info.init_p2m);
    case ElfNote::mod_start_pfn:
        return number(info.has_mod_start_pfn, info.mod_start_pfn);
    case ElfNote::suspend_cancel:
        return number(info.has_suspend_cancel, info.suspend_cancel);
    case ElfNote::phys32_entry:
        return number(info.has_phys32_entry, info.phys32_entry);
    case ElfNote::supported_features: {
        uint64_t bits = 0;
        bool has = false;
        TRY(number(has, bits));
        info.has_supported_features = true;
        info.supported_features_note = static_cast<uint32_t>(bits); // word 0
        info.features_supported |= static_cast<uint32_t>(bits);
        return Status::ok();
    }
    case ElfNote::l1_mfn_valid:
        // (mask, value) pairs of unsigned longs; we keep the first pair.
        if (descsz == 0 || descsz % 16 != 0)
            return fail(error, Errno::einval,
                        "Xen ELF note: L1_MFN_VALID is not (mask, value) pairs");
        info.has_l1_mfn_valid = true;
        info.l1_mfn_valid_mask = read64(desc);
        info.l1_mfn_valid_value = read64(desc + 8);
        return Status::ok();
    case ElfNote::xen_version:
        string(info.has_xen_version, info.xen_version);
        break;
    case ElfNote::guest_os:
        string(info.has_guest_os, info.guest_os);
        break;
    case ElfNote::guest_version:
        string(info.has_guest_version, info.guest_version);
        break;
    case ElfNote::loader:
        string(info.has_loader, info.loader);
        break;
    case ElfNote::pae_mode:
        string(info.has_pae_mode, info.pae_mode);
        break;
    case ElfNote::bsd_symtab:
        string(info.has_bsd_symtab, info.bsd_symtab);
        break;
    case ElfNote::features:
        info.has_features = true;
        return parse_features(note_string(desc, descsz), info, error);
    default:
        break; // INFO, PHYS32_RELOC and types we do not know: ignored, as Xen does
    }
    return Status::ok();
}

// Walks the notes in file bytes [offset, offset + length), already known to
// be inside the file; returns how many were owned by "Xen".
Result<uint32_t> walk_notes(const ElfImage& image, uint64_t offset, uint64_t length,
                            XenGuestInfo& info, uint32_t& total, BuildError* error) {
    if (offset % 4 != 0) return fail(error, Errno::einval, "ELF: note data misaligned");
    const uint8_t* base = image.data() + offset;
    uint32_t xen_notes = 0;
    uint64_t pos = 0;
    while (pos < length) {
        const uint64_t left = length - pos;
        if (left < k_note_header_size) return fail(error, Errno::einval, "ELF: truncated note");
        const uint8_t* note = base + pos;
        const uint32_t namesz = read32(note);
        const uint32_t descsz = read32(note + 4);
        const uint32_t type = read32(note + 8);
        // The name and descriptor must be inside; the padding after the
        // last descriptor may be cut off.
        const uint64_t desc_at = k_note_header_size + align4(namesz);
        if (desc_at > left || descsz > left - desc_at)
            return fail(error, Errno::einval, "ELF: truncated note");
        if (++total > k_max_elf_notes) return fail(error, Errno::einval, "ELF: too many notes");

        const uint8_t* name = note + k_note_header_size;
        if (namesz >= abi::k_elfnote_namesz && name[0] == 'X' && name[1] == 'e' && name[2] == 'n' &&
            name[3] == '\0') {
            TRY(parse_note(type, note + desc_at, descsz, info, error));
            ++xen_notes;
        }
        pos += desc_at + align4(descsz); // may step past `length`: loop ends
    }
    return xen_notes;
}

} // namespace

Result<XenGuestInfo> parse_xen_notes(const ElfImage& image, BuildError* error) {
    XenGuestInfo info;
    uint32_t total = 0;
    for (size_t i = 0; i < image.segment_count(); ++i) {
        const ElfSegment s = image.segment(i);
        // Xen skips note segments at offset 0: some binutils got p_offset wrong.
        if (s.type != elf::k_pt_note || s.offset == 0) continue;
        info.xen_note_count += TRY(walk_notes(image, s.offset, s.filesz, info, total, error));
    }
    // Only when no segment carried Xen notes: the note sections (index 0 is
    // the null section).
    for (size_t i = 1; info.xen_note_count == 0 && i < image.section_count(); ++i) {
        const ElfSection s = image.section(i);
        if (s.type != elf::k_sht_note) continue;
        if (!range_in_file(s.offset, s.size, image.size()))
            return fail(error, Errno::einval, "ELF: note section outside the file");
        info.xen_note_count += TRY(walk_notes(image, s.offset, s.size, info, total, error));
    }
    if (info.xen_note_count == 0)
        return fail(error, Errno::einval, "kernel has no Xen ELF notes (not built for Xen PV)");
    return info;
}

Status check_xen_guest(const ElfImage& image, XenGuestInfo& info, const GuestPolicy& policy,
                       BuildError* error) {
    if (!(info.has_loader && info.loader.starts_with("generic")) &&
        !(info.has_guest_os && info.guest_os.starts_with("linux")))
        return fail(error, Errno::einval,
                    "kernel is neither for the generic loader nor Linux (LOADER/GUEST_OS notes)");
    if (!info.has_xen_version || !info.xen_version.starts_with("xen-3.0"))
        return fail(error, Errno::einval, "kernel is not built for the xen-3.0 interface");

    if (const uint32_t missing = info.features_required & ~policy.hypervisor_features) {
        const uint32_t bit = static_cast<uint32_t>(__builtin_ctz(missing));
        return fail_naming(error, Errno::einval, "kernel requires unsupported feature '{}'",
                           feature_name(bit));
    }
    const uint32_t dom0 = abi::feature_bit(abi::Feature::dom0);
    if (policy.as_dom0 && info.has_supported_features && (info.features_supported & dom0) == 0)
        return fail(error, Errno::einval, "kernel does not support running as Dom0");

    if (info.has_paddr_offset && !info.has_virt_base)
        return fail(error, Errno::einval, "kernel has a PADDR_OFFSET note but no VIRT_BASE");
    const uint64_t virt_base = info.has_virt_base ? info.virt_base : 0;
    const uint64_t paddr_offset = info.has_paddr_offset ? info.paddr_offset : 0;
    // Modular arithmetic, as in Xen: a negative offset is a large one.
    const uint64_t virt_offset = virt_base - paddr_offset;
    const uint64_t kstart = image.load_start() + virt_offset;
    const uint64_t kend = image.load_end() + virt_offset;
    const uint64_t entry = info.has_entry ? info.entry : image.entry();

    if (kstart > kend) return fail(error, Errno::einval, "kernel address range wraps around");
    if (virt_base > kstart) return fail(error, Errno::einval, "kernel starts below its VIRT_BASE");
    if (entry < kstart || entry > kend)
        return fail(error, Errno::einval, "kernel entry point outside the kernel image");
    if (info.has_init_p2m && info.init_p2m >= kstart && info.init_p2m < kend)
        return fail(error, Errno::einval, "INIT_P2M address inside the kernel image");

    info.virt_kstart = kstart;
    info.virt_kend = kend;
    info.virt_entry = entry;
    info.unmapped_initrd = info.has_mod_start_pfn && info.mod_start_pfn != 0;
    info.checked = true;
    return Status::ok();
}

Result<XenGuestInfo> read_xen_guest_info(const ElfImage& image, const GuestPolicy& policy,
                                         BuildError* error) {
    XenGuestInfo info = TRY(parse_xen_notes(image, error));
    TRY(check_xen_guest(image, info, policy, error));
    return info;
}

StringView feature_name(uint32_t bit) {
    for (const abi::FeatureName& f : abi::k_feature_names)
        if (abi::raw(f.feature) == bit) return StringView(f.name);
    return StringView();
}

} // namespace pv::builder
