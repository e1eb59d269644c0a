#include "core/boot/fdt_domains.hpp"

#include "lib/format.hpp"

#include <libfdt.h>

namespace pv {

namespace {

constexpr size_t k_max_name = 31;            // Domain::k_name_size less its NUL
constexpr uint32_t k_max_weight = 65535;     // the credit scheduler's range (Xen's too)
constexpr uint32_t k_fdt_magic = 0xd00dfeed; // Devicetree Specification §5.2

template <typename... Args>
void report(FdtDiagnostics& diagnostics, StringView fmt, const Args&... args) {
    char message[240];
    const size_t length = format(message, sizeof message, fmt, args...);
    diagnostics.report(StringView(message, length));
}

// A property's bytes, as libfdt finds them (absent: data == nullptr).
struct Property {
    const uint8_t* data = nullptr;
    size_t length = 0;
    bool present() const { return data != nullptr; }
};

Property find_property(const void* blob, int node, const char* name) {
    int length = 0;
    const void* data = fdt_getprop(blob, node, name, &length);
    if (data == nullptr || length < 0) return {};
    return {static_cast<const uint8_t*>(data), static_cast<size_t>(length)};
}

// A device-tree string: printable bytes, then one NUL (Devicetree
// Specification §2.2.4: <string>). Empty strings are strings too.
bool as_string(Property p, StringView& out) {
    if (p.length == 0 || p.data[p.length - 1] != 0) return false;
    for (size_t i = 0; i + 1 < p.length; ++i)
        if (p.data[i] < 0x20 || p.data[i] > 0x7e) return false;
    out = StringView(reinterpret_cast<const char*>(p.data), p.length - 1);
    return true;
}

// A <u32>: exactly one big-endian cell. Four bytes that read as a string
// ("16M") are the string: every number this format takes is below 2^24,
// whose first byte is NUL.
bool as_u32(Property p, uint32_t& out) {
    StringView text;
    if (p.length != 4 || as_string(p, text)) return false;
    out = uint32_t(p.data[0]) << 24 | uint32_t(p.data[1]) << 16 | uint32_t(p.data[2]) << 8 |
          p.data[3];
    return true;
}

// Everything known about one domain node while it is checked.
class DomainNode {
public:
    DomainNode(const FdtDomainsInput& input, FdtDiagnostics& diagnostics, int node, StringView name)
        : input_(input), diagnostics_(diagnostics), node_(node), name_(name) {}

    template <typename... Args> bool fail(StringView fmt, const Args&... args) {
        char detail[200];
        const size_t length = format(detail, sizeof detail, fmt, args...);
        report(diagnostics_, "fdt: domain '{}': {}", name_, StringView(detail, length));
        return false;
    }

    Property property(const char* name) const { return find_property(input_.blob, node_, name); }

    // An optional <u32> in [low, high]; `value` keeps its default when absent.
    bool optional_u32(const char* name, uint32_t low, uint32_t high, uint32_t& value) {
        const Property p = property(name);
        if (!p.present()) return true;
        if (!as_u32(p, value)) return fail("property '{}' is not a 32-bit number", name);
        if (value < low || value > high)
            return fail("{} {} is out of range ({}..{})", name, value, low, high);
        return true;
    }

    // `kernel` or `ramdisk`: a boot module by index (<u32>) or by name (a
    // string: the first word of the module's command line; "abc" is a
    // name, see as_u32).
    bool module(const char* name, uint32_t& index) {
        const Property p = property(name);
        StringView wanted;
        if (as_string(p, wanted)) {
            for (size_t i = 0; i < input_.module_count; ++i) {
                if (i == input_.tree_module || input_.module_names[i] != wanted) continue;
                index = static_cast<uint32_t>(i);
                return true;
            }
            return fail("{} module '{}' not found among the boot modules", name, wanted);
        }
        if (!as_u32(p, index))
            return fail("property '{}' is neither a module index nor a module name", name);
        if (index >= input_.module_count)
            return fail("{} module {} does not exist ({} boot modules)", name, index,
                        input_.module_count);
        if (index == input_.tree_module)
            return fail("{} module {} is the device tree itself", name, index);
        return true;
    }

    bool string(const char* name, StringView& value) {
        if (!as_string(property(name), value)) return fail("property '{}' is not a string", name);
        return true;
    }

    // Properties this format does not know: most likely a misspelling.
    void warn_unknown_properties() {
        static constexpr const char* k_known[] = {"kernel",     "ramdisk",    "bootargs", "memory",
                                                  "cpus",       "mode",       "weight",   "cap",
                                                  "privileged", "compatible", "phandle"};
        int offset = 0;
        fdt_for_each_property_offset(offset, input_.blob, node_) {
            const char* name = nullptr;
            if (fdt_getprop_by_offset(input_.blob, offset, &name, nullptr) == nullptr ||
                name == nullptr)
                continue;
            bool known = false;
            for (const char* k : k_known)
                known = known || StringView(name) == StringView(k);
            if (!known)
                report(diagnostics_, "fdt: domain '{}': unknown property '{}' ignored", name_,
                       name);
        }
    }

    StringView name() const { return name_; }

private:
    const FdtDomainsInput& input_;
    FdtDiagnostics& diagnostics_;
    int node_;
    StringView name_;
};

// What the valid domains so far have taken.
struct Tally {
    size_t count = 0;
    uint64_t used_mib = 0;
    StringView privileged; // the privileged domain's name, if any
};

bool read_mode(DomainNode& d, BootDomainMode& mode) {
    const Property p = d.property("mode");
    if (!p.present()) return true;
    StringView text;
    if (!as_string(p, text)) return d.fail("property 'mode' is not a string");
    if (text == "pv")
        mode = BootDomainMode::pv;
    else if (text == "pvh")
        mode = BootDomainMode::pvh;
    else if (text == "auto")
        mode = BootDomainMode::automatic;
    else
        return d.fail("mode \"{}\" is not \"pv\", \"pvh\" or \"auto\"", text);
    return true;
}

// Checks one domain node; on success fills `spec`. Reports the first
// problem only: one message per bad domain.
bool read_domain(DomainNode& d, const FdtDomainsInput& input, const BootDomainSpec* valid,
                 const Tally& tally, BootDomainSpec& spec) {
    spec = BootDomainSpec{};
    spec.name = d.name();
    if (d.name().empty()) return d.fail("a domain needs a node name");
    if (d.name().size() > k_max_name) return d.fail("name longer than {} characters", k_max_name);
    for (size_t i = 0; i < tally.count; ++i)
        if (valid[i].name == d.name()) return d.fail("duplicate name");

    const Property privileged = d.property("privileged");
    if (privileged.present()) {
        if (privileged.length != 0) return d.fail("property 'privileged' takes no value");
        if (!tally.privileged.empty())
            return d.fail("a second privileged domain (the first is '{}')", tally.privileged);
        spec.privileged = true;
    }

    if (!d.property("kernel").present()) return d.fail("missing property 'kernel'");
    if (!d.module("kernel", spec.kernel_module)) return false;
    if (d.property("ramdisk").present()) {
        if (!d.module("ramdisk", spec.ramdisk_module)) return false;
        spec.has_ramdisk = true;
    }
    if (d.property("bootargs").present()) {
        if (!d.string("bootargs", spec.cmdline)) return false;
        spec.has_cmdline = true;
    }

    const Property memory = d.property("memory");
    if (!memory.present() && !spec.privileged) return d.fail("missing property 'memory'");
    if (memory.present()) {
        if (!as_u32(memory, spec.memory_mib))
            return d.fail("property 'memory' is not a 32-bit number");
        if (spec.memory_mib == 0) return d.fail("memory 0 MiB: a domain needs some");
    }
    spec.vcpus = spec.privileged ? 0 : 1;
    if (!d.optional_u32("cpus", 1, input.max_vcpus, spec.vcpus)) return false;
    if (!read_mode(d, spec.mode)) return false;
    if (!d.optional_u32("weight", 1, k_max_weight, spec.weight)) return false;
    // The credit scheduler's limit: 100% of each vCPU.
    if (!d.optional_u32("cap", 0, 100 * (spec.vcpus ? spec.vcpus : input.max_vcpus), spec.cap))
        return false;

    const uint64_t wanted = spec.memory_mib ? spec.memory_mib : input.default_privileged_mib;
    const uint64_t left = input.free_mib > tally.used_mib ? input.free_mib - tally.used_mib : 0;
    if (wanted > left) return d.fail("memory {} MiB is more than the {} MiB free", wanted, left);
    return true;
}

} // namespace

bool looks_like_fdt(const void* bytes, size_t size) {
    if (bytes == nullptr || size < 4) return false;
    const auto* b = static_cast<const uint8_t*>(bytes);
    return (uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3]) ==
           k_fdt_magic;
}

Result<size_t> parse_fdt_domains(const FdtDomainsInput& input, BootDomainSpec* out, size_t capacity,
                                 FdtDiagnostics& diagnostics) {
    // The whole structure is checked against the module's size first: the
    // accessors below trust offsets that fdt_check_full has walked.
    if (!looks_like_fdt(input.blob, input.blob_size)) {
        report(diagnostics, "fdt: not a device tree (no 0xd00dfeed magic)");
        return Errno::einval;
    }
    if (const int rc = fdt_check_full(input.blob, input.blob_size); rc != 0) {
        report(diagnostics, "fdt: not a valid device tree: {}", fdt_strerror(rc));
        return Errno::einval;
    }
    const int domains = fdt_subnode_offset(input.blob, 0, "domains");
    if (domains < 0) {
        report(diagnostics, "fdt: no /domains node: no domains described");
        return Errno::einval;
    }

    Tally tally;
    int node = 0;
    fdt_for_each_subnode(node, input.blob, domains) {
        int length = 0;
        const char* raw = fdt_get_name(input.blob, node, &length);
        StringView name =
            raw && length > 0 ? StringView(raw, static_cast<size_t>(length)) : StringView();
        if (const size_t at = name.find('@'); at < name.size()) name = name.substr(0, at);

        DomainNode d(input, diagnostics, node, name);
        d.warn_unknown_properties();
        BootDomainSpec spec;
        if (!read_domain(d, input, out, tally, spec)) continue;
        if (tally.count >= capacity) {
            (void)d.fail("more than {} domains; left out", capacity);
            continue;
        }
        out[tally.count++] = spec;
        tally.used_mib += spec.memory_mib ? spec.memory_mib : input.default_privileged_mib;
        if (spec.privileged) tally.privileged = spec.name;
    }
    return tally.count;
}

} // namespace pv
