// Civil date and time (UTC) to seconds since the Unix epoch, for the
// wallclock PV guests read from shared_info.
#pragma once

#include <cstdint>

namespace pv {

struct CivilTime {
    int64_t year;            // e.g. 2026
    unsigned month, day;     // 1-12, 1-31
    unsigned hour, minute, second;
};

// Days since 1970-01-01 of a proleptic Gregorian date (exact for any year).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);
// Seconds since the epoch; false for out-of-range fields.
bool unix_time(const CivilTime& t, int64_t& seconds);

} // namespace pv
