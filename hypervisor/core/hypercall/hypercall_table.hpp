// The hypercall table: one declarative list of {number, name, handler,
// argument count}, turned at compile time into an array indexed by number
// (Xen's hypercall table, NOVA's fixed syscall table). Adding a hypercall
// is one line in the list at the composition root:
//
//   constexpr HypercallTable k_hypercalls{{
//       {Hypercall::console_io, "console_io", do_console_io, 3},
//       {Hypercall::multicall,  "multicall",  do_multicall,  2},
//   }};
//   static_assert(k_hypercalls.valid());
//
// Every slot of Xen's number space (0..63) exists; a slot no entry fills
// answers -ENOSYS, as does any number outside it.
#pragma once

#include "core/hypercall/continuation.hpp"
#include "core/hypercall/hypercall_args.hpp"
#include "core/hypercall/hypercall_context.hpp"
#include "include/public/hypercall.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace pv {

// A handler returns what the guest's rax receives: >= 0 on success, -errno
// on failure, or k_hypercall_restart through hypercall_continuation().
using HypercallHandler = long (*)(HypercallContext& ctx, const HypercallArgs& args);

struct HypercallEntry {
    abi::Hypercall number;
    const char* name; // for logs and traces
    HypercallHandler handler;
    uint8_t arg_count; // arguments the handler reads; the rest arrive as 0
    // The handler reads or replaces the caller's registers (ctx.regs, else
    // vcpu.regs): iret, and multicall, which may run it. The arch code keeps
    // the registers of a running vCPU in its own entry frame and copies them
    // there only for these.
    bool uses_registers = false;
};

// Xen's NR_hypercalls: the numbers a guest can name.
inline constexpr size_t k_hypercall_table_size = 64;

class HypercallTable {
public:
    // All slots empty: every number answers -ENOSYS.
    constexpr HypercallTable() = default;

    constexpr HypercallTable(std::initializer_list<HypercallEntry> entries) {
        for (const HypercallEntry& e : entries)
            add(e);
    }

    // Fills the entry's slot. A bad entry (number beyond the table, more
    // than six arguments, or a slot already filled) is not added and makes
    // valid() false; the composition root static_asserts it. An entry whose
    // handler is null behaves as an empty slot (-ENOSYS). (Handlers are not
    // compared with null here: GCC cannot fold that comparison in a constant
    // expression under -fsanitize=undefined.)
    constexpr bool add(const HypercallEntry& e) {
        const auto n = static_cast<uint64_t>(abi::raw(e.number));
        if (n >= k_hypercall_table_size || e.arg_count > HypercallArgs::k_count || filled_[n]) {
            valid_ = false;
            return false;
        }
        slots_[n] = e;
        filled_[n] = true;
        return true;
    }

    constexpr bool valid() const { return valid_; }

    // The entry for a raw 64-bit number, or nullptr (-ENOSYS).
    constexpr const HypercallEntry* lookup(uint64_t number) const {
        if (number >= k_hypercall_table_size || !filled_[number]) return nullptr;
        return &slots_[number];
    }

    constexpr const char* name(uint64_t number) const {
        const HypercallEntry* e = lookup(number);
        return e != nullptr ? e->name : nullptr;
    }

private:
    HypercallEntry slots_[k_hypercall_table_size] = {};
    bool filled_[k_hypercall_table_size] = {};
    bool valid_ = true;
};

// Runs the hypercall args.number() of ctx.table with the handler's declared
// arguments (the others zeroed). Returns the value for the guest's rax, or
// k_hypercall_restart with args rewritten for the re-execution (see
// continuation.hpp for what the arch code must then do).
long dispatch_hypercall(HypercallContext& ctx, HypercallArgs& args);

// The same for an entry already looked up: `entry` is
// ctx.table.lookup(args.number()), with a handler. Inline: the arch's entry
// path calls it for every hypercall.
inline long run_hypercall(HypercallContext& ctx, const HypercallEntry& entry, HypercallArgs& args) {
    ctx.continuation_pending = false;
    const long rc = entry.handler(ctx, args.first(entry.arg_count));
    return finish_continuation(ctx, rc, args);
}

} // namespace pv
