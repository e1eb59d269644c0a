#include "core/time/calendar.hpp"

namespace pv {

// Counts in 400-year eras starting on 1 March, so that the leap day is the
// last day of the counted year (the usual civil-from-days derivation).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
    year -= month <= 2 ? 1 : 0;
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const int64_t year_of_era = year - era * 400;                                 // [0, 399]
    const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1; // [0, 365]
    const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

bool unix_time(const CivilTime& t, int64_t& seconds) {
    static constexpr unsigned k_days_in_month[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > k_days_in_month[t.month - 1]) return false;
    if (t.hour > 23 || t.minute > 59 || t.second > 60) return false;
    seconds = days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
    return true;
}

} // namespace pv
