// Where the application processors' real-mode start-up code goes. A
// Startup IPI names a 4 KiB page by its number (the vector), so the page
// must lie below 1 MiB (SDM Vol. 3 §12.6.1, delivery mode Start-Up);
// vectors 0xA0-0xBF are reserved (MP Specification 1.4 §B.4.2), and the
// hole above 640 KiB is video memory and ROM anyway.
#pragma once

#include "core/boot/boot_info.hpp"
#include "core/memory/frame_allocator.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv {

inline constexpr uint64_t k_trampoline_lowest = 0x1000; // page 0: real-mode IVT and BDA
inline constexpr uint64_t k_trampoline_limit = 0xa0000; // end of conventional memory

// The highest 4 KiB page in [k_trampoline_lowest, k_trampoline_limit) that
// lies wholly inside a usable range of `map`, touches no non-usable range
// (the map need not be sanitized) and does not overlap `avoid` (the EBDA,
// say; an empty range avoids nothing). ENOMEM if there is none.
Result<uint64_t> find_trampoline_page(const MemoryRange* map, size_t count, PhysRange avoid);

} // namespace pv
