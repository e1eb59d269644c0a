#include "kernel/xen_info.hpp"

#include "arch/hypercall.hpp"
#include "lib/format.hpp"

namespace minios {

HypervisorVersion query_hypervisor_version() {
    HypervisorVersion v;
    v.version = hv::xen_version(pv::abi::VersionOp::version);
    v.extraversion_result = hv::xen_version(pv::abi::VersionOp::extraversion, v.extraversion);
    v.extraversion[pv::abi::k_extraversion_len] = '\0';
    if (v.extraversion_result < 0) v.extraversion[0] = '\0';
    return v;
}

size_t HypervisorVersion::format(char* buffer, size_t capacity) const {
    if (version < 0) return pv::format(buffer, capacity, "unknown (xen_version: {})", version);
    return pv::format(buffer, capacity, "{}.{}{}", major(), minor(), extraversion);
}

} // namespace minios
