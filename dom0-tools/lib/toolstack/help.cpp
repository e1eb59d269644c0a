#include "dom0-tools/lib/toolstack/help.hpp"

#include "dom0-tools/lib/toolstack/output.hpp"

namespace pv::tools {

const Toolstack::Verb Toolstack::k_verbs[] = {
    {"create", "create CFG [-c] [KEY=VALUE...]",
     "build and start a domain from the config file CFG",
     "  -c          attach to the new domain's console (Ctrl-] detaches)\n"
     "  KEY=VALUE   more xl.cfg settings, applied after the file's (e.g. memory=64 name=\"web\")\n"
     "type = \"pv\", \"pvh\" or \"auto\" (the default) picks the mode: PVH runs the kernel in a\n"
     "hardware container (AMD SVM with NPT, Intel VMX with EPT) and needs its PVH entry\n"
     "point; auto runs PVH when both allow it, else PV. pvctl info shows the modes.\n",
     &Toolstack::verb_create},
    {"destroy", "destroy DOM", "stop a domain at once and give its memory back", "",
     &Toolstack::verb_destroy},
    {"shutdown", "shutdown DOM", "power a domain off; its on_poweroff setting applies", "",
     &Toolstack::verb_shutdown},
    {"reboot", "reboot DOM", "reboot a domain; its on_reboot setting applies", "",
     &Toolstack::verb_reboot},
    {"list", "list [-l]", "list domains: name, id, memory, vCPUs, state, CPU time",
     "  -l   also the mode (pv or pvh), maximum memory, credit weight and cap\n"
     "State: r running, b blocked, p paused, s shut down, c crashed, d dying\n",
     &Toolstack::verb_list},
    {"pause", "pause DOM", "stop running a domain's vCPUs until unpause", "",
     &Toolstack::verb_pause},
    {"unpause", "unpause DOM", "let a paused domain run again", "", &Toolstack::verb_unpause},
    {"console", "console DOM", "attach to a domain's console (Ctrl-] detaches)",
     "  Prints what the domain printed so far, then its output as it comes;\n"
     "  what you type goes to the domain.\n",
     &Toolstack::verb_console},
    {"info", "info", "the hypervisor and host: version, CPUs, memory, hardware containers",
     "  hardware containers: what PVH runs in (AMD SVM with NPT, Intel VMX with EPT, none)\n"
     "  modes: the domain types this host runs (pv, pvh)\n",
     &Toolstack::verb_info},
    {"dmesg", "dmesg", "print the hypervisor's log", "", &Toolstack::verb_dmesg},
    {"sched-credit", "sched-credit [-d DOM [-w W] [-c C]]",
     "show or set the credit scheduler's weight and cap",
     "  -d DOM   only this domain (with -w/-c: change it)\n"
     "  -w W     weight 1-65535 (default 256): CPU share relative to the others\n"
     "  -c C     cap: at most C percent of one CPU, 0 = no cap\n",
     &Toolstack::verb_sched_credit},
    {"vcpu-list", "vcpu-list [DOM]", "list vCPUs: host CPU, state, CPU time, affinity", "",
     &Toolstack::verb_vcpu_list},
    {"vcpu-pin", "vcpu-pin DOM VCPU CPUS", "restrict vCPU VCPU (or all) to the host CPUs CPUS",
     "  VCPU   a vCPU number, or all\n"
     "  CPUS   a CPU list such as 0-3,5 or all; ^N leaves CPU N out\n",
     &Toolstack::verb_vcpu_pin},
    {"bench-lifecycle", "bench-lifecycle CFG [-n ROUNDS] [-d]",
     "time creating and destroying domains of CFG (bench: lines)",
     "  -n ROUNDS   create/destroy rounds, 0-500 (default 100): latency, then throughput\n"
     "  -d          density too: start domains until one fails, count them, destroy all\n"
     "Times are the hypervisor's system time in ns, as seen from Dom0.\n",
     &Toolstack::verb_bench_lifecycle},
    {"bench-events", "bench-events CFG [-n N] [--cpu same|other] [--yield] [KEY=VALUE...]",
     "time event round trips or yields between Dom0 and a DomU of CFG (bench: lines)",
     "  CFG         a minios-bench config (the DomU gets bench-peer=pong|yield)\n"
     "  -n N        timed rounds, 1-20000 (default 1000), after 100 untimed ones\n"
     "  --cpu same  Dom0's vCPU 0 and the DomU on CPU 0 (default); other: the DomU on CPU 1\n"
     "  --yield     both domains yield to each other on CPU 0: time per domain switch\n"
     "  KEY=VALUE   config settings after the file's (type=pv or type=pvh)\n"
     "Times are the hypervisor's system time in ns, as seen from Dom0, less the timer's cost.\n",
     &Toolstack::verb_bench_events},
    {"counters", "counters DOM", "what a domain made the hypervisor do: hypercalls, traps, events",
     "  Hypercalls by number; exceptions by vector: taken from the domain, bounced back\n"
     "  to its own handler, and emulated by the hypervisor (taken - bounced); system\n"
     "  calls bounced to its kernel; event sends and upcalls. Counted since it was created.\n",
     &Toolstack::verb_counters},
    {"help", "help [VERB]", "list the commands, or describe one", "", &Toolstack::verb_help},
};
const size_t Toolstack::k_verb_count = sizeof k_verbs / sizeof k_verbs[0];

const Toolstack::Verb* Toolstack::find_verb(StringView name) {
    for (const Verb& verb : k_verbs)
        if (name == verb.name) return &verb;
    return nullptr;
}

void print_help(Terminal& term) {
    TerminalSink out(term);
    print_to(out, "usage: pvctl COMMAND [ARGS]   (DOM is a domain id or name)\n");
    for (size_t i = 0; i < Toolstack::k_verb_count; ++i) {
        const Toolstack::Verb& verb = Toolstack::k_verbs[i];
        print_to(out, "  {:<36} {}\n", verb.usage, verb.summary);
    }
    print_to(out, "pvctl COMMAND --help describes one command.\n");
}

void print_verb_help(const Toolstack::Verb& verb, Terminal& term) {
    TerminalSink out(term);
    print_to(out, "usage: pvctl {}\n{}\n{}", verb.usage, verb.summary, verb.details);
}

bool usage_error(Terminal& term, StringView verb, StringView problem, StringView word) {
    const Toolstack::Verb* known = Toolstack::find_verb(verb);
    const StringView usage = known ? StringView(known->usage) : verb;
    if (word.empty()) return fail(term, "{}: {} (usage: pvctl {})", verb, problem, usage);
    return fail(term, "{}: {} '{}' (usage: pvctl {})", verb, problem, word, usage);
}

bool Toolstack::verb_help(const Arguments& args, Terminal& term) {
    if (args.count == 1) {
        print_help(term);
        return true;
    }
    if (args.count > 2) return usage_error(term, "help", "unexpected argument", args[2]);
    const Verb* verb = find_verb(args[1]);
    if (verb == nullptr)
        return fail(term, "help: unknown command '{}' (pvctl help lists them)", args[1]);
    print_verb_help(*verb, term);
    return true;
}

} // namespace pv::tools
