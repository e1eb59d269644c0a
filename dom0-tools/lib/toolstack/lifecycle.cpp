// What happens to a DomU that stopped (xl.cfg(5) "Event Actions"): the
// reason it gave (poweroff, reboot, crash, watchdog) picks its on_poweroff,
// on_reboot or on_crash setting: destroy it, restart it from the same
// configuration, or preserve it for inspection.
#include "dom0-tools/lib/toolstack/domain_lookup.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "dom0-tools/lib/toolstack/pvctl.hpp"
#include "dom0-tools/lib/toolstack/verb_support.hpp"
#include "include/public/sched.hpp"

namespace pv::tools {

namespace {

// xl gives up restarting a guest that fails again this soon after a restart.
constexpr uint64_t k_restart_too_fast_ns = 10'000'000'000ull;

struct Stopped {
    uint16_t domid;
    uint32_t reason;
};

} // namespace

void Toolstack::drain_consoles() {
    for (Guest& guest : guests_)
        if (guest.in_use) (void)guest.console.drain(hv_);
}

void Toolstack::apply_policies(Terminal& term) {
    // Domains destroyed behind our back: forget their consoles.
    for (Guest& guest : guests_) {
        if (!guest.in_use) continue;
        abi::DomctlDomainInfo info{};
        Status s = hv_.domain_info(guest.domid, info);
        if ((!s && s.error() == Errno::esrch) || (s && info.domain != guest.domid)) {
            guest.console.close(hv_);
            guests_.release(guest);
        }
    }
    // Collect first: a restart creates domains while we would be walking.
    Stopped stopped[k_max_guests];
    size_t count = 0;
    (void)for_each_domain(hv_, [&](const abi::DomctlDomainInfo& info) {
        if (!(info.flags & abi::k_dominfo_shutdown) || (info.flags & abi::k_dominfo_dying))
            return true;
        const Guest* guest = guests_.find(info.domain);
        if (guest == nullptr || guest->preserved) return true; // not ours to decide
        stopped[count++] = Stopped{info.domain, info.shutdown_reason};
        return count < k_max_guests;
    });
    for (size_t i = 0; i < count; ++i)
        if (Guest* guest = guests_.find(stopped[i].domid))
            handle_stopped(*guest, stopped[i].reason, term);
}

void Toolstack::handle_stopped(Guest& guest, uint32_t reason, Terminal& term) {
    using abi::ShutdownReason;
    ShutdownAction action = guest.config.on_crash;
    const char* what = "crashed";
    if (reason == static_cast<uint32_t>(ShutdownReason::poweroff)) {
        action = guest.config.on_poweroff;
        what = "powered off";
    } else if (reason == static_cast<uint32_t>(ShutdownReason::reboot)) {
        action = guest.config.on_reboot;
        what = "rebooted";
    } else if (reason == static_cast<uint32_t>(ShutdownReason::watchdog)) {
        what = "was stopped by its watchdog";
    } else if (reason != static_cast<uint32_t>(ShutdownReason::crash)) {
        what = "shut down for an unknown reason";
    }
    const DomainLabel label(guest.config.name, guest.domid);
    (void)guest.console.drain(hv_); // its last words

    if (action == ShutdownAction::preserve) {
        guest.preserved = true;
        say(term, "pvctl: {} {}: preserved\n", label.text, what);
        return;
    }
    if (action == ShutdownAction::restart && guest.restarted &&
        hv_.now_ns() - guest.started_ns < k_restart_too_fast_ns) {
        Status s = destroy_guest(guest);
        say(term, "pvctl: {} {}: restarting too fast: destroyed{}\n", label.text, what,
            s ? "" : " (destroy failed)");
        return;
    }
    if (action == ShutdownAction::restart) scratch_.config = guest.config;
    Status s = destroy_guest(guest);
    if (!s) {
        say(term, "pvctl: {} {}: destroy failed: {}\n", label.text, what,
            describe_errno(s.error()));
        return;
    }
    if (action == ShutdownAction::destroy) {
        say(term, "pvctl: {} {}: destroyed\n", label.text, what);
        return;
    }
    Failure why;
    Guest* fresh = start_guest(scratch_.config, why);
    if (fresh == nullptr) {
        say(term, "pvctl: {} {}: restart failed: {}\n", label.text, what, why.text);
        return;
    }
    fresh->restarted = true;
    say(term, "pvctl: {} {}: restarted as d{}\n", label.text, what, fresh->domid);
}

} // namespace pv::tools
