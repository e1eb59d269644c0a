// Helpers for BootInfo's physical memory map: appending loader entries, and
// turning whatever the firmware reported into the sorted, non-overlapping map
// the frame allocator relies on.
#pragma once

#include "core/boot/boot_info.hpp"

#include <cstdint>

namespace pv {

// Appends one range. When the map is full the range is dropped and
// memory_truncated is set; returns whether it was stored.
bool add_memory_range(BootInfo& info, uint64_t base, uint64_t length, MemoryType type);

// The E820 / multiboot range types (1 RAM, 2 reserved, 3 ACPI reclaimable,
// 4 ACPI NVS, 5 bad memory) as a MemoryType; anything else is reserved.
MemoryType memory_type_from_e820(uint32_t type);

// Normalises info.memory[0..memory_count) in place:
//  * a range whose end lies beyond 2^64 - 4 KiB (including one that wraps)
//    is clipped to end at 0xFFFF'FFFF'FFFF'F000, so every end is a u64;
//  * zero-length ranges disappear;
//  * where ranges overlap, the more restrictive type wins:
//      usable < acpi_reclaimable < reserved < acpi_nvs < bad;
//  * the result is sorted by base, non-overlapping, and adjacent ranges of
//    the same type are merged. Holes stay holes (absent = not usable).
// Overlaps can split a range in three; if the result would not fit in
// BootInfo::k_max_memory_ranges, the highest ranges are dropped and
// memory_truncated is set. Idempotent. Uses ~3 KiB of stack.
void sanitize_memory_map(BootInfo& info);

} // namespace pv
