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
//   fault=no-handler   clear the trap table first (set_trap_table(NULL)),
//                      then ud2: the hypervisor must crash the domain
#include "arch/hypercall.hpp"
#include "test/groups.hpp"

namespace minios {
namespace {

// Each group announces itself with `minios-test: group <name>`.
struct Group {
    const char* name;
    void (*run)(Kernel&, test::Checker&);
};
constexpr Group k_groups[] = {
    {"boot", test::test_boot},     {"hypercalls", test::test_hypercalls},
    {"traps", test::test_traps},   {"user", test::test_user},
    {"iret-fault", test::test_iret_fault},
    {"time", test::test_time},     {"pv-mmu", test::test_pv_mmu},
    {"events", test::test_events},
};

void provoke_fault_if_asked(const Kernel& k) {
    const pv::StringView cmdline = k.boot.command_line();
    if (has_option(cmdline, "fault=no-handler")) {
        println("minios-test: clearing the trap table, then ud2 (the hypervisor should crash us)");
        const long rc = hv::set_trap_table(nullptr);
        if (rc != 0) println("minios-test: set_trap_table(NULL) returned {}", rc);
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
    for (const Group& group : k_groups) {
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
