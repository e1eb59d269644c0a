// PIT channel 2 in mode 0 (Intel 8254 datasheet): counts down from the
// value written, wraps from 0 to 0xffff and goes on, and its OUT pin rises
// at the first wrap. The read-back command latches the status (OUT in bit 7)
// and the count at one instant, so each reading is a (TSC, count) pair whose
// TSC side is known to within the one port write that latched it.
//
// Why not time the rise of OUT instead: that pins the interval's end only
// if nothing stretches the loop that polls for it, and on a busy emulator
// host something often does. A reading is disturbed only if the stretch
// falls inside its own latch write; the least disturbed of a few is kept.
#include "arch/x86/pit.hpp"

#include "arch/x86/cpu.hpp"

namespace pv::x86 {

namespace {

constexpr uint16_t k_channel2_data = 0x42, k_command = 0x43, k_port_b = 0x61;
constexpr uint8_t k_port_b_gate2 = 1u << 0, k_port_b_speaker = 1u << 1;
// Channel 2 (bits 7:6 = 10), low byte then high byte (5:4 = 11), mode 0
// (3:1 = 000), binary (0 = 0).
constexpr uint8_t k_channel2_mode0 = 0xb0;
// Read-back (7:6 = 11), latch count (5 = 0) and status (4 = 0), channel 2 (3).
constexpr uint8_t k_read_back_channel2 = 0xc8;
constexpr uint8_t k_status_out = 1u << 7, k_status_null_count = 1u << 6;
constexpr uint8_t k_status_setup_mask = 0x3f; // access mode, mode, BCD: must read 0x30

constexpr uint16_t k_max_pit_ticks = 60000; // leaves 5.5 ms before a second wrap
constexpr unsigned k_readings_per_end = 3;
// Bounds on the wait, whatever the TSC rate (10 GHz: 0.4 s).
constexpr uint64_t k_max_tsc_ticks = 1ull << 32;
constexpr uint32_t k_max_polls = 1u << 22;

struct Reading {
    uint64_t before = 0, after = 0; // TSC around the latching write
    uint32_t elapsed = 0;           // PIT ticks since the count was loaded
    uint8_t status = 0;
    uint64_t window() const { return after - before; }
    uint64_t middle() const { return before + window() / 2; }
};

Reading read_channel2() {
    Reading r;
    r.before = rdtsc_ordered();
    outb(k_command, k_read_back_channel2);
    r.after = rdtsc_ordered();
    r.status = inb(k_channel2_data);
    const uint16_t low = inb(k_channel2_data);
    const uint16_t count = static_cast<uint16_t>(low | inb(k_channel2_data) << 8);
    // Loaded with 0xffff: after k ticks the count is 0xffff - k, until OUT
    // rises as it reaches 0 (k = 0xffff); then 0xffff, 0xfffe, ... again.
    if (r.status & k_status_out)
        r.elapsed = 0xffffu + ((0x10000u - count) & 0xffffu);
    else
        r.elapsed = 0xffffu - count;
    return r;
}

// The least disturbed of a few consecutive readings (with a loaded count).
Reading best_reading() {
    Reading best;
    bool found = false;
    for (unsigned i = 0; i < 2 * k_readings_per_end && (!found || i < k_readings_per_end); ++i) {
        const Reading r = read_channel2();
        if (r.status & k_status_null_count) continue;
        if (!found || r.window() < best.window()) best = r;
        found = true;
    }
    return best;
}

} // namespace

Result<CalibrationSample> measure_tsc_against_pit(uint16_t pit_ticks) {
    if (pit_ticks == 0 || pit_ticks > k_max_pit_ticks) return Errno::einval;
    InterruptsOff interrupts_off;

    // Gate high and speaker off, then mode 0 from 0xffff: counting starts
    // with the count's load on the next input clock.
    const uint8_t port_b = inb(k_port_b);
    outb(k_port_b, static_cast<uint8_t>((port_b & ~k_port_b_speaker) | k_port_b_gate2));
    outb(k_command, k_channel2_mode0);
    outb(k_channel2_data, 0xff);
    outb(k_channel2_data, 0xff);

    Result<CalibrationSample> result = Errno::etimedout;
    const Reading start = best_reading();
    if ((start.status & k_status_setup_mask) != 0x30 || (start.status & k_status_out)) {
        result = Errno::enodev; // a missing port reads as all ones
    } else {
        for (uint32_t poll = 0; poll < k_max_polls; ++poll) {
            const Reading r = read_channel2();
            if (r.elapsed >= start.elapsed + pit_ticks) {
                const Reading end = best_reading();
                if (end.elapsed <= start.elapsed) break; // garbage: the count ran backwards
                const uint64_t counted = end.middle() - start.middle();
                const uint64_t reference = end.elapsed - start.elapsed;
                // Each reading: its window, plus one PIT tick of resolution.
                const uint64_t per_tick = counted / reference + 1;
                result = CalibrationSample{counted, reference,
                                           start.window() + end.window() + 2 * per_tick};
                break;
            }
            if (r.after - start.before > k_max_tsc_ticks) break;
        }
    }
    outb(k_port_b, static_cast<uint8_t>(port_b & ~(k_port_b_speaker | k_port_b_gate2)));
    return result;
}

} // namespace pv::x86
