// sched-credit, vcpu-list, vcpu-pin: where and how much domains run.
#include "dom0-tools/lib/config/cpu_list.hpp"
#include "dom0-tools/lib/toolstack/domain_lookup.hpp"
#include "dom0-tools/lib/toolstack/help.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "dom0-tools/lib/toolstack/pvctl.hpp"
#include "dom0-tools/lib/toolstack/verb_support.hpp"

namespace pv::tools {

namespace {

constexpr uint64_t k_ns_per_tenth = 100'000'000;
constexpr uint64_t k_max_weight = 65535;
constexpr uint64_t k_max_cap = 0xffffffffu; // the hypervisor checks 100 per vCPU

void print_credit_line(OutputSink& out, const abi::DomctlDomainInfo& info,
                       const abi::DomctlSchedCredit& credit) {
    char fallback[16];
    print_to(out, "{:<32} {:>5} {:>6} {:>4}\n", domain_name(info, fallback), info.domain,
             credit.weight, credit.cap);
}

} // namespace

bool Toolstack::verb_sched_credit(const Arguments& args, Terminal& term) {
    StringView dom, weight_word, cap_word;
    for (size_t i = 1; i < args.count; i += 2) {
        const StringView option = args[i];
        StringView* value = option == "-d"   ? &dom
                            : option == "-w" ? &weight_word
                            : option == "-c" ? &cap_word
                                             : nullptr;
        if (value == nullptr)
            return usage_error(term, "sched-credit", "unexpected argument", option);
        if (i + 1 >= args.count)
            return usage_error(term, "sched-credit", "a value must follow", option);
        *value = args[i + 1];
    }
    uint64_t weight = 0, cap = 0;
    if (!weight_word.empty() && (!parse_decimal(weight_word, k_max_weight, weight) || weight == 0))
        return fail(term, "sched-credit: -w takes a weight 1-65535, not '{}'", weight_word);
    if (!cap_word.empty() && !parse_decimal(cap_word, k_max_cap, cap))
        return fail(term, "sched-credit: -c takes a cap in percent (0 = none), not '{}'", cap_word);
    const bool change = !weight_word.empty() || !cap_word.empty();
    if (change && dom.empty()) return usage_error(term, "sched-credit", "-w and -c need -d DOM");

    if (dom.empty()) {
        TerminalSink out(term);
        print_to(out, "{:<32} {:>5} {:>6} {:>4}\n", "Name", "ID", "Weight", "Cap");
        Status s = for_each_domain(hv_, [&](const abi::DomctlDomainInfo& info) {
            abi::DomctlSchedCredit credit{};
            if (hv_.sched_credit(info.domain, credit)) print_credit_line(out, info, credit);
            return true;
        });
        out.flush();
        if (!s)
            return fail(term, "sched-credit: cannot read the domain list: {}",
                        describe_errno(s.error()));
        return true;
    }

    abi::DomctlDomainInfo info{};
    if (!lookup_domain(hv_, term, dom, info)) return false;
    const DomainLabel label(info);
    abi::DomctlSchedCredit credit{};
    Status s = hv_.sched_credit(info.domain, credit);
    if (!s) return fail(term, "sched-credit {}: {}", label.text, describe_errno(s.error()));
    if (!change) {
        TerminalSink out(term);
        print_to(out, "{:<32} {:>5} {:>6} {:>4}\n", "Name", "ID", "Weight", "Cap");
        print_credit_line(out, info, credit);
        return true;
    }
    credit.set = 1;
    if (!weight_word.empty()) credit.weight = static_cast<uint32_t>(weight);
    if (!cap_word.empty()) credit.cap = static_cast<uint32_t>(cap);
    s = hv_.sched_credit(info.domain, credit);
    if (!s)
        return fail(term, "sched-credit {}: weight {} cap {} refused: {}", label.text,
                    credit.weight, credit.cap, describe_errno(s.error()));
    return true;
}

bool Toolstack::verb_vcpu_list(const Arguments& args, Terminal& term) {
    if (args.count > 2) return usage_error(term, "vcpu-list", "unexpected argument", args[2]);
    abi::DomctlDomainInfo only{};
    if (args.count == 2 && !lookup_domain(hv_, term, args[1], only)) return false;
    TerminalSink out(term);
    print_to(out, "{:<32} {:>5} {:>4} {:>3} {:<5} {:>9}  {}\n", "Name", "ID", "VCPU", "CPU",
             "State", "Time(s)", "Affinity");
    Status failed;
    auto one_domain = [&](const abi::DomctlDomainInfo& info) {
        char fallback[16];
        const StringView name = domain_name(info, fallback);
        for (uint32_t vcpu = 0; vcpu < info.nr_vcpus; ++vcpu) {
            abi::DomctlVcpuInfo v{};
            Status s = hv_.vcpu_info(info.domain, vcpu, v);
            if (!s) {
                failed = s;
                return false;
            }
            // xl's letters: r running, b blocked, p offline (never started or down).
            char state[4] = {v.online && v.running ? 'r' : '-', v.blocked ? 'b' : '-',
                             v.online ? '-' : 'p', '\0'};
            const uint64_t tenths = v.cpu_time_ns / k_ns_per_tenth;
            char cpu[8];
            if (v.online)
                format(cpu, sizeof cpu, "{}", v.cpu);
            else
                format(cpu, sizeof cpu, "-");
            char time[24];
            format(time, sizeof time, "{}.{}", tenths / 10, tenths % 10);
            print_to(out, "{:<32} {:>5} {:>4} {:>3} {:<5} {:>9}  ", name, info.domain, vcpu, cpu,
                     state, time);
            print_cpu_list(out, v.affinity);
            print_to(out, "\n");
        }
        return true;
    };
    Status s =
        args.count == 2 ? (one_domain(only), Status::ok()) : for_each_domain(hv_, one_domain);
    out.flush();
    if (!s)
        return fail(term, "vcpu-list: cannot read the domain list: {}", describe_errno(s.error()));
    if (!failed) return fail(term, "vcpu-list: {}", describe_errno(failed.error()));
    return true;
}

bool Toolstack::verb_vcpu_pin(const Arguments& args, Terminal& term) {
    if (args.count < 4) return usage_error(term, "vcpu-pin", "DOM, VCPU and CPUS are needed");
    if (args.count > 4) return usage_error(term, "vcpu-pin", "unexpected argument", args[4]);
    abi::DomctlDomainInfo info{};
    if (!lookup_domain(hv_, term, args[1], info)) return false;
    const DomainLabel label(info);
    uint64_t first = 0, last = 0;
    if (args[2] == "all") {
        if (info.nr_vcpus == 0) return fail(term, "vcpu-pin: {} has no vCPUs", label.text);
        last = info.nr_vcpus - 1;
    } else {
        if (!parse_decimal(args[2], 0xffffffffu, first))
            return fail(term, "vcpu-pin: VCPU must be a number or all, not '{}'", args[2]);
        if (first >= info.nr_vcpus)
            return fail(term, "vcpu-pin: {} has {} vCPUs: no vCPU {}", label.text, info.nr_vcpus,
                        first);
        last = first;
    }
    const CpuListParse cpus = parse_cpu_list(args[3]);
    if (cpus.problem != CpuListParse::Problem::none)
        return fail(term, "vcpu-pin: '{}' is not a CPU list such as 0-3,5 or all", args[3]);
    for (uint64_t vcpu = first; vcpu <= last; ++vcpu) {
        Status s = hv_.set_vcpu_affinity(info.domain, static_cast<uint32_t>(vcpu), cpus.mask);
        if (s.error() == Errno::einval)
            return fail(term, "vcpu-pin {} vCPU {}: CPUs {} include no online CPU", label.text,
                        vcpu, args[3]);
        if (!s)
            return fail(term, "vcpu-pin {} vCPU {}: {}", label.text, vcpu,
                        describe_errno(s.error()));
    }
    return true;
}

} // namespace pv::tools
