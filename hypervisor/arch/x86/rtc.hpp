// The CMOS real-time clock (MC146818-compatible, ports 0x70/0x71): read
// once at boot for the wallclock PV guests see.
#pragma once

#include <cstdint>

namespace pv::x86 {

// Seconds since the Unix epoch, or false if the RTC gives nonsense.
bool read_rtc_unix_time(int64_t& seconds);

} // namespace pv::x86
