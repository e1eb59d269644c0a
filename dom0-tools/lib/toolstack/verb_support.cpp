#include "dom0-tools/lib/toolstack/verb_support.hpp"

#include "dom0-tools/lib/toolstack/domain_lookup.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "lib/format.hpp"

namespace pv::tools {

bool lookup_domain(ControlPlane& hv, Terminal& term, StringView word, abi::DomctlDomainInfo& info) {
    Status s = find_domain(hv, word, info);
    if (s) return true;
    if (s.error() == Errno::esrch) return fail(term, "unknown domain '{}'", word);
    return fail(term, "cannot look up domain '{}': {}", word, describe_errno(s.error()));
}

DomainLabel::DomainLabel(const abi::DomctlDomainInfo& info) {
    char fallback[16];
    format(text, sizeof text, "{} (d{})", domain_name(info, fallback), info.domain);
}

DomainLabel::DomainLabel(StringView name, uint16_t domid) {
    format(text, sizeof text, "{} (d{})", name, domid);
}

} // namespace pv::tools
