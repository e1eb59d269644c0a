// bench-events: an event round trip between Dom0 and a DomU, and a yield
// between two domains, timed in Dom0 with the hypervisor's system time
// (ControlPlane::now_ns, the pvclock in Dom0), printed as `bench: ...` lines
// for scripts/bench. Only Xen ABI on both sides: the DomU allocates an
// unbound port for Dom0 (evtchn alloc_unbound), Dom0 binds it
// (bind_interdomain), sends (evtchn send) and waits with sched_op poll.
//
//   ping-pong  (default) Dom0 sends, the DomU (blocked in sched_op poll on
//              its port) wakes, clears the port and sends back; Dom0's poll
//              returns. One sample = one round trip: two sends, two wake-ups
//              and, on one CPU, two domain switches.
//   --yield    The DomU loops on sched_op yield; Dom0, on the same CPU, times
//              its own sched_op yield: each one runs the DomU until it
//              yields back, so a sample is two domain switches. Reported per
//              switch (the round trip / 2), with the round trip beside it.
//
// --cpu same pins Dom0's vCPU 0 and the DomU's vCPUs to CPU 0; --cpu other
// puts the DomU on CPU 1 (from its creation, as `cpus` in its config would). Dom0's affinity is
// restored afterwards, and the DomU is destroyed at the end and on every failure.
#include "dom0-tools/lib/toolstack/bench_events.hpp"
#include "dom0-tools/lib/toolstack/bench_stats.hpp"
#include "dom0-tools/lib/toolstack/help.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "dom0-tools/lib/toolstack/pvctl.hpp"
#include "dom0-tools/lib/toolstack/verb_support.hpp"
#include "lib/format.hpp"

namespace pv::tools {

namespace {

constexpr StringView k_verb = "bench-events";
// A guest that is up prints its ready line within seconds even emulated.
constexpr uint64_t k_ready_timeout_ns = 60'000'000'000ull;
// One answer: the peer is runnable at once, so a second is an eternity.
constexpr uint64_t k_answer_timeout_ns = 5'000'000'000ull;
constexpr size_t k_overrides_size = 512;
constexpr size_t k_console_scan_size = 512;
// Xen's __HYPERVISOR_sched_op: the DomU's polls and yields, in its counters.
constexpr size_t k_sched_op_hypercall = 29;

// Whether `text` contains `needle` from `from`; its index or npos.
size_t find_text(StringView text, StringView needle, size_t from = 0) {
    if (needle.size() > text.size()) return StringView::npos;
    for (size_t i = from; i + needle.size() <= text.size(); ++i)
        if (text.substr(i, needle.size()) == needle) return i;
    return StringView::npos;
}

// Appends " WORD" to the config's command line; false when it does not fit.
bool append_cmdline(DomainConfig& config, StringView word) {
    size_t length = StringView(config.cmdline).size();
    const size_t space = length == 0 ? 0 : 1;
    if (length + space + word.size() + 1 > sizeof config.cmdline) return false;
    if (space != 0) config.cmdline[length++] = ' ';
    for (char c : word)
        config.cmdline[length++] = c;
    config.cmdline[length] = '\0';
    return true;
}

bool is_number(StringView text) {
    if (text.empty()) return false;
    for (char c : text)
        if (c < '0' || c > '9') return false;
    return true;
}

void print_event_line(Terminal& term, StringView op, StringView mode, const SampleSummary& s,
                      uint64_t overhead, StringView extra = StringView()) {
    auto less = [&](uint64_t v) { return v > overhead ? v - overhead : 0; };
    say(term,
        "bench: op={} mode={} clock=ns rounds={} median={} p1={} p99={} overhead={} unit=ns{}\n",
        op, mode, s.count, less(s.median), less(s.p1), less(s.p99), overhead, extra);
}

} // namespace

bool find_peer_ready(StringView text, StringView role) {
    const StringView prefix = "bench-peer: ready role=";
    for (size_t at = find_text(text, prefix); at != StringView::npos;
         at = find_text(text, prefix, at + 1)) {
        const StringView rest = text.substr(at + prefix.size());
        if (rest.size() > role.size() && rest.starts_with(role) &&
            (rest[role.size()] == ' ' || rest[role.size()] == '\n' || rest[role.size()] == '\r'))
            return true;
    }
    return false;
}

bool find_peer_port(StringView text, uint32_t& port) {
    const StringView prefix = "bench-peer: ready role=pong port=";
    const size_t at = find_text(text, prefix);
    if (at == StringView::npos) return false;
    size_t end = at + prefix.size();
    const size_t start = end;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9')
        ++end;
    // The whole number only: the line must have ended.
    if (end == start || end >= text.size() || (text[end] != '\n' && text[end] != '\r'))
        return false;
    uint64_t value = 0;
    if (!parse_decimal(text.substr(start, end - start), 0xffffffffu, value) || value == 0)
        return false;
    port = static_cast<uint32_t>(value);
    return true;
}

bool Toolstack::verb_bench_events(const Arguments& args, Terminal& term) {
    StringView path;
    uint64_t rounds = k_default_event_rounds;
    bool other_cpu = false;
    EventBenchKind kind = EventBenchKind::pingpong;
    char overrides[k_overrides_size];
    size_t used = 0;
    for (size_t i = 1; i < args.count; ++i) {
        if (args[i] == "-n") {
            if (i + 1 >= args.count || !parse_decimal(args[i + 1], k_max_event_rounds, rounds) ||
                rounds == 0)
                return usage_error(term, k_verb, "-n needs a number of rounds from 1 to 20000",
                                   i + 1 < args.count ? args[i + 1] : StringView());
            ++i;
        } else if (args[i] == "--cpu") {
            if (i + 1 >= args.count || (args[i + 1] != "same" && args[i + 1] != "other"))
                return usage_error(term, k_verb, "--cpu needs same or other",
                                   i + 1 < args.count ? args[i + 1] : StringView());
            other_cpu = args[i + 1] == "other";
            ++i;
        } else if (args[i] == "--yield") {
            kind = EventBenchKind::yield;
        } else if (args[i].find('=') != StringView::npos && args[i][0] != '=' &&
                   args[i][0] != '-') {
            // KEY=VALUE applied after the file, as `create` does (type=pvh).
            const StringView setting = args[i];
            const size_t eq = setting.find('=');
            const StringView value = setting.substr(eq + 1);
            const bool quote = !is_number(value) && !(value.size() > 0 && value[0] == '"');
            if (used + setting.size() + 3 >= sizeof overrides)
                return usage_error(term, k_verb, "too many KEY=VALUE settings");
            for (size_t j = 0; j <= eq; ++j)
                overrides[used++] = setting[j];
            if (quote) overrides[used++] = '"';
            for (char c : value)
                overrides[used++] = c;
            if (quote) overrides[used++] = '"';
            overrides[used++] = '\n';
        } else if (path.empty() && args[i][0] != '-') {
            path = args[i];
        } else {
            return usage_error(term, k_verb, "unexpected argument", args[i]);
        }
    }
    if (path.empty()) return usage_error(term, k_verb, "a config file is needed");
    if (kind == EventBenchKind::yield && other_cpu)
        return usage_error(term, k_verb,
                           "--yield measures a switch on one CPU: not with --cpu other");

    abi::SysctlPhysinfo physinfo{};
    if (Status s = hv_.physinfo(physinfo); !s)
        return fail(term, "{}: physinfo: {}", k_verb, describe_errno(s.error()));
    if (other_cpu && physinfo.nr_cpus < 2)
        return fail(term, "{}: --cpu other needs two CPUs; this host has {}", k_verb,
                    physinfo.nr_cpus);

    if (!load_config(path, StringView(overrides, used), term)) return false;
    bench_config_ = scratch_.config;
    DomainConfig& config = bench_config_;
    const StringView role = kind == EventBenchKind::yield ? "bench-peer=yield" : "bench-peer=pong";
    if (!append_cmdline(config, role))
        return fail(term, "{}: the command line of {} has no room for '{}'", k_verb, path, role);
    // The DomU runs where the benchmark says, whatever the file pinned: the
    // builder pins it before its first unpause (never a running vCPU moved).
    const uint64_t domu_cpus = uint64_t{1} << (other_cpu ? 1 : 0);
    for (uint64_t& mask : config.cpu_affinity)
        mask = domu_cpus;
    config.pinning = CpuPinning::all;

    // Dom0's vCPU 0 (this shell) to CPU 0, its old affinity restored at the end.
    abi::DomctlVcpuInfo dom0_vcpu{};
    if (Status s = hv_.vcpu_info(0, 0, dom0_vcpu); !s)
        return fail(term, "{}: Dom0's vCPU 0: {}", k_verb, describe_errno(s.error()));
    if (Status s = hv_.set_vcpu_affinity(0, 0, uint64_t{1}); !s)
        return fail(term, "{}: pin Dom0's vCPU 0 to CPU 0: {}", k_verb, describe_errno(s.error()));

    Failure why;
    Guest* guest = start_guest(config, why);
    if (guest == nullptr) {
        (void)hv_.set_vcpu_affinity(0, 0, dom0_vcpu.affinity);
        return fail(term, "{}: {}", k_verb, why.text);
    }
    const uint16_t domid = guest->domid;
    uint32_t local_port = 0;
    // Every way out from here: close the port, destroy the DomU, restore Dom0.
    auto finish = [&](bool ok) {
        if (local_port != 0) (void)hv_.close_port(local_port);
        Status d = destroy_guest(*guest);
        Status a = hv_.set_vcpu_affinity(0, 0, dom0_vcpu.affinity);
        if (ok && !d)
            ok = fail(term, "{}: destroy d{}: {}", k_verb, domid, describe_errno(d.error()));
        if (ok && !a)
            ok = fail(term, "{}: restore Dom0's affinity: {}", k_verb, describe_errno(a.error()));
        return ok;
    };

    abi::DomctlDomainInfo info{};
    const StringView mode =
        hv_.domain_info(domid, info) && info.domain == domid && (info.flags & abi::k_dominfo_pvh)
            ? "pvh"
            : "pv";

    // Wait for the peer's ready line on its console.
    const uint64_t start = hv_.now_ns();
    char seen[k_console_scan_size];
    size_t seen_length = 0;
    uint64_t cursor = 0;
    for (;;) {
        (void)guest->console.drain(hv_);
        seen_length += guest->console.buffer().copy_from(cursor, seen + seen_length,
                                                         sizeof seen - seen_length);
        const StringView text(seen, seen_length);
        if (kind == EventBenchKind::pingpong ? find_peer_port(text, local_port)
                                             : find_peer_ready(text, "yield"))
            break;
        local_port = 0;
        if (seen_length == sizeof seen) {
            // Keep the newest half: the ready line may straddle the cut.
            for (size_t i = 0; i < sizeof seen / 2; ++i)
                seen[i] = seen[i + sizeof seen / 2];
            seen_length = sizeof seen / 2;
        }
        abi::DomctlDomainInfo now{};
        Status s = hv_.domain_info(domid, now);
        if (!s || now.domain != domid || (now.flags & abi::k_dominfo_shutdown)) {
            fail(term, "{}: d{} stopped before it was ready (is {} minios-bench?)", k_verb, domid,
                 config.kernel);
            return finish(false);
        }
        if (hv_.now_ns() - start > k_ready_timeout_ns) {
            fail(term, "{}: d{} did not say 'bench-peer: ready' in {} s (is {} minios-bench?)",
                 k_verb, domid, k_ready_timeout_ns / 1'000'000'000, config.kernel);
            return finish(false);
        }
        term.wait();
    }

    if (kind == EventBenchKind::pingpong) {
        const uint32_t remote_port = local_port;
        local_port = 0;
        Result<uint32_t> bound = hv_.bind_interdomain(domid, remote_port);
        if (!bound) {
            fail(term, "{}: bind to d{} port {}: {}", k_verb, domid, remote_port,
                 describe_errno(bound.error()));
            return finish(false);
        }
        local_port = *bound;
        (void)hv_.port_pending(local_port); // nothing counts from before
    }

    say(term, "bench: events config={} domain=d{} mode={} kind={} cpu={} rounds={} warmup={}\n",
        path, domid, mode, kind == EventBenchKind::yield ? "yield" : "pingpong",
        other_cpu ? "other" : "same", rounds, k_event_warmup_rounds);

    // The timer: two reads back to back, subtracted from every figure.
    for (size_t i = 0; i < rounds; ++i) {
        const uint64_t a = hv_.now_ns();
        const uint64_t b = hv_.now_ns();
        event_samples_.timer[i] = b - a;
    }
    const uint64_t overhead = summarize_samples(event_samples_.timer, rounds).median;

    // One measured operation; false (with the message printed) on failure.
    auto one = [&](uint64_t& sample) -> bool {
        if (kind == EventBenchKind::yield) {
            const uint64_t a = hv_.now_ns();
            Status s = hv_.yield_cpu();
            sample = hv_.now_ns() - a;
            if (!s) return fail(term, "{}: sched_op yield: {}", k_verb, describe_errno(s.error()));
            return true;
        }
        const uint64_t a = hv_.now_ns();
        Status s = hv_.notify(local_port);
        if (s) s = hv_.poll_port(local_port, a + k_answer_timeout_ns);
        const bool answered = s && hv_.port_pending(local_port);
        sample = hv_.now_ns() - a;
        if (!s) {
            abi::DomainCounterValues c{};
            (void)hv_.domain_counters(domid, c);
            return fail(term,
                        "{}: no answer from d{} on port {}: {} (errno {}; d{} sent {} events)",
                        k_verb, domid, local_port, describe_errno(s.error()),
                        static_cast<int>(s.error()), domid, c.event_sends);
        }
        if (!answered)
            return fail(term, "{}: poll returned but port {} is not pending", k_verb, local_port);
        return true;
    };
    uint64_t discard = 0;
    for (uint64_t i = 0; i < k_event_warmup_rounds; ++i)
        if (!one(discard)) return finish(false);
    for (uint64_t i = 0; i < rounds; ++i)
        if (!one(event_samples_.round_trip[i])) return finish(false);
    const uint64_t made = k_event_warmup_rounds + rounds;

    const SampleSummary s = summarize_samples(event_samples_.round_trip, rounds);
    if (kind == EventBenchKind::pingpong) {
        print_event_line(term, other_cpu ? "evtchn_pingpong_other_cpu" : "evtchn_pingpong_same_cpu",
                         mode, s, overhead);
        say(term, "bench: performed op=evtchn_pingpong sends_by_dom0={} domain=d{}\n", made, domid);
    } else {
        // Each yield runs the DomU until it yields back: two switches.
        SampleSummary half = s;
        auto per_switch = [&](uint64_t v) { return v > overhead ? (v - overhead) / 2 : 0; };
        half.median = per_switch(s.median) + overhead;
        half.p1 = per_switch(s.p1) + overhead;
        half.p99 = per_switch(s.p99) + overhead;
        char round_trip[48];
        format(round_trip, sizeof round_trip, " per=switch round_trip_median={}",
               s.median > overhead ? s.median - overhead : 0);
        print_event_line(term, "yield_domain_switch", mode, half, overhead, round_trip);
        say(term, "bench: performed op=yield_domain_switch yields_by_dom0={} domain=d{}\n", made,
            domid);
    }

    // The DomU's own count, from the hypervisor (0 where it has no counters).
    abi::DomainCounterValues counters{};
    if (hv_.domain_counters(domid, counters))
        say(term, "bench: counters domain=d{} event_sends={} sched_ops={}\n", domid,
            counters.event_sends, counters.hypercalls[k_sched_op_hypercall]);
    if (!finish(true)) return false;
    say(term, "bench: events done\n");
    return true;
}

} // namespace pv::tools
