// console DOM (and create -c): the user's terminal joined to a guest's
// console ring until Ctrl-], as `xl console` does.
#include "dom0-tools/lib/toolstack/help.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "dom0-tools/lib/toolstack/pvctl.hpp"
#include "dom0-tools/lib/toolstack/verb_support.hpp"

namespace pv::tools {

bool Toolstack::verb_console(const Arguments& args, Terminal& term) {
    if (args.count != 2)
        return usage_error(term, "console",
                           args.count < 2 ? "which domain?" : "unexpected argument", args[2]);
    abi::DomctlDomainInfo info{};
    if (!lookup_domain(hv_, term, args[1], info)) return false;
    const DomainLabel label(info);
    if (info.domain == 0)
        return fail(term, "console: {} is the control domain: its console is this one", label.text);
    Guest* guest = guests_.find(info.domain);
    if (guest == nullptr || !guest->console.connected())
        return fail(term, "console: {} was not started by pvctl: no console to attach", label.text);
    attach_console(*guest, term);
    return true;
}

void Toolstack::attach_console(Guest& guest, Terminal& term) {
    const uint16_t domid = guest.domid;
    const DomainLabel label(guest.config.name, domid);
    say(term, "pvctl: console of {} (Ctrl-] detaches)\n", label.text);
    uint64_t cursor = guest.console.buffer().oldest(); // what it printed so far first
    for (;;) {
        bool busy = false;
        // Print what the guest said before acting on its fate: a policy may
        // destroy or restart the domain, and the slot then holds something
        // else or nothing.
        drain_consoles();
        char chunk[256];
        while (const size_t n = guest.console.buffer().copy_from(cursor, chunk, sizeof chunk)) {
            term.write(StringView(chunk, n));
            busy = true;
        }
        apply_policies(term);
        if (!guest.in_use || guest.domid != domid) {
            say(term, "\npvctl: {} is gone\n", label.text);
            return;
        }
        const int c = term.poll_char();
        if (c == k_console_detach_char) break;
        if (c >= 0) {
            const char byte = static_cast<char>(c);
            (void)guest.console.send(hv_, &byte, 1);
            busy = true;
        }
        if (!busy) term.wait();
    }
    say(term, "\npvctl: detached from {}\n", label.text);
}

} // namespace pv::tools
