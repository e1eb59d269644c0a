// The test image: runs the self-test groups (test/groups.hpp) and reports a
// verdict,
//   minios-test: PASS (<n> checks, <s> skipped)
//   minios-test: FAIL (<f> of <n> checks failed)
// then powers off on PASS and crashes the domain on FAIL, so a hypervisor
// (or a test harness reading its log) can tell the two apart.
// Command-line words:
//   strict             skips count as failures
//   fault=handled      execute ud2 with the trap table installed and no test
//                      hook: minios reports the frame and crashes itself
//   fault=no-handler   remove the trap handlers first (PV set_trap_table(NULL),
//                      PVH an empty IDT), then ud2: the hypervisor must
//                      crash the domain
#include "arch/hypercall.hpp"
#include "test/groups.hpp"

namespace minios {
namespace {

// Each group announces itself with `minios-test: group <name>`. Groups for
// another boot mode are skipped with one line
// (`minios-test: SKIP group <name>: not in PVH`).
struct Group {
    const char* name;
    void (*run)(Kernel&, test::Checker&);
    BootMode mode;
};
constexpr Group k_groups[] = {
    {"boot", test::test_boot, BootMode::pv},
    {"hypercalls", test::test_hypercalls, BootMode::pv},
    {"traps", test::test_traps, BootMode::pv},
    {"user", test::test_user, BootMode::pv},
    {"iret-fault", test::test_iret_fault, BootMode::pv},
    {"time", test::test_time, BootMode::pv},
    {"pv-mmu", test::test_pv_mmu, BootMode::pv},
    {"events", test::test_events, BootMode::pv},
    {"pvh", test::test_pvh, BootMode::pvh},
};

void provoke_fault_if_asked(const Kernel& k) {
    const pv::StringView cmdline = k.boot.command_line();
    if (has_option(cmdline, "fault=no-handler")) {
        println("minios-test: clearing the trap table, then ud2 (the hypervisor should crash us)");
        platform().remove_trap_handlers();
        console().flush();
        asm volatile("ud2");
        println("minios-test: FAIL survived ud2 without a handler");
    } else if (has_option(cmdline, "fault=handled")) {
        println("minios-test: ud2 with no test hook (minios should report and crash)");
        console().flush();
        asm volatile("ud2");
        println("minios-test: FAIL survived an unhandled ud2");
    }
}

} // namespace

int app_main(Kernel& k) {
    test::Checker c;
    c.set_strict(has_option(k.boot.command_line(), "strict"));
    println("minios-test: Paravane minios {} self-test", MINIOS_VERSION_STRING);
    provoke_fault_if_asked(k);
    println("minios-test: booted as {}", platform().name());
    for (const Group& group : k_groups) {
        if (group.mode != platform().mode()) {
            // PVH-only groups are simply not PV's business; PV groups in
            // PVH report what is not covered there.
            if (group.mode == BootMode::pv) {
                char why[32];
                pv::format(why, sizeof why, "not in {}", platform().name());
                c.skip(pv::StringView(group.name), why);
            }
            continue;
        }
        println("minios-test: group {}", group.name);
        group.run(k, c);
    }
    const unsigned total = c.passed() + c.failed();
    if (c.failed() == 0) {
        println("minios-test: PASS ({} checks, {} skipped)", total, c.skipped());
        return 0;
    }
    println("minios-test: FAIL ({} of {} checks failed)", c.failed(), total);
    return 1;
}

} // namespace minios
