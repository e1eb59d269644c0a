// counters: what a domain made the hypervisor do (domctl getdomaincounters),
// the same facts the hypervisor logs with counters-at-exit.
#include "dom0-tools/lib/toolstack/help.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "dom0-tools/lib/toolstack/pvctl.hpp"
#include "dom0-tools/lib/toolstack/verb_support.hpp"

namespace pv::tools {

namespace {

// Xen's hypercall numbers (public/xen.h), by number; null where unused.
const char* hypercall_name(size_t number) {
    static const char* const names[] = {"set_trap_table",
                                        "mmu_update",
                                        "set_gdt",
                                        "stack_switch",
                                        "set_callbacks",
                                        "fpu_taskswitch",
                                        "sched_op_compat",
                                        "platform_op",
                                        "set_debugreg",
                                        "get_debugreg",
                                        "update_descriptor",
                                        nullptr,
                                        "memory_op",
                                        "multicall",
                                        "update_va_mapping",
                                        "set_timer_op",
                                        "event_channel_op_compat",
                                        "xen_version",
                                        "console_io",
                                        "physdev_op_compat",
                                        "grant_table_op",
                                        "vm_assist",
                                        "update_va_mapping_otherdomain",
                                        "iret",
                                        "vcpu_op",
                                        "set_segment_base",
                                        "mmuext_op",
                                        "xsm_op",
                                        "nmi_op",
                                        "sched_op",
                                        "callback_op",
                                        "xenoprof_op",
                                        "event_channel_op",
                                        "physdev_op",
                                        "hvm_op",
                                        "sysctl",
                                        "domctl",
                                        "kexec_op",
                                        "tmem_op",
                                        "argo_op",
                                        "xenpmu_op",
                                        "dm_op",
                                        "hypfs_op"};
    const char* name = number < sizeof names / sizeof names[0] ? names[number] : nullptr;
    return name != nullptr ? name : "-";
}

// SDM Vol. 3 §7.15, by vector.
const char* vector_name(size_t vector) {
    static const char* const names[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                        "#DF", "-",   "#TS", "#NP", "#SS", "#GP", "#PF", "-",
                                        "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "-",   "-",
                                        "-",   "-",   "-",   "-",   "#HV", "#VC", "#SX", "-"};
    return vector < sizeof names / sizeof names[0] ? names[vector] : "-";
}

template <size_t N> uint64_t sum(const uint64_t (&values)[N]) {
    uint64_t total = 0;
    for (uint64_t v : values)
        total += v;
    return total;
}

void print_counters(OutputSink& out, const DomainLabel& label, const abi::DomainCounterValues& c) {
    constexpr size_t k_vectors = sizeof c.exceptions / sizeof c.exceptions[0];
    print_to(
        out,
        "{}: hypercalls {}, exceptions {} (bounced {}), syscalls {}, event sends {}, upcalls {}\n",
        label.text, sum(c.hypercalls) + c.hypercalls_other, sum(c.exceptions), sum(c.bounced),
        c.syscalls, c.event_sends, c.upcalls);
    print_to(out, "{:>4} {:<30} {:>12}\n", "Nr", "Hypercall", "Count");
    for (size_t n = 0; n < sizeof c.hypercalls / sizeof c.hypercalls[0]; ++n)
        if (c.hypercalls[n] != 0)
            print_to(out, "{:>4} {:<30} {:>12}\n", n, hypercall_name(n), c.hypercalls[n]);
    if (c.hypercalls_other != 0)
        print_to(out, "{:>4} {:<30} {:>12}\n", ">63", "(unknown: ENOSYS)", c.hypercalls_other);
    print_to(out, "{:>4} {:<6} {:>12} {:>12} {:>12}\n", "Vec", "Name", "Taken", "Bounced",
             "Emulated");
    for (size_t v = 0; v < k_vectors; ++v) {
        if (c.exceptions[v] == 0 && c.bounced[v] == 0) continue;
        const uint64_t emulated =
            c.exceptions[v] > c.bounced[v] ? c.exceptions[v] - c.bounced[v] : 0;
        print_to(out, "{:>4} {:<6} {:>12} {:>12} {:>12}\n", v, vector_name(v), c.exceptions[v],
                 c.bounced[v], emulated);
    }
}

} // namespace

bool Toolstack::verb_counters(const Arguments& args, Terminal& term) {
    if (args.count < 2) return usage_error(term, "counters", "a domain is needed");
    if (args.count > 2) return usage_error(term, "counters", "unexpected argument", args[2]);
    abi::DomctlDomainInfo info{};
    if (!lookup_domain(hv_, term, args[1], info)) return false;
    const DomainLabel label(info);
    abi::DomainCounterValues counters{};
    if (Status s = hv_.domain_counters(info.domain, counters); !s)
        return fail(term, "counters {}: {}", label.text, describe_errno(s.error()));
    TerminalSink out(term);
    print_counters(out, label, counters);
    return true;
}

} // namespace pv::tools
