// How big the grant tables of the hypervisor are: the one place that sizes
// their fixed storage. Unit tests build their own, tiny, GrantTableArrays.
#pragma once

#include "include/public/grant_table.hpp"

#include <cstdint>

namespace pv {

// Grant-table frames a domain may have (Xen's max_grant_frames, whose
// default is 64; 32 frames are 16384 grant references).
inline constexpr uint32_t k_max_grant_frames = 32;
// Mappings one domain may hold at once (maptrack handles). A Dom0 with
// block and network backends keeps a few thousand.
inline constexpr uint32_t k_max_maptrack_entries = 8192;

} // namespace pv
