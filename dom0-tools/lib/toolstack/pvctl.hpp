// pvctl, Dom0's toolstack: the `xl`-like verbs (create, destroy, list,
// console, ...) over a ControlPlane, plus the background work that keeps
// guests' consoles drained and applies on_poweroff/on_reboot/on_crash.
//
// Everything lives in the object (no heap): a table of the DomUs this
// toolstack started (their configuration and console), and the scratch a
// build needs. The object is large (about 1.3 MiB: see k_max_guest_memory_mib
// and k_console_buffer_size); Dom0 keeps it in static storage.
//
// The verbs live in verbs_*.cpp, the help texts in help.cpp, building a
// domain in domain_builder.cpp, consoles in console_backend.cpp, the
// shutdown policies in lifecycle.cpp.
#pragma once

#include "dom0-tools/lib/toolstack/arguments.hpp"
#include "dom0-tools/lib/toolstack/bench_events.hpp"
#include "dom0-tools/lib/toolstack/bench_stats.hpp"
#include "dom0-tools/lib/toolstack/build_scratch.hpp"
#include "dom0-tools/lib/toolstack/control_plane.hpp"
#include "dom0-tools/lib/toolstack/guest_table.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "dom0-tools/lib/toolstack/toolstack.hpp"
#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

class Toolstack {
public:
    Toolstack(ControlPlane& hv, FileSource& files);
    Toolstack(const Toolstack&) = delete;
    Toolstack& operator=(const Toolstack&) = delete;

    // One `pvctl ...` command line (the words after "pvctl"); prints to the
    // terminal; an error is one line starting "error: " naming the cause;
    // returns false on failure. `console DOM` and `create CFG -c` stay
    // attached (forwarding typed bytes to the guest's console ring, printing
    // its output) until Ctrl-] (k_console_detach_char).
    bool run(StringView args, Terminal& term);

    // Background work, called by the shell while it waits for input: drain
    // every DomU's console ring into its buffer; apply on_poweroff /
    // on_reboot / on_crash to stopped domains.
    void poll(Terminal& term);

    // One verb: its name, `VERB --help` text and handler.
    struct Verb {
        const char* name;
        const char* usage;   // "create CFG [-c] [KEY=VALUE...]"
        const char* summary; // one line for `pvctl help`
        const char* details; // more lines for `pvctl VERB --help` ("" for none)
        bool (Toolstack::*handler)(const Arguments& args, Terminal& term);
    };
    // Every verb, in `pvctl help` order (help.cpp).
    static const Verb k_verbs[];
    static const size_t k_verb_count;
    static const Verb* find_verb(StringView name);

private:
    // ---- verbs (verbs_*.cpp); args[0] is the verb ---------------------------
    bool verb_help(const Arguments& args, Terminal& term);
    bool verb_create(const Arguments& args, Terminal& term);
    bool verb_destroy(const Arguments& args, Terminal& term);
    bool verb_shutdown(const Arguments& args, Terminal& term);
    bool verb_reboot(const Arguments& args, Terminal& term);
    bool verb_pause(const Arguments& args, Terminal& term);
    bool verb_unpause(const Arguments& args, Terminal& term);
    bool verb_list(const Arguments& args, Terminal& term);
    bool verb_console(const Arguments& args, Terminal& term);
    bool verb_info(const Arguments& args, Terminal& term);
    bool verb_dmesg(const Arguments& args, Terminal& term);
    bool verb_sched_credit(const Arguments& args, Terminal& term);
    bool verb_vcpu_list(const Arguments& args, Terminal& term);
    bool verb_vcpu_pin(const Arguments& args, Terminal& term);
    bool verb_bench_lifecycle(const Arguments& args, Terminal& term);
    bool verb_counters(const Arguments& args, Terminal& term);
    bool verb_bench_events(const Arguments& args, Terminal& term); // verbs_bench_events.cpp

    // ---- shared steps -----------------------------------------------------------
    // Reads and parses the config file `path` with `overrides` (KEY=VALUE
    // lines) applied into scratch_.config, image paths resolved beside it;
    // prints the error and returns false on failure.
    bool load_config(StringView path, StringView overrides, Terminal& term);
    // Builds and starts `config` in a free slot of the table; on failure
    // returns null with the reason in `why` (nothing left behind).
    Guest* start_guest(const DomainConfig& config, Failure& why);
    // Closes the console and destroys the domain; frees the slot.
    Status destroy_guest(Guest& guest);
    // Destroys a domain this toolstack did not start (or the slot's).
    Status destroy_domain(uint16_t domid);
    // Stays attached to `guest`'s console until Ctrl-] or until the domain
    // is gone; `replay` prints what its buffer holds first.
    void attach_console(Guest& guest, Terminal& term);
    // poll()'s halves (console_backend / lifecycle).
    void drain_consoles();
    void apply_policies(Terminal& term);
    // The policy for one shut-down domain (lifecycle.cpp).
    void handle_stopped(Guest& guest, uint32_t reason, Terminal& term);
    // shutdown / reboot: remote_shutdown, then the policy at once.
    bool stop_domain(const Arguments& args, Terminal& term, uint32_t reason);
    // pause / unpause.
    bool change_run_state(const Arguments& args, Terminal& term, bool pause);
    // bench-lifecycle's phases (verbs_bench.cpp): `base` is the parsed config.
    bool bench_latency(const DomainConfig& base, size_t rounds, Terminal& term);
    bool bench_throughput(const DomainConfig& base, size_t rounds, Terminal& term);
    bool bench_density(const DomainConfig& base, Terminal& term);
    // Waits until `guest` printed its first byte; false (with a message)
    // when it stops or stays silent too long.
    bool wait_first_output(Guest& guest, uint64_t since_ns, Terminal& term);

    ControlPlane& hv_;
    FileSource& files_;
    GuestTable guests_;
    BuildScratch scratch_;
    DomainConfig bench_config_; // bench-lifecycle's per-domain copy (its name varies)
    LifecycleSamples bench_;
    EventSamples event_samples_; // bench-events
};

} // namespace pv::tools
