// One CPUID answer (EAX, EBX, ECX, EDX), as PV emulation and the PVH
// policy hand it back to a guest.
#pragma once

#include <cstdint>

namespace pv::hvm {

struct CpuidLeaf {
    uint32_t eax, ebx, ecx, edx;
    constexpr bool operator==(const CpuidLeaf&) const = default;
};

} // namespace pv::hvm
