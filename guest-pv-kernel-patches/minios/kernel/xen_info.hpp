// The hypervisor's identity through xen_version, as the Dom0 banner, the
// `info` command and the self-test read it.
#pragma once

#include "include/public/version.hpp"

#include <cstddef>
#include <cstdint>

namespace minios {

struct HypervisorVersion {
    long version = 0; // (major << 16) | minor, or a negative errno
    long extraversion_result = 0;
    char extraversion[pv::abi::k_extraversion_len + 1] = {};

    bool ok() const { return version >= 0 && extraversion_result >= 0; }
    uint32_t major() const { return static_cast<uint32_t>(version) >> 16; }
    uint32_t minor() const { return static_cast<uint32_t>(version) & 0xffff; }
    // "4.17.5-pre" style: major.minor followed by the extraversion.
    size_t format(char* buffer, size_t capacity) const;
};

HypervisorVersion query_hypervisor_version();

} // namespace minios
