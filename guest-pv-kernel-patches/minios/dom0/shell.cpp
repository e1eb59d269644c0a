#include "dom0/shell.hpp"

#include "arch/hypercall.hpp"
#include "kernel/pvclock.hpp"
#include "kernel/xen_info.hpp"

namespace minios {
namespace {

constexpr char k_prompt[] = "dom0# ";

pv::StringView trim(pv::StringView s) {
    size_t begin = 0, end = s.size();
    while (begin < end && s[begin] == ' ')
        ++begin;
    while (end > begin && s[end - 1] == ' ')
        --end;
    return s.substr(begin, end - begin);
}

// Strings the hypervisor filled need not be NUL-terminated.
template <size_t N> pv::StringView bounded(const char (&text)[N]) {
    size_t n = 0;
    while (n < N && text[n] != '\0')
        ++n;
    return pv::StringView(text, n);
}

// Result buffers of `info`, too big for a comfortable stack frame.
char capabilities[pv::abi::k_capabilities_info_len];
char changeset[pv::abi::k_changeset_info_len];
pv::abi::CompileInfo compile_info;

} // namespace

const Shell::Command Shell::k_commands[] = {
    {"help", "list the commands", &Shell::cmd_help},
    {"info", "hypervisor version, capabilities and build; this domain and its module",
     &Shell::cmd_info},
    {"pvctl", "manage domains: pvctl help lists the verbs (create, list, console, ...)",
     &Shell::cmd_pvctl},
    {"ls", "list the files of the initrd, mounted read-only at / (ls [DIR])", &Shell::cmd_ls},
    {"sleep", "wait SECONDS (1-3600) while guests run and their consoles drain", &Shell::cmd_sleep},
    {"user", "run a user-mode process (syscalls bounced to this kernel)", &Shell::cmd_user},
    {"poweroff", "shut down (sched_op shutdown, poweroff)", &Shell::cmd_poweroff},
    {"reboot", "restart (sched_op shutdown, reboot)", &Shell::cmd_reboot},
};

void Shell::print_banner() {
    char version[64];
    query_hypervisor_version().format(version, sizeof version);
    println("Paravane minios dom0 ({}) on Xen-ABI hypervisor {}", MINIOS_VERSION_STRING, version);
    println("Type 'help' for the commands.");
}

void Shell::run() {
    bool read_error_reported = false;
    print(k_prompt);
    for (;;) {
        const int c = terminal_.poll_char();
        if (c < 0) {
            if (terminal_.read_error() != 0 && !read_error_reported) {
                println("\ndom0: error: console_io(read) failed: {}", terminal_.read_error());
                read_error_reported = true;
            }
            background_work();
            terminal_.wait();
            continue;
        }
        switch (editor_.feed(static_cast<char>(c))) {
        case LineEditor::Event::line:
            execute(editor_.line());
            print(k_prompt);
            break;
        case LineEditor::Event::cancelled:
            print(k_prompt);
            break;
        case LineEditor::Event::none:
            break;
        }
        console().flush();
    }
}

// Nothing typed: the toolstack drains guest consoles and applies the
// domains' lifecycle policies. Not at every keyboard check (ConsoleTerminal::
// k_wait_ns): a walk over the domains costs a few domctls, and a guest's
// console ring easily holds what it prints in a tenth of a second.
void Shell::background_work() {
    constexpr uint64_t k_poll_interval_ns = 100'000'000;
    const abi::VcpuInfo* vcpu = kernel_.events.vcpu_info();
    const uint64_t now = vcpu != nullptr ? system_time_ns(vcpu->time) : 0;
    if (vcpu != nullptr && now - last_poll_ns_ < k_poll_interval_ns) return;
    last_poll_ns_ = now;
    toolstack_.poll(terminal_);
}

// Waits as the prompt does (blocked between looks), so that guests get the
// CPUs and the toolstack's background work goes on meanwhile.
bool Shell::cmd_sleep(pv::StringView args) {
    args = trim(args);
    uint64_t seconds = 0;
    bool digits = !args.empty() && args.size() <= 4;
    for (char c : args) {
        if (c < '0' || c > '9') digits = false;
        else seconds = seconds * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!digits || seconds == 0 || seconds > 3600) {
        println("sleep: error: expected a whole number of seconds from 1 to 3600, got '{}'", args);
        return false;
    }
    const abi::VcpuInfo* vcpu = kernel_.events.vcpu_info();
    if (vcpu == nullptr) {
        println("sleep: error: no clock (shared_info is not mapped)");
        return false;
    }
    const uint64_t until = system_time_ns(vcpu->time) + seconds * 1'000'000'000ull;
    while (system_time_ns(vcpu->time) < until) {
        background_work();
        terminal_.wait();
    }
    return true;
}

bool Shell::execute(pv::StringView line) {
    line = trim(line);
    if (line.empty()) return true;
    size_t space = line.find(' ');
    if (space == pv::StringView::npos) space = line.size();
    const pv::StringView name = line.substr(0, space);
    const pv::StringView args = trim(line.substr(space));
    for (const Command& c : k_commands)
        if (name == pv::StringView(c.name)) return (this->*c.handler)(args);
    println("dom0: unknown command '{}' (try 'help')", name);
    return false;
}

bool Shell::cmd_pvctl(pv::StringView args) {
    const bool ok = toolstack_.run(args, terminal_);
    console().flush();
    return ok;
}

bool Shell::cmd_help(pv::StringView) {
    for (const Command& c : k_commands)
        println("  {:<10} {}", c.name, c.summary);
    return true;
}

bool Shell::cmd_info(pv::StringView) {
    bool ok = true;
    auto failed = [&ok](const char* what, long rc) {
        println("info: error: xen_version({}) failed: {}", what, rc);
        ok = false;
    };

    const HypervisorVersion v = query_hypervisor_version();
    if (v.version < 0)
        failed("version", v.version);
    else if (v.extraversion_result < 0)
        failed("extraversion", v.extraversion_result);
    else
        println("hypervisor: version {}.{}{} (xen_version {:#x})", v.major(), v.minor(),
                bounded(v.extraversion), v.version);

    if (long rc = hv::xen_version(abi::VersionOp::capabilities, capabilities); rc < 0)
        failed("capabilities", rc);
    else
        println("capabilities: {}", bounded(capabilities));

    if (long rc = hv::xen_version(abi::VersionOp::compile_info, &compile_info); rc < 0)
        failed("compile_info", rc);
    else
        println("compiled: by {}@{} with {} on {}", bounded(compile_info.compile_by),
                bounded(compile_info.compile_domain), bounded(compile_info.compiler),
                bounded(compile_info.compile_date));

    if (long rc = hv::xen_version(abi::VersionOp::changeset, changeset); rc < 0)
        failed("changeset", rc);
    else
        println("changeset: {}", bounded(changeset));

    abi::FeatureInfo features{0, 0};
    if (long rc = hv::xen_version(abi::VersionOp::get_features, &features); rc < 0)
        failed("get_features", rc);
    else
        println("features: {:#010x}", features.submap);

    const BootInfo& boot = kernel_.boot;
    println("domain: {} pages ({} MiB){}{}, {} free for minios", boot.nr_pages(),
            boot.nr_pages() / 256, boot.is_privileged() ? ", privileged" : "",
            boot.is_initial_domain() ? ", initial domain" : "", kernel_.pages.free_pages());
    print_module();
    return ok;
}

void Shell::print_module() {
    const BootInfo::Module m = kernel_.boot.module();
    if (m.size == 0) {
        println("module: none");
        return;
    }
    if (!m.mapped) {
        println("module: {} bytes at pfn {:#x} (not mapped)", m.size, m.first_pfn);
        return;
    }
    if (files_.unmounted_reason() == nullptr) {
        println("module: {} bytes at {:p}: cpio archive, {} entries, mounted at /", m.size, m.data,
                files_.archive().entry_count());
        return;
    }
    // Show its first line when it is text, else its first bytes.
    size_t n = 0;
    bool text = true;
    while (n < m.size && n < 60 && m.data[n] != '\n') {
        if (m.data[n] < 0x20 || m.data[n] > 0x7e) text = false;
        ++n;
    }
    if (text) {
        println("module: {} bytes at {:p}: \"{}\"", m.size, m.data,
                pv::StringView(reinterpret_cast<const char*>(m.data), n));
        return;
    }
    print("module: {} bytes at {:p}:", m.size, m.data);
    for (size_t i = 0; i < m.size && i < 16; ++i)
        print(" {:02x}", m.data[i]);
    println("");
}

bool Shell::shutdown(abi::ShutdownReason reason, const char* what) {
    println("dom0: {}", what);
    console().flush();
    const long rc = hv::shutdown(reason);
    println("dom0: error: sched_op(shutdown) returned {}", rc);
    return false;
}

bool Shell::cmd_poweroff(pv::StringView) {
    return shutdown(abi::ShutdownReason::poweroff, "powering off");
}

bool Shell::cmd_reboot(pv::StringView) {
    return shutdown(abi::ShutdownReason::reboot, "rebooting");
}

bool Shell::cmd_user(pv::StringView) {
    if (const long rc = kernel_.user.prepare(kernel_.boot, kernel_.pages, kernel_.pv_mmu); rc < 0) {
        println("user: error: user mode unavailable: {} ({})", kernel_.user.reason(), rc);
        return false;
    }
    uint64_t exit_code = 0;
    if (const long rc = kernel_.user.run(programs::hello, 0, exit_code); rc < 0) {
        println("user: error: could not start the process: {}", rc);
        return false;
    }
    println("user: process exited with code {}", exit_code);
    return exit_code == 0;
}

} // namespace minios
