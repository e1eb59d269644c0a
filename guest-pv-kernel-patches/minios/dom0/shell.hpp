// The Dom0 console: a banner, the `dom0# ` prompt on the hypervisor console
// (console_io read, polled through the Terminal) and a handful of commands,
// among them `pvctl ...` (the toolstack) and `ls` (the initrd's files). While
// no input waits, the toolstack's background work runs and the vCPU blocks
// briefly. A command that fails prints a line containing "error:".
#pragma once

#include "dom0-tools/lib/toolstack/pvctl.hpp"
#include "dom0/console_terminal.hpp"
#include "dom0/initrd_files.hpp"
#include "dom0/line_editor.hpp"
#include "include/public/sched.hpp"
#include "kernel/kernel.hpp"
#include "lib/string_view.hpp"

namespace minios {

class Shell {
public:
    Shell(Kernel& k, ConsoleTerminal& terminal, InitrdFiles& files, pv::tools::Toolstack& toolstack)
        : kernel_(k), terminal_(terminal), files_(files), toolstack_(toolstack),
          editor_(console()) {}

    void print_banner();
    [[noreturn]] void run();

    // Runs one command line; false when the command failed.
    bool execute(pv::StringView line);

private:
    struct Command {
        const char* name;
        const char* summary;
        bool (Shell::*handler)(pv::StringView args);
    };
    static const Command k_commands[];

    bool cmd_help(pv::StringView args);
    bool cmd_info(pv::StringView args);
    bool cmd_ls(pv::StringView args);
    bool cmd_pvctl(pv::StringView args);
    bool cmd_poweroff(pv::StringView args);
    bool cmd_reboot(pv::StringView args);
    bool cmd_sleep(pv::StringView args);
    bool cmd_user(pv::StringView args);

    bool shutdown(abi::ShutdownReason reason, const char* what);
    void background_work();
    void print_module();

    Kernel& kernel_;
    ConsoleTerminal& terminal_;
    InitrdFiles& files_;
    pv::tools::Toolstack& toolstack_;
    LineEditor editor_;
    uint64_t last_poll_ns_ = 0;
};

} // namespace minios
