// list, info, dmesg: what runs and on what.
#include "dom0-tools/lib/toolstack/domain_lookup.hpp"
#include "dom0-tools/lib/toolstack/domain_mode.hpp"
#include "dom0-tools/lib/toolstack/help.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "dom0-tools/lib/toolstack/pvctl.hpp"
#include "include/public/sched.hpp"

namespace pv::tools {

namespace {

constexpr uint64_t k_ns_per_tenth = 100'000'000;

// xl's state letters: r running, b blocked, p paused, s shut down,
// c crashed, d dying; '-' where not.
void state_letters(const abi::DomctlDomainInfo& info, char (&out)[7]) {
    const bool shutdown = info.flags & abi::k_dominfo_shutdown;
    out[0] = info.flags & abi::k_dominfo_running ? 'r' : '-';
    out[1] = info.flags & abi::k_dominfo_blocked ? 'b' : '-';
    out[2] = info.flags & abi::k_dominfo_paused ? 'p' : '-';
    out[3] = shutdown ? 's' : '-';
    out[4] = shutdown && info.shutdown_reason == static_cast<uint32_t>(abi::ShutdownReason::crash)
                 ? 'c'
                 : '-';
    out[5] = info.flags & abi::k_dominfo_dying ? 'd' : '-';
    out[6] = '\0';
}

// Seconds with one decimal, without floating point ("12.3").
struct Seconds {
    char text[24];
    explicit Seconds(uint64_t ns) {
        const uint64_t tenths = ns / k_ns_per_tenth;
        format(text, sizeof text, "{}.{}", tenths / 10, tenths % 10);
    }
};

} // namespace

bool Toolstack::verb_list(const Arguments& args, Terminal& term) {
    bool long_form = false;
    for (size_t i = 1; i < args.count; ++i) {
        if (args[i] == "-l")
            long_form = true;
        else
            return usage_error(term, "list", "unexpected argument", args[i]);
    }
    TerminalSink out(term);
    print_to(out, "{:<32} {:>5} {:>6} {:>5} {:<6} {:>9}", "Name", "ID", "Mem", "VCPUs", "State",
             "Time(s)");
    if (long_form) print_to(out, " {:<4} {:>6} {:>6} {:>4}", "Mode", "MaxMem", "Weight", "Cap");
    print_to(out, "\n");
    Status s = for_each_domain(hv_, [&](const abi::DomctlDomainInfo& info) {
        char fallback[16], state[7];
        state_letters(info, state);
        print_to(out, "{:<32} {:>5} {:>6} {:>5} {:<6} {:>9}", domain_name(info, fallback),
                 info.domain, info.tot_pages / k_pages_per_mib, info.nr_online_vcpus, state,
                 Seconds(info.cpu_time_ns).text);
        if (long_form) {
            print_to(out, " {:<4} {:>6}", info.flags & abi::k_dominfo_pvh ? "pvh" : "pv",
                     info.max_pages / k_pages_per_mib);
            abi::DomctlSchedCredit credit{};
            if (hv_.sched_credit(info.domain, credit))
                print_to(out, " {:>6} {:>4}", credit.weight, credit.cap);
            else
                print_to(out, " {:>6} {:>4}", "-", "-");
        }
        print_to(out, "\n");
        return true;
    });
    out.flush();
    if (!s) return fail(term, "list: cannot read the domain list: {}", describe_errno(s.error()));
    return true;
}

bool Toolstack::verb_info(const Arguments& args, Terminal& term) {
    if (args.count != 1) return usage_error(term, "info", "unexpected argument", args[1]);
    abi::SysctlPhysinfo info{};
    Status s = hv_.physinfo(info);
    if (!s) return fail(term, "info: {}", describe_errno(s.error()));
    TerminalSink out(term);
    uint32_t version = 0;
    char extra[32] = {};
    if (hv_.hypervisor_version(version, extra, sizeof extra)) {
        extra[sizeof extra - 1] = '\0';
        print_to(out, "hypervisor         : Paravane (Xen ABI {}.{}{})\n", version >> 16,
                 version & 0xffff, static_cast<const char*>(extra));
    }
    print_to(out, "nr_cpus            : {}\n", info.nr_cpus);
    print_to(out, "max_cpu_id         : {}\n", info.max_cpu_id);
    print_to(out, "cpu_mhz            : {}.{:03}\n", info.cpu_khz / 1000, info.cpu_khz % 1000);
    // What type = "pvh" needs, and so what "auto" will choose.
    print_to(out, "hardware containers: {}\n", hardware_container_name(info.virt_caps));
    print_to(out, "modes              : {}\n", host_offers_pvh(info.virt_caps) ? "pv, pvh" : "pv");
    print_to(out, "total_memory       : {} MiB\n", info.total_pages / k_pages_per_mib);
    print_to(out, "free_memory        : {} MiB\n", info.free_pages / k_pages_per_mib);
    // Exact, for telling whether anything leaked.
    print_to(out, "free_pages         : {}\n", info.free_pages);
    return true;
}

bool Toolstack::verb_dmesg(const Arguments& args, Terminal& term) {
    if (args.count != 1) return usage_error(term, "dmesg", "unexpected argument", args[1]);
    // What we print lands in the same log (Dom0's console output is logged):
    // find the end first and print up to there, or the loop would chase
    // its own tail.
    char chunk[512];
    uint64_t end = 0;
    for (;;) {
        auto n = hv_.read_console(end, chunk, sizeof chunk);
        if (!n) return fail(term, "dmesg: {}", describe_errno(n.error()));
        if (*n == 0) break;
    }
    uint64_t cursor = 0;
    while (cursor < end) {
        const uint64_t left = end - cursor;
        auto n = hv_.read_console(cursor, chunk, left < sizeof chunk ? left : sizeof chunk);
        if (!n) return fail(term, "dmesg: {}", describe_errno(n.error()));
        if (*n == 0) break;
        term.write(StringView(chunk, *n));
    }
    return true;
}

} // namespace pv::tools
