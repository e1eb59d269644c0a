// Steps most verbs share: naming a domain from the command line, and the
// one-line descriptions of a domain in messages ("hello (d3)").
#pragma once

#include "dom0-tools/lib/toolstack/control_plane.hpp"
#include "dom0-tools/lib/toolstack/toolstack.hpp"
#include "include/public/control.hpp"
#include "lib/string_view.hpp"

namespace pv::tools {

// The domain `word` names, or prints "error: unknown domain 'WORD'" (or why
// the hypervisor would not say) and returns false.
bool lookup_domain(ControlPlane& hv, Terminal& term, StringView word, abi::DomctlDomainInfo& info);

// "hello (d3)" for messages.
struct DomainLabel {
    char text[48];
    explicit DomainLabel(const abi::DomctlDomainInfo& info);
    DomainLabel(StringView name, uint16_t domid);
};

} // namespace pv::tools
