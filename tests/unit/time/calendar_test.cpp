#include "core/time/calendar.hpp"

#include <catch2/catch.hpp>

#include <ctime>

TEST_CASE("days_from_civil matches known dates", "[time]") {
    CHECK(pv::days_from_civil(1970, 1, 1) == 0);
    CHECK(pv::days_from_civil(2000, 3, 1) == 11017);
    CHECK(pv::days_from_civil(1969, 12, 31) == -1);
    CHECK(pv::days_from_civil(2026, 11, 22) == 20779);
}

TEST_CASE("unix_time agrees with the C library over many dates", "[time]") {
    for (int64_t year = 1970; year <= 2100; year += 7)
        for (unsigned month = 1; month <= 12; ++month) {
            std::tm tm{};
            tm.tm_year = static_cast<int>(year - 1900);
            tm.tm_mon = static_cast<int>(month - 1);
            tm.tm_mday = 28;
            tm.tm_hour = 13;
            tm.tm_min = 7;
            tm.tm_sec = 59;
            int64_t ours = 0;
            REQUIRE(pv::unix_time({year, month, 28, 13, 7, 59}, ours));
            CHECK(ours == static_cast<int64_t>(timegm(&tm)));
        }
}

TEST_CASE("unix_time refuses impossible fields", "[time]") {
    int64_t s = 0;
    CHECK_FALSE(pv::unix_time({2026, 13, 1, 0, 0, 0}, s));
    CHECK_FALSE(pv::unix_time({2026, 2, 30, 0, 0, 0}, s));
    CHECK_FALSE(pv::unix_time({2026, 1, 0, 0, 0, 0}, s));
    CHECK_FALSE(pv::unix_time({2026, 1, 1, 24, 0, 0}, s));
}
