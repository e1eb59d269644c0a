// Simple user-mode processes.
//
// On x86-64 PV both guest kernel and guest user run in ring 3; the
// hypervisor tells them apart by a per-vCPU mode flag and gives each mode
// its own page-table base (Xen: guest_table / guest_table_user) and its own
// gs base. A process therefore needs:
//   * a user page-table base: mmuext_op(new_user_baseptr). Without it Xen
//     crashes a guest that irets to user mode ("Guest switching to user mode
//     with no user page tables"). minios uses its bootstrap L4 for both
//     modes (every PV mapping carries the user bit anyway), so a process
//     sees the whole kernel: isolation is not the point here, the mode
//     switch is;
//   * a kernel stack for entries from user mode: stack_switch;
//   * the syscall callback (callback_op), to which the hypervisor bounces
//     SYSCALL from user mode; minios returns with the iret hypercall and
//     VGCF_in_syscall (SYSRET-like).
// A process runs until it calls exit; UserMode::run() returns its code.
#pragma once

#include "arch/frame.hpp"
#include "kernel/boot_info.hpp"
#include "kernel/page_alloc.hpp"

#include <cstdint>

namespace minios {

class UserMode {
public:
    // Sets up what user mode needs (once). Returns 0, or the negative result
    // of the hypercall that failed; reason() then says which.
    // With `pv_mmu` false it fails with -ENOSYS without asking.
    long prepare(const BootInfo& boot, PageAllocator& pages, bool pv_mmu = true);
    const char* reason() const { return reason_; }

    // Runs entry(arg) in user mode on a fresh user stack until it exits.
    // Returns 0 and sets exit_code, or a negative errno if user mode is not
    // available.
    long run(void (*entry)(uint64_t), uint64_t arg, uint64_t& exit_code);
    // The same with any entry point and user stack top: for a process with
    // its own page tables (mmuext_op(new_user_baseptr) with another L4),
    // whose code and stack the kernel's page tables do not map.
    long run_at(uint64_t entry, uint64_t stack_top, uint64_t arg, uint64_t& exit_code);

    // The syscall callback's work (called from minios_trap). Does not return
    // for exit; otherwise leaves the result in frame.rax.
    void on_syscall(TrapFrame& frame);

    // An exception in user mode ends the process (its exit code is
    // k_killed_by_exception + vector) instead of the domain. Returns false
    // if no process is running.
    bool on_exception(const TrapFrame& frame);
    static constexpr uint64_t k_killed_by_exception = 0x80;

    uint64_t syscalls() const { return syscalls_; }

    // The exception that ended the last process killed by one.
    struct Fault {
        uint64_t vector = 0;
        uint64_t error_code = 0;
        uint64_t rip = 0;
    };
    const Fault& last_fault() const { return last_fault_; }

private:
    long sys_write(uint64_t fd, uint64_t buffer, uint64_t length);

    const BootInfo* boot_ = nullptr;
    bool prepared_ = false;
    long prepare_result_ = 0;
    const char* reason_ = "not prepared";
    void* user_stack_ = nullptr;
    KernelContext saved_{};
    bool running_ = false;
    uint64_t syscalls_ = 0;
    Fault last_fault_{};
};

// The user programs linked into the image (kernel/user_programs.cpp).
namespace programs {
// Writes a greeting and exits with `code`.
void hello(uint64_t code);
// Exercises the syscall ABI (results, register preservation, bad
// arguments); exits with `code` if every check held, else 0xbad.
void selftest(uint64_t code);
// Executes ud2 in user mode (the kernel should end the process).
void crash(uint64_t unused);
} // namespace programs

} // namespace minios
