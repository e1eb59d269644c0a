// A domain's configuration file: the subset of Xen's xl.cfg(5) that pvctl
// understands, parsed into fixed-size storage (no heap in Dom0).
//
// Syntax, as xl.cfg(5) defines it:
//   * `KEY = VALUE` pairs, separated by a newline or a ';' (so `name = "a";`
//     and `name = "a"; memory = 64` are both fine); blank lines; `#` starts a
//     comment that runs to the end of the line; spaces and tabs anywhere
//     between tokens (a trailing '\r' is ignored too, for CRLF files).
//   * VALUE is a string in single or double quotes (escapes \\ \" \' \n \t
//     \r \xHH; a string ends on its line), a NUMBER (decimal, hexadecimal
//     with 0x, octal with a leading 0, as xl.cfg(5) says), or a list
//     `[ VALUE, VALUE, ... ]` that may span lines and end with a comma.
//   * A NUMBER may also be written in quotes (`memory = "64"`), and a text
//     setting accepts a NUMBER (`cmdline = 3`): xl treats both alike.
//   * Lists hold strings and NUMBERs only (no nesting: none of ours needs it).
//     Text must be quoted: `type = pv` is an error that says to write "pv".
//     Raw control characters are refused; write them as \n, \t, \xHH.
//   * `KEY += "text"` appends to a text setting (xl's `+=`).
//   * A later assignment of the same key wins, as in xl; it is reported as a
//     warning naming the line it overrides.
//
// Settings (defaults in brackets):
//   name = "NAME"               required; 1-31 of [A-Za-z0-9_.-], not all digits
//                               (pvctl names a domain by id or by name)
//   type = "pv"|"pvh"|"auto"    ["auto"]; "auto" = PVH when the host has SVM/VMX
//                               with nested paging and the kernel a PVH entry
//                               point, else PV (xl defaults to "pv"; ours picks
//                               for the user)
//   kernel = "PATH"             required
//   ramdisk = "PATH"            [none]
//   cmdline = "TEXT"            the guest's command line; when set, root and extra
//                               are ignored (a warning says so), as in xl
//   root = "DEV", extra = "TEXT"  legacy: without cmdline, the command line is
//                               "root=DEV TEXT" ("root=DEV" or "TEXT" alone)
//   memory = MiB                [32, libxl's default; maxmem when only maxmem is set]
//   maxmem = MiB                [memory]; must be >= memory
//   vcpus = N                   [1]; 1..32 (the legacy vcpu_info slots)
//   maxvcpus = N                [vcpus]; must be >= vcpus
//   cpus = "CPULIST"            hard affinity of every vCPU; CPULIST is items
//                               "N", "N-M", "all", each optionally "^"-negated
//                               ("0-3,^1", "all,^7"); host CPUs 0..63
//   cpus = ["CPULIST", ...]     per vCPU: entry i pins vCPU i; vCPUs beyond the
//                               list are not pinned  [no pinning]
//   weight = N, cpu_weight = N  credit weight, 1..65535 [256] (cpu_weight is
//                               xl's name, weight the one our docs use)
//   cap = N                     percent of one CPU, 0 = no cap [0];
//                               at most 100 * maxvcpus
//   on_poweroff / on_reboot / on_crash = "destroy"|"restart"|"preserve"
//                               [destroy / restart / destroy]. xl's
//                               rename-restart, coredump-* and soft-reset are
//                               refused with a message saying so.
//
// Errors: the first problem ends the parse with EINVAL and one line in
// ConfigError::message, `FILE:LINE: PROBLEM`, e.g.
//   hello.cfg:3: memory: expected a number of MiB, got "lots"
//   hello.cfg:7: unknown setting 'colour'
//   hello.cfg: missing required setting 'kernel'     (no single line to name)
// Values that do not fit their field are errors, never cut short.
#pragma once

#include "include/public/control.hpp"
#include "include/public/hypercall.hpp"
#include "include/public/start_info.hpp"
#include "lib/format.hpp"
#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

enum class DomainType : uint8_t {
    pv,        // "pv": ring-3 guest under the PV MMU
    pvh,       // "pvh": hardware container (SVM/VMX) with nested paging
    automatic, // "auto": pvh when the host can, else pv
};

// What happens when the guest powers off, reboots or crashes (xl.cfg(5)
// "Event Actions").
enum class ShutdownAction : uint8_t {
    destroy,  // destroy the domain
    restart,  // destroy it and create a new one from the same configuration
    preserve, // keep it (paused) for inspection until `pvctl destroy`
};

// How `cpus` was given, so that format_domain_config writes it back alike.
enum class CpuPinning : uint8_t {
    none,     // no `cpus`: every vCPU may run on every CPU
    all,      // cpus = "CPULIST": the same mask for every vCPU
    per_vcpu, // cpus = [...]: cpu_affinity[i] for vCPU i < pinned_vcpus
};

// Field sizes, each with room for a terminating NUL.
inline constexpr size_t k_config_name_size = sizeof(abi::DomctlDomainInfo{}.name); // 32
inline constexpr size_t k_config_path_size = 256;
inline constexpr size_t k_config_cmdline_size = abi::k_max_guest_cmdline; // start_info.cmd_line
inline constexpr uint32_t k_config_max_vcpus = abi::k_legacy_max_vcpus;   // 32
inline constexpr uint32_t k_config_max_host_cpus = 64; // one bit per host CPU in a mask
inline constexpr uint64_t k_config_all_cpus = ~uint64_t{0};
inline constexpr uint64_t k_config_max_memory_mib = uint64_t{1} << 20; // 1 TiB
inline constexpr uint32_t k_config_default_memory_mib = 32;            // libxl's default
inline constexpr uint32_t k_config_default_weight = 256;
inline constexpr uint32_t k_config_max_weight = 65535;

struct DomainConfig {
    char name[k_config_name_size] = {};
    DomainType type = DomainType::automatic;
    char kernel[k_config_path_size] = {};
    char ramdisk[k_config_path_size] = {}; // empty: no ramdisk
    // The command line the guest gets: `cmdline`, or the one root/extra make.
    char cmdline[k_config_cmdline_size] = {};
    uint64_t memory_mib = k_config_default_memory_mib;
    uint64_t maxmem_mib = k_config_default_memory_mib;
    uint32_t vcpus = 1;
    uint32_t max_vcpus = 1;
    CpuPinning pinning = CpuPinning::none;
    uint32_t pinned_vcpus = 0; // CpuPinning::per_vcpu: entries in the list
    // Hard affinity of vCPU i (bit n = host CPU n); k_config_all_cpus where
    // unpinned. Only the first max_vcpus entries matter.
    uint64_t cpu_affinity[k_config_max_vcpus] = {};
    uint32_t weight = k_config_default_weight;
    uint32_t cap = 0; // percent of one CPU; 0 = no cap
    ShutdownAction on_poweroff = ShutdownAction::destroy;
    ShutdownAction on_reboot = ShutdownAction::restart;
    ShutdownAction on_crash = ShutdownAction::destroy;

    constexpr DomainConfig() {
        for (uint64_t& mask : cpu_affinity)
            mask = k_config_all_cpus;
    }
    bool operator==(const DomainConfig&) const = default;
};

inline constexpr size_t k_config_message_size = 256;

// Why a parse failed, and what it warns about when it succeeds.
struct ConfigError {
    char message[k_config_message_size] = {}; // "FILE:LINE: PROBLEM"; empty on success
    uint32_t line = 0;                        // the line named; 0 when none is
    char warning[k_config_message_size] = {}; // the first "FILE:LINE: warning: ..."
    uint32_t warning_count = 0;

    bool failed() const { return message[0] != '\0'; }
};

// Parses the text of `file_name` (the name only labels messages).
Result<DomainConfig> parse_domain_config(StringView file_name, StringView text, ConfigError& error);

// `xl create FILE KEY=VALUE ...`: `overrides` is more settings, one per line,
// applied as if appended to the file (so they win); their messages name
// `overrides_name` (e.g. "command line") and their own line numbers.
Result<DomainConfig> parse_domain_config(StringView file_name, StringView text,
                                         StringView overrides_name, StringView overrides,
                                         ConfigError& error);

// Writes `config` back as xl.cfg text, one setting per line, every setting
// with its effective value (maxmem, maxvcpus and cpus only when they say
// something); parse_domain_config() reads it back to an equal DomainConfig.
void print_domain_config(OutputSink& out, const DomainConfig& config);

// The same into `buf`, NUL-terminated. Returns the length, or ENOSPC when
// the text does not fit (buf then holds what fitted).
Result<size_t> format_domain_config(const DomainConfig& config, char* buf, size_t capacity);

// The spellings the file uses: "pv", "pvh", "auto"; "destroy", ...
StringView domain_type_name(DomainType type);
StringView shutdown_action_name(ShutdownAction action);

} // namespace pv::tools
