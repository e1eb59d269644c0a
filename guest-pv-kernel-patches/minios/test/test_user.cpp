// A user process: the kernel/user mode switch through the iret hypercall,
// syscalls bounced to the syscall callback, and the way back.
#include "test/groups.hpp"

namespace minios::test {

void test_user(Kernel& k, Checker& c) {
    const long rc = k.user.prepare(k.boot, k.pages, k.pv_mmu);
    if (rc < 0) {
        char why[96];
        pv::format(why, sizeof why, "{} ({})", k.user.reason(), rc);
        c.skip("user mode", why);
        return;
    }
    c.check(true, "user mode prepared (new_user_baseptr, stack_switch)");

    const uint64_t syscalls_before = k.user.syscalls();
    uint64_t exit_code = 0;
    c.expect(k.user.run(programs::selftest, 42, exit_code), 0, "user selftest started");
    c.check(exit_code == 42, "user selftest passed its syscall checks", "exit code {:#x}",
            exit_code);
    c.check(k.user.syscalls() - syscalls_before >= 6, "syscalls reached the kernel", "{} syscalls",
            k.user.syscalls() - syscalls_before);

    c.expect(k.user.run(programs::hello, 7, exit_code), 0, "second process started");
    c.check(exit_code == 7, "second process exit code", "exit code {}", exit_code);

    c.expect(k.user.run(programs::crash, 0, exit_code), 0, "faulting process started");
    c.check(exit_code == UserMode::k_killed_by_exception + 6,
            "#UD in user mode ends the process, not the domain", "exit code {:#x}", exit_code);

    if (const abi::VcpuInfo* v = k.events.vcpu_info())
        c.check(v->evtchn_upcall_mask == 1, "events masked again back in the kernel");
}

} // namespace minios::test
