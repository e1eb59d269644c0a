#include "arch/x86/rtc.hpp"

#include "arch/x86/cpu.hpp"
#include "core/time/calendar.hpp"

namespace pv::x86 {

namespace {
constexpr uint16_t k_index = 0x70, k_data = 0x71;
constexpr uint8_t k_seconds = 0x00, k_minutes = 0x02, k_hours = 0x04, k_day = 0x07, k_month = 0x08,
                  k_year = 0x09, k_status_a = 0x0a, k_status_b = 0x0b;
constexpr uint8_t k_update_in_progress = 0x80, k_binary = 0x04, k_24_hour = 0x02;

uint8_t cmos(uint8_t reg) {
    outb(k_index, reg); // bit 7 clear: NMI stays enabled
    return inb(k_data);
}
unsigned from_bcd(uint8_t v) { return (v >> 4) * 10 + (v & 0xf); }

struct Reading {
    uint8_t s, m, h, d, mo, y;
    bool operator==(const Reading&) const = default;
};
Reading read_once() {
    for (int spins = 0; spins < 100000 && (cmos(k_status_a) & k_update_in_progress); ++spins) cpu_relax();
    return {cmos(k_seconds), cmos(k_minutes), cmos(k_hours), cmos(k_day), cmos(k_month), cmos(k_year)};
}
} // namespace

bool read_rtc_unix_time(int64_t& seconds) {
    // Read until two readings agree, so an update between registers cannot
    // tear the time.
    Reading r = read_once();
    for (int tries = 0; tries < 5; ++tries) {
        Reading again = read_once();
        if (again == r) break;
        r = again;
    }
    uint8_t status = cmos(k_status_b);
    bool bcd = !(status & k_binary);
    bool pm = !(status & k_24_hour) && (r.h & 0x80);
    uint8_t hour_raw = r.h & 0x7f;
    auto value = [&](uint8_t v) { return bcd ? from_bcd(v) : v; };
    unsigned hour = value(hour_raw);
    if (!(status & k_24_hour)) hour = (hour % 12) + (pm ? 12 : 0);
    // The RTC keeps two year digits; the century register is not standard.
    CivilTime t{2000 + static_cast<int64_t>(value(r.y)), value(r.mo), value(r.d), hour, value(r.m), value(r.s)};
    return unix_time(t, seconds);
}

} // namespace pv::x86
