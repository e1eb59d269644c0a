// HypercallArgs: the typed view of a hypercall's number and argument
// registers. Arch code builds it from the saved guest frame (64-bit PV:
// rax; rdi, rsi, rdx, r10, r8, r9 — see include/public/hypercall.hpp) and
// writes it back when a call restarts (continuation.hpp). Handlers read
// their arguments only as<T>() and handle<T>(): they never see registers.
//
// Truncation follows the C prototypes of Xen's handlers, as a 64-bit
// register passed to a narrower parameter would be truncated by the C ABI:
//   as<uint64_t>/as<int64_t>/as<long>   all 64 bits;
//   as<uint32_t> ("unsigned int cmd")   the low 32 bits, upper bits ignored;
//   as<int32_t>  ("int cmd")            the low 32 bits as two's complement;
//   narrower types                      likewise their low bits;
//   as<Enum>                            the low bits of its underlying type.
// An enum read this way may hold a value that names no enumerator: switch
// on it with a default case. Pointers are never integers: use handle<T>().
#pragma once

#include "core/hypercall/guest_memory.hpp"
#include "include/public/hypercall.hpp"

#include <cstdint>
#include <type_traits>

namespace pv {

class HypercallArgs {
public:
    static constexpr unsigned k_count = abi::k_hypercall_max_args;

    constexpr HypercallArgs() : number_(0), regs_{} {}
    // Storage written before it is read (HypercallContext::continuation):
    // left as it is, which saves the zeroing on every hypercall entry.
    struct Unset {};
    explicit constexpr HypercallArgs(Unset) {}
    constexpr HypercallArgs(uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0,
                            uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0)
        : number_(number), regs_{a0, a1, a2, a3, a4, a5} {}

    // The full 64-bit number (rax): dispatch compares all of it, so a value
    // with junk in the upper half is not mistaken for a valid number.
    constexpr uint64_t number() const { return number_; }

    template <typename T> constexpr T as(unsigned i) const {
        static_assert(std::is_integral_v<T> || std::is_enum_v<T>, "use handle<T>() for pointers");
        static_assert(!std::is_same_v<T, bool>, "no hypercall takes a bool: read an integer");
        if constexpr (std::is_enum_v<T>) {
            return static_cast<T>(as<std::underlying_type_t<T>>(i));
        } else {
            // Integral conversion is modulo 2^N (C++20 [conv.integral]).
            return static_cast<T>(raw(i));
        }
    }

    template <typename T> constexpr GuestHandle<T> handle(unsigned i) const {
        return GuestHandle<T>(raw(i));
    }

    // For continuations: replace argument i, zero- or sign-extended to 64 bits.
    template <typename T, typename = std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T>>>
    constexpr void set(unsigned i, T value) {
        if (i >= k_count) return;
        if constexpr (std::is_enum_v<T>) {
            regs_[i] = static_cast<uint64_t>(static_cast<std::underlying_type_t<T>>(value));
        } else {
            regs_[i] = static_cast<uint64_t>(value);
        }
    }
    template <typename T> constexpr void set(unsigned i, GuestHandle<T> h) {
        if (i < k_count) regs_[i] = h.address();
    }

    // The register value itself: for arch code (frame <-> args), the
    // multicall translation and dispatch. Out of range reads as 0.
    constexpr uint64_t raw(unsigned i) const { return i < k_count ? regs_[i] : 0; }

    // Keep arguments [0, n) and zero the rest (dispatch does this with the
    // table's argument count, so no handler can depend on a stray register).
    constexpr HypercallArgs first(unsigned n) const {
        static_assert(k_count == 6);
        // Selects rather than a loop: every hypercall passes here.
        return HypercallArgs(number_, n > 0 ? regs_[0] : 0, n > 1 ? regs_[1] : 0, n > 2 ? regs_[2] : 0,
                             n > 3 ? regs_[3] : 0, n > 4 ? regs_[4] : 0, n > 5 ? regs_[5] : 0);
    }

    constexpr bool operator==(const HypercallArgs&) const = default;

private:
    uint64_t number_;
    uint64_t regs_[k_count];
};

} // namespace pv
