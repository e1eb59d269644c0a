// The PV console ring: one shared page per domain between the guest
// (frontend) and the console backend, announced in start_info (DomU) and
// signalled through an event channel. Layout of Xen's io/console.h
// xencons_interface, in our words.
//
// Each direction is a byte ring with free-running 32-bit indexes: bytes
// [cons, prod) are valid, the byte for index i is at ring[i % size]. The
// producer writes bytes, then (after a write barrier) advances prod; the
// consumer reads, then advances cons. The guest produces into `out` and
// consumes `in`.
#ifndef PARAVANE_PUBLIC_CONSOLE_RING_HPP
#define PARAVANE_PUBLIC_CONSOLE_RING_HPP

#include "types.hpp"

namespace pv::abi {

using ConsoleRingIndex = uint32_t; // XENCONS_RING_IDX

inline constexpr uint32_t k_console_in_size = 1024;
inline constexpr uint32_t k_console_out_size = 2048;

// ConsoleRing::connection, written by the backend. Zero means connected so
// that a zero-filled page (older builders) reads as connected.
inline constexpr uint8_t k_console_connected = 0;
inline constexpr uint8_t k_console_disconnected = 1; // nobody drains `out` yet

struct ConsoleRing {
    char in[k_console_in_size];   // backend -> guest
    char out[k_console_out_size]; // guest -> backend
    ConsoleRingIndex in_cons;
    ConsoleRingIndex in_prod;
    ConsoleRingIndex out_cons;
    ConsoleRingIndex out_prod;
    uint8_t connection; // k_console_* (added by Xen 4.21)
    uint8_t pad[3];
};
static_assert(sizeof(ConsoleRing) == 3092);
static_assert(sizeof(ConsoleRing) <= k_page_size);
static_assert(offsetof(ConsoleRing, in) == 0);
static_assert(offsetof(ConsoleRing, out) == 1024);
static_assert(offsetof(ConsoleRing, in_cons) == 3072);
static_assert(offsetof(ConsoleRing, in_prod) == 3076);
static_assert(offsetof(ConsoleRing, out_cons) == 3080);
static_assert(offsetof(ConsoleRing, out_prod) == 3084);
static_assert(offsetof(ConsoleRing, connection) == 3088);

// Position of a free-running index in a ring of `size` bytes (a power of 2).
constexpr uint32_t console_ring_slot(ConsoleRingIndex index, uint32_t size) {
    return index & (size - 1);
}

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_CONSOLE_RING_HPP
