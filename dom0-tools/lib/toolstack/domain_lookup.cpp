#include "dom0-tools/lib/toolstack/domain_lookup.hpp"

#include "dom0-tools/lib/toolstack/arguments.hpp"
#include "lib/format.hpp"

namespace pv::tools {

namespace {

StringView name_of(const abi::DomctlDomainInfo& info) {
    size_t n = 0;
    while (n < sizeof info.name && info.name[n] != '\0')
        ++n;
    return StringView(info.name, n);
}

} // namespace

Status find_domain_by_name(ControlPlane& hv, StringView name, abi::DomctlDomainInfo& info) {
    bool found = false;
    TRY(for_each_domain(hv, [&](const abi::DomctlDomainInfo& each) {
        char fallback[16];
        if (domain_name(each, fallback) != name) return true;
        info = each;
        found = true;
        return false;
    }));
    return found ? Status::ok() : Status(Errno::esrch);
}

Status find_domain(ControlPlane& hv, StringView word, abi::DomctlDomainInfo& info) {
    uint64_t id = 0;
    if (!parse_decimal(word, k_max_domid, id)) {
        bool digits = !word.empty();
        for (char c : word)
            digits = digits && c >= '0' && c <= '9';
        if (digits) return Errno::esrch; // a number too big to be an id
        return find_domain_by_name(hv, word, info);
    }
    abi::DomctlDomainInfo found{};
    Status s = hv.domain_info(static_cast<uint16_t>(id), found);
    if (!s) return s;
    if (found.domain != id) return Errno::esrch;
    info = found;
    return Status::ok();
}

StringView domain_name(const abi::DomctlDomainInfo& info, char (&fallback)[16]) {
    StringView name = name_of(info);
    if (!name.empty()) return name;
    if (info.domain == 0) return "Domain-0";
    const size_t n = format(fallback, sizeof fallback, "(d{})", info.domain);
    return StringView(fallback, n);
}

} // namespace pv::tools
