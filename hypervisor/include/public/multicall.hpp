// multicall(calls, nr_calls): run a batch of hypercalls in one entry. Layout
// of Xen's multicall_entry for x86-64, in our words.
//
// Each entry's result is written back into it; the batch stops early if a
// call is iret (it does not return) and may be resumed by a continuation
// rather than run to completion in one go. The multicall itself returns 0
// unless the list could not be read or written.
#ifndef PARAVANE_PUBLIC_MULTICALL_HPP
#define PARAVANE_PUBLIC_MULTICALL_HPP

#include "types.hpp"

namespace pv::abi {

struct MulticallEntry {
    uint64_t op;     // Hypercall number
    uint64_t result; // out: what rax would have held
    uint64_t args[6];
};
static_assert(sizeof(MulticallEntry) == 64);
static_assert(offsetof(MulticallEntry, op) == 0);
static_assert(offsetof(MulticallEntry, result) == 8);
static_assert(offsetof(MulticallEntry, args) == 16);

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_MULTICALL_HPP
