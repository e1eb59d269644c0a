// minios-hello: the sample DomU of /guests/hello.cfg. Prints
//   hello from NAME
// then one heartbeat a second, blocked in between (no CPU used):
//   NAME: heartbeat N
// forever, unless the command line asks otherwise. Command-line words:
//   name=NAME           the name to print ("hello" without it); the
//                       toolstack passes the domain's name this way
//   probe-control       call domctl and sysctl once first (guests/actions.hpp)
//   probe-hostile       hypercalls with bad buffers first (guests/actions.hpp)
//   touch-missing-ram   PVH: read where there is no RAM after the greeting
//   crash-after=SECONDS crash on purpose after that many seconds
//   exit-after=SECONDS  power off after that many seconds
// Booted as Dom0 (scripts/run --dom0) it prints through console_io; as a
// DomU through its console ring (kernel/console_ring.hpp).
#include "guests/actions.hpp"
#include "guests/clock.hpp"
#include "guests/options.hpp"

namespace minios {

int app_main(Kernel& k) {
    const pv::StringView cmdline = k.boot.command_line();
    const pv::StringView name = guests::option_text(cmdline, "name", "hello");
    println("hello from {}", name);
    if (has_option(cmdline, "probe-control")) guests::probe_control(name);
    if (has_option(cmdline, "probe-hostile")) guests::probe_hostile(name);
    if (has_option(cmdline, "touch-missing-ram")) guests::touch_missing_ram(name);

    guests::GuestClock clock;
    if (const long rc = clock.start(k); rc < 0) {
        println("{}: error: no clock to time the heartbeat ({})", name, rc);
        return 1;
    }
    const uint64_t start = clock.now();
    const guests::Ending ending = guests::read_ending(cmdline, start);
    for (uint64_t beat = 1;; ++beat) {
        const uint64_t due = start + beat * guests::k_ns_per_second;
        // Sleep to the heartbeat, or to an earlier crash/exit time.
        for (;;) {
            clock.sleep_until(ending.next(due));
            const uint64_t now = clock.now();
            if (now >= due) break;
            guests::end_if_due(ending, now, name);
        }
        println("{}: heartbeat {}", name, beat);
        guests::end_if_due(ending, clock.now(), name);
    }
}

} // namespace minios
