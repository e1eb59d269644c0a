// Finding domains: by id or name as the user writes them ("3", "hello"),
// and walking the hypervisor's domain list (getdomaininfo from an id: the
// first domain at or above it).
#pragma once

#include "dom0-tools/lib/toolstack/control_plane.hpp"
#include "include/public/control.hpp"
#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstdint>

namespace pv::tools {

inline constexpr uint16_t k_max_domid = 0x7fef; // DOMID_FIRST_RESERVED - 1

// Calls `fn(const DomctlDomainInfo&)` for every domain in id order; `fn`
// returns false to stop. Returns false when the hypervisor refused the walk
// (error in `status`).
template <typename Fn> Status for_each_domain(ControlPlane& hv, Fn fn) {
    uint32_t next = 0;
    while (next <= k_max_domid) {
        abi::DomctlDomainInfo info{};
        Status s = hv.domain_info(static_cast<uint16_t>(next), info);
        if (s.error() == Errno::esrch) return Status::ok();
        if (!s) return s;
        if (info.domain < next) return Status::ok(); // a confused answer ends the walk
        if (!fn(static_cast<const abi::DomctlDomainInfo&>(info))) return Status::ok();
        next = static_cast<uint32_t>(info.domain) + 1;
    }
    return Status::ok();
}

// The domain `word` names: all digits = an id, else a name. ESRCH: none.
Status find_domain(ControlPlane& hv, StringView word, abi::DomctlDomainInfo& info);
// The domain called `name`; ESRCH: none.
Status find_domain_by_name(ControlPlane& hv, StringView name, abi::DomctlDomainInfo& info);

// The name to show: the hypervisor's, or "Domain-0" / "(dN)" when it has none.
StringView domain_name(const abi::DomctlDomainInfo& info, char (&fallback)[16]);

} // namespace pv::tools
