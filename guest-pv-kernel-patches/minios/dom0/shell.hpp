// The Dom0 console: a banner, the `dom0# ` prompt on the hypervisor console
// (console_io read, polled; sched_op yield between polls) and a handful of
// commands. A command that fails prints a line containing "error:".
#pragma once

#include "dom0/line_editor.hpp"
#include "include/public/sched.hpp"
#include "kernel/kernel.hpp"
#include "lib/string_view.hpp"

namespace minios {

class Shell {
public:
    explicit Shell(Kernel& k) : kernel_(k), editor_(console()) {}

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
    bool cmd_poweroff(pv::StringView args);
    bool cmd_reboot(pv::StringView args);
    bool cmd_user(pv::StringView args);

    bool shutdown(abi::ShutdownReason reason, const char* what);
    void print_module();

    Kernel& kernel_;
    LineEditor editor_;
};

} // namespace minios
