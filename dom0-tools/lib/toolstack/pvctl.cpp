#include "dom0-tools/lib/toolstack/pvctl.hpp"

#include "dom0-tools/lib/toolstack/domain_builder.hpp"
#include "dom0-tools/lib/toolstack/help.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"

namespace pv::tools {

Toolstack::Toolstack(ControlPlane& hv, FileSource& files) : hv_(hv), files_(files) {}

bool Toolstack::run(StringView line, Terminal& term) {
    const Arguments args = split_words(line);
    if (args.too_many) return fail(term, "too many words (at most {})", k_max_words);
    if (args.open_quote) return fail(term, "a quote is not closed");
    if (args.count == 0) {
        print_help(term);
        return fail(term, "no command given");
    }
    const Verb* verb = find_verb(args[0]);
    if (verb == nullptr) return fail(term, "unknown command '{}' (pvctl help lists them)", args[0]);
    if (args.count >= 2 && is_help_flag(args[1])) {
        print_verb_help(*verb, term);
        return true;
    }
    return (this->*verb->handler)(args, term);
}

void Toolstack::poll(Terminal& term) {
    drain_consoles();
    apply_policies(term);
}

Guest* Toolstack::start_guest(const DomainConfig& config, Failure& why) {
    Guest* guest = guests_.allocate();
    if (guest == nullptr) {
        (void)why.set(Errno::enospc, "cannot start '{}': pvctl already runs {} domains",
                      config.name, k_max_guests);
        return nullptr;
    }
    if (&guest->config != &config) guest->config = config;
    if (!build_guest(hv_, files_, guest->config, scratch_, *guest, why)) {
        guests_.release(*guest);
        return nullptr;
    }
    guest->started_ns = hv_.now_ns();
    return guest;
}

Status Toolstack::destroy_guest(Guest& guest) {
    const uint16_t domid = guest.domid;
    guest.console.close(hv_); // mappings go before the domain does
    guests_.release(guest);
    return hv_.destroy_domain(domid);
}

Status Toolstack::destroy_domain(uint16_t domid) {
    if (Guest* guest = guests_.find(domid)) return destroy_guest(*guest);
    return hv_.destroy_domain(domid);
}

} // namespace pv::tools
