// Boot-time domains described by a flattened device tree (a boot module
// compiled with dtc), read with libfdt. The tree:
//
//   /dts-v1/;
//   / {
//       domains {
//           dom0 {                      // the node name is the domain's name
//               privileged;             // empty property: this is Dom0
//               kernel = "dom0";        // module by name (first word of its
//               ramdisk = <1>;          //   command line) or by index
//           };
//           alpha {
//               kernel = "minios-hello";
//               bootargs = "exit-after=10"; // the domain's command line
//               memory = <16>;          // MiB
//               cpus = <1>;             // vCPUs (default 1)
//               mode = "pv";            // "pv" | "pvh" | "auto" (default)
//               weight = <256>;         // credit scheduler (default 256)
//               cap = <0>;              // percent of one CPU, 0 = none
//           };
//       };
//   };
//
// `bootargs`, `cpus` and the node-per-domain shape follow Xen's dom0less
// bindings; `memory` counts MiB here (Xen's counts KiB). The node name up
// to an '@' is the domain's name: dtc itself rejects a `name` property that
// differs from the node name.
//
// Rules: `kernel` is required, and `memory` unless the domain is privileged
// (then dom0_mem= or the hypervisor's default; without `cpus` it gets one
// vCPU per CPU, as Dom0 always does). A module index is a <u32>, a name a
// string; `ramdisk` is optional. At most one domain is privileged, names
// are unique, and memory is counted in the tree's order against what is
// free. Numbers are single cells: cpus 1..8, weight 1..65535, cap 0..100
// per vCPU. Other properties (except `compatible`) are reported and
// ignored. A domain that breaks a rule is left out with one message
// naming it and the problem; the others still come out.
//
// This file only translates. Building the domains is the hypervisor's
// business (arch/x86/pv/boot_time_domains.hpp).
#pragma once

#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv {

enum class BootDomainMode : uint8_t { automatic, pv, pvh };

// One valid domain. The strings point into the tree blob, which must stay
// where it is while the specs are used.
struct BootDomainSpec {
    StringView name;            // node name without its unit address
    uint32_t kernel_module = 0; // boot module index
    bool has_ramdisk = false;
    uint32_t ramdisk_module = 0;
    bool has_cmdline = false; // `bootargs` given (possibly empty)
    StringView cmdline;
    uint32_t memory_mib = 0; // 0: privileged without `memory` (the default Dom0 size)
    uint32_t vcpus = 1;      // 0: privileged without `cpus` (one per CPU, as Dom0 always had)
    BootDomainMode mode = BootDomainMode::automatic;
    uint32_t weight = 256;
    uint32_t cap = 0;
    bool privileged = false;
};

struct FdtDomainsInput {
    const void* blob = nullptr;
    size_t blob_size = 0;
    // The boot modules' names by index (the first word of each command
    // line); the tree's own module can be named by nothing.
    const StringView* module_names = nullptr;
    size_t module_count = 0;
    size_t tree_module = ~size_t{0};
    // Memory for every described domain together, and what a privileged
    // domain without `memory` counts against it.
    uint64_t free_mib = 0;
    uint32_t default_privileged_mib = 256;
    uint32_t max_vcpus = 8; // Domain::k_max_vcpus
};

// One message per problem: a domain left out ("fdt: domain 'x': missing
// property 'kernel'"), a property ignored, or a tree that cannot be read.
class FdtDiagnostics {
public:
    virtual void report(StringView message) = 0;

protected:
    ~FdtDiagnostics() = default;
};

inline constexpr size_t k_max_boot_domains = 16;

// Writes the valid domains to out[0..capacity) in the tree's order and
// returns how many. EINVAL: the blob is no device tree or has no /domains
// node (reported); nothing is described then.
Result<size_t> parse_fdt_domains(const FdtDomainsInput& input, BootDomainSpec* out, size_t capacity,
                                 FdtDiagnostics& diagnostics);

// Whether `bytes` start with the device-tree magic (0xd00dfeed, big-endian).
bool looks_like_fdt(const void* bytes, size_t size);

} // namespace pv
