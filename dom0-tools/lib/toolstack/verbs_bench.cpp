// bench-lifecycle: what creating and destroying domains costs, timed in Dom0
// with the hypervisor's system time (ControlPlane::now_ns, the pvclock in
// Dom0), printed as `bench: ...` lines for scripts/bench. A benchmark, not a
// check: the figures are reported, never compared with anything.
//
//   latency     ROUNDS times: create the domain and wait for its first
//               console byte (create, create_to_first_output), then look it
//               up by name and destroy it as `pvctl destroy` does
//               (destroy_total), timing the destroydomain domctl alone too
//               (destroy_domctl).
//   throughput  ROUNDS create + destroy cycles back to back, not waiting for
//               the guest: domains per second over the whole run.
//   density     (-d) create domains, each left running once it printed,
//               until a creation fails; how many ran at once, and the
//               hypervisor's own memory per domain: free pages before and
//               with all of them, less the pages the guests own, over the
//               count. Then all are destroyed and the free pages compared.
#include "dom0-tools/lib/toolstack/bench_stats.hpp"
#include "dom0-tools/lib/toolstack/domain_builder.hpp"
#include "dom0-tools/lib/toolstack/domain_lookup.hpp"
#include "dom0-tools/lib/toolstack/help.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "dom0-tools/lib/toolstack/pvctl.hpp"
#include "dom0-tools/lib/toolstack/verb_support.hpp"
#include "lib/format.hpp"

namespace pv::tools {

namespace {

constexpr uint64_t k_default_rounds = 100;
// Under emulation a guest with a few dozen others running can take seconds
// to print; much longer than this means it never will.
constexpr uint64_t k_first_output_timeout_ns = 60'000'000'000ull;
constexpr uint64_t k_memory_return_timeout_ns = 5'000'000'000ull;

// The name of a density domain: the config's, "-dN" appended (names must
// differ while they all run), shortened to fit.
void density_name(const DomainConfig& base, size_t index, char (&name)[k_config_name_size]) {
    char suffix[16];
    const size_t suffix_length = format(suffix, sizeof suffix, "-d{}", index);
    size_t length = 0;
    while (length < k_config_name_size - 1 - suffix_length && base.name[length] != '\0') {
        name[length] = base.name[length];
        ++length;
    }
    for (size_t i = 0; i <= suffix_length; ++i)
        name[length + i] = suffix[i];
}

} // namespace

bool Toolstack::verb_bench_lifecycle(const Arguments& args, Terminal& term) {
    StringView path;
    uint64_t rounds = k_default_rounds;
    bool density = false;
    for (size_t i = 1; i < args.count; ++i) {
        if (args[i] == "-d") {
            density = true;
        } else if (args[i] == "-n") {
            if (i + 1 >= args.count || !parse_decimal(args[i + 1], k_max_bench_rounds, rounds))
                return usage_error(term, "bench-lifecycle", "-n needs a number of rounds up to 500",
                                   args[i + 1]);
            ++i;
        } else if (path.empty() && args[i][0] != '-') {
            path = args[i];
        } else {
            return usage_error(term, "bench-lifecycle", "unexpected argument", args[i]);
        }
    }
    if (path.empty()) return usage_error(term, "bench-lifecycle", "a config file is needed");
    if (rounds == 0 && !density)
        return usage_error(term, "bench-lifecycle", "nothing to do: -n 0 without -d");
    if (!load_config(path, StringView(), term)) return false;
    // start_guest copies the config it is given; keep our own, since a
    // restart in poll() reuses scratch_.config.
    bench_config_ = scratch_.config;
    const DomainConfig& base = bench_config_;
    say(term, "bench: lifecycle config={} memory_mib={} rounds={} density={}\n", path,
        base.memory_mib, rounds, density ? "yes" : "no");
    if (rounds != 0) {
        if (!bench_latency(base, rounds, term)) return false;
        if (!bench_throughput(base, rounds, term)) return false;
    }
    if (density && !bench_density(base, term)) return false;
    say(term, "bench: lifecycle done\n");
    return true;
}

bool Toolstack::wait_first_output(Guest& guest, uint64_t since_ns, Terminal& term) {
    for (;;) {
        (void)guest.console.drain(hv_);
        if (guest.console.first_output_ns() != 0) return true;
        abi::DomctlDomainInfo info{};
        Status s = hv_.domain_info(guest.domid, info);
        if (!s || info.domain != guest.domid || (info.flags & abi::k_dominfo_shutdown))
            return fail(term, "bench-lifecycle: {} stopped before printing anything",
                        DomainLabel(guest.config.name, guest.domid).text);
        if (hv_.now_ns() - since_ns > k_first_output_timeout_ns)
            return fail(term, "bench-lifecycle: {} printed nothing in {} s",
                        DomainLabel(guest.config.name, guest.domid).text,
                        k_first_output_timeout_ns / 1'000'000'000);
        // Blocks until an event (the guest's console channel among them) or
        // a short timeout.
        term.wait();
    }
}

bool Toolstack::bench_latency(const DomainConfig& base, size_t rounds, Terminal& term) {
    for (size_t round = 0; round < rounds; ++round) {
        Failure why;
        const uint64_t start = hv_.now_ns();
        Guest* guest = start_guest(base, why);
        const uint64_t created = hv_.now_ns();
        if (guest == nullptr) return fail(term, "bench-lifecycle: round {}: {}", round, why.text);
        if (!wait_first_output(*guest, start, term)) {
            (void)destroy_guest(*guest);
            return false;
        }
        bench_.create[round] = created - start;
        bench_.first_output[round] = guest->console.first_output_ns() - start;

        // What `pvctl destroy NAME` does, without its message.
        const uint64_t destroy_start = hv_.now_ns();
        abi::DomctlDomainInfo info{};
        Status s = find_domain(hv_, base.name, info);
        if (!s || info.domain != guest->domid) {
            (void)destroy_guest(*guest);
            return fail(term, "bench-lifecycle: round {}: cannot find {} by name", round,
                        base.name);
        }
        const uint16_t domid = guest->domid;
        guest->console.close(hv_);
        guests_.release(*guest);
        const uint64_t domctl_start = hv_.now_ns();
        s = hv_.destroy_domain(domid);
        const uint64_t destroyed = hv_.now_ns();
        if (!s)
            return fail(term, "bench-lifecycle: round {}: destroy d{}: {}", round, domid,
                        describe_errno(s.error()));
        bench_.destroy_domctl[round] = destroyed - domctl_start;
        bench_.destroy_total[round] = destroyed - destroy_start;
    }
    print_timing_line(term, "create", summarize_samples(bench_.create, rounds));
    print_timing_line(term, "create_to_first_output",
                      summarize_samples(bench_.first_output, rounds));
    print_timing_line(term, "destroy_domctl", summarize_samples(bench_.destroy_domctl, rounds));
    print_timing_line(term, "destroy_total", summarize_samples(bench_.destroy_total, rounds));
    return true;
}

bool Toolstack::bench_throughput(const DomainConfig& base, size_t rounds, Terminal& term) {
    const uint64_t start = hv_.now_ns();
    uint64_t previous = start;
    for (size_t round = 0; round < rounds; ++round) {
        Failure why;
        Guest* guest = start_guest(base, why);
        if (guest == nullptr) return fail(term, "bench-lifecycle: cycle {}: {}", round, why.text);
        const uint16_t domid = guest->domid;
        Status s = destroy_guest(*guest);
        if (!s)
            return fail(term, "bench-lifecycle: cycle {}: destroy d{}: {}", round, domid,
                        describe_errno(s.error()));
        const uint64_t now = hv_.now_ns();
        bench_.cycle[round] = now - previous;
        previous = now;
    }
    const uint64_t elapsed = previous - start;
    print_timing_line(term, "create_destroy_cycle", summarize_samples(bench_.cycle, rounds));
    say(term,
        "bench: op=create_destroy_throughput mode=pv clock=ns rounds={} median={} p1=- p99=- "
        "overhead=0 unit=domains/s elapsed_ns={}\n",
        rounds, Rate(rounds, elapsed).text, elapsed);
    return true;
}

bool Toolstack::bench_density(const DomainConfig& base, Terminal& term) {
    abi::SysctlPhysinfo before{};
    Status s = hv_.physinfo(before);
    if (!s) return fail(term, "bench-lifecycle: physinfo: {}", describe_errno(s.error()));

    size_t count = 0;
    uint64_t guest_pages = 0;
    StringView stopped_by = "the limit of this benchmark";
    Failure why;
    bool ok = true;
    while (count < k_max_density_domains) {
        Guest* guest = guests_.allocate();
        if (guest == nullptr) {
            ok = fail(term, "bench-lifecycle: no free console slot (pvctl runs {} domains)",
                      k_max_guests);
            break;
        }
        guest->config = base;
        density_name(base, count, guest->config.name);
        const uint64_t start = hv_.now_ns();
        s = build_guest(hv_, files_, guest->config, scratch_, *guest, why);
        if (!s) {
            guests_.release(*guest);
            stopped_by = describe_errno(s.error());
            say(term, "bench: density stops: {}\n", why.text);
            break;
        }
        guest->started_ns = start;
        const uint16_t domid = guest->domid;
        bench_.density_domids[count++] = domid;
        // Proof that it runs; then its console is let go, since Dom0 maps
        // only a few foreign frames at a time and the table is small. The
        // domain keeps running (what it prints later stays in its ring).
        ok = wait_first_output(*guest, start, term);
        guest->console.close(hv_);
        guests_.release(*guest);
        if (!ok) break;
        abi::DomctlDomainInfo info{};
        if (hv_.domain_info(domid, info) && info.domain == domid) guest_pages += info.tot_pages;
    }

    abi::SysctlPhysinfo full{};
    Status full_status = hv_.physinfo(full);
    if (ok && !full_status)
        ok = fail(term, "bench-lifecycle: physinfo: {}", describe_errno(full_status.error()));
    if (ok && count == 0)
        ok = fail(term, "bench-lifecycle: not even one domain could be created: {}", why.text);
    if (ok) {
        const uint64_t used =
            before.free_pages > full.free_pages ? before.free_pages - full.free_pages : 0;
        const uint64_t hv_pages = used > guest_pages ? used - guest_pages : 0;
        say(term,
            "bench: density domains={} memory_mib={} guest_pages={} hv_bytes_per_domain={} "
            "free_pages_before={} free_pages_full={} stopped_by=\"{}\"\n",
            count, base.memory_mib, guest_pages, hv_pages * k_guest_page_size / count,
            before.free_pages, full.free_pages, stopped_by);
    }

    for (size_t i = 0; i < count; ++i) {
        Status d = hv_.destroy_domain(bench_.density_domids[i]);
        if (!d && ok)
            ok = fail(term, "bench-lifecycle: destroy d{}: {}", bench_.density_domids[i],
                      describe_errno(d.error()));
    }
    // A destroyed domain may give its last frames back a moment later (while
    // it is dying): look again for a while before saying what is free.
    abi::SysctlPhysinfo after{};
    const uint64_t destroyed = hv_.now_ns();
    for (;;) {
        s = hv_.physinfo(after);
        if (!s) return fail(term, "bench-lifecycle: physinfo: {}", describe_errno(s.error()));
        if (after.free_pages >= before.free_pages ||
            hv_.now_ns() - destroyed > k_memory_return_timeout_ns)
            break;
        term.wait();
    }
    say(term,
        "bench: density-after destroyed={} free_pages_before={} free_pages_after={} restored={}\n",
        count, before.free_pages, after.free_pages,
        after.free_pages == before.free_pages ? "yes" : "no");
    return ok;
}

} // namespace pv::tools
