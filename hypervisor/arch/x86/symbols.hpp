// Address → function name, from the table the build links into the image
// (scripts/lib/gen-symbols), for crash dumps and backtraces.
#pragma once

#include <cstdint>

namespace pv::x86 {

struct SymbolMatch {
    const char* name; // nullptr when the address is not inside the hypervisor's text
    uint64_t offset;
};

SymbolMatch find_symbol(uint64_t address);

} // namespace pv::x86
