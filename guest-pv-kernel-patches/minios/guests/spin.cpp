// minios-spin: the CPU-bound sample DomU of /guests/spin.cfg. Counts loop
// iterations as fast as it can and never blocks; once a second of system
// time it reports its progress,
//   NAME: spin N: TOTAL k iterations (+DELTA k)
// (thousands: the total so far and those of the last second), so that the
// share of CPU two spinners get shows in their counts. The time a spinner
// is paused or not scheduled counts as seconds too: DELTA falls.
// Command-line words: name=NAME ("spin" without it), crash-after=SECONDS,
// exit-after=SECONDS (guests/actions.hpp).
#include "guests/actions.hpp"
#include "guests/clock.hpp"
#include "guests/options.hpp"

namespace minios {
namespace {

// Iterations between two looks at the clock: small enough that a report is
// at most a few ms late under emulation, large enough that reading the
// clock costs little.
constexpr uint64_t k_batch = 1 << 14;

uint64_t spin_batch(uint64_t count) {
    for (uint64_t i = 0; i < k_batch; ++i) {
        ++count;
        // Keeps the loop a loop: the compiler may not fold the count.
        asm volatile("" : "+r"(count));
    }
    return count;
}

} // namespace

int app_main(Kernel& k) {
    const pv::StringView cmdline = k.boot.command_line();
    const pv::StringView name = guests::option_text(cmdline, "name", "spin");
    println("{}: spinning (CPU-bound, reports once a second)", name);

    guests::GuestClock clock;
    if (const long rc = clock.start(k); rc < 0) {
        println("{}: error: no clock to time the reports ({})", name, rc);
        return 1;
    }
    const uint64_t start = clock.now();
    const guests::Ending ending = guests::read_ending(cmdline, start);
    uint64_t count = 0, reported = 0;
    uint64_t report = 1;
    uint64_t due = start + guests::k_ns_per_second;
    for (;;) {
        count = spin_batch(count);
        const uint64_t now = clock.now();
        if (now >= due) {
            println("{}: spin {}: {} k iterations (+{} k)", name, report, count / 1000,
                    (count - reported) / 1000);
            reported = count;
            ++report;
            // Seconds missed while not running are skipped, not caught up.
            while (due <= now)
                due += guests::k_ns_per_second;
        }
        guests::end_if_due(ending, now, name);
    }
}

} // namespace minios
