#include "kernel/user.hpp"

#include "arch/hypercall.hpp"
#include "include/public/errno.hpp"
#include "kernel/console.hpp"
#include "kernel/platform.hpp"
#include "kernel/syscall_abi.hpp"

namespace minios {
namespace {

constexpr uint64_t k_kernel_stack_pages = 4;

long errno_result(abi::Errno e) {
    return -static_cast<long>(e);
}

} // namespace

long UserMode::prepare(const BootInfo& boot, PageAllocator& pages, bool pv_mmu) {
    if (prepared_) return prepare_result_;
    prepared_ = true;
    boot_ = &boot;
    if (!platform().is_pv()) {
        // User mode here is PV's: the syscall bounce and per-mode page
        // tables of the hypervisor.
        reason_ = platform().mode() == BootMode::pvh ? "not in PVH (PV syscall bounce only)"
                                                     : "not in a native boot (PV only)";
        return prepare_result_ = errno_result(abi::Errno::enosys);
    }
    if (!pv_mmu) {
        reason_ = "mmuext_op(new_user_baseptr) not attempted (no-pv-mmu)";
        return prepare_result_ = errno_result(abi::Errno::enosys);
    }

    // The bootstrap L4 is the first page-table frame (pt_base).
    const uint64_t l4_mfn = boot.mfn_of(boot.pfn_of(boot.start_info->pt_base));
    abi::MmuextOp op{};
    op.cmd = abi::raw(abi::MmuextCmd::new_user_baseptr);
    op.arg1.mfn = l4_mfn;
    uint32_t done = 0;
    long rc = hv::mmuext_op(&op, 1, &done);
    if (rc < 0) {
        reason_ = "mmuext_op(new_user_baseptr) failed";
        return prepare_result_ = rc;
    }

    // Entries from user mode (syscalls, and traps and events while a
    // process runs) land on this stack, never on the stack that user_enter()
    // left: that one holds the kernel context to return to.
    void* kernel_stack = pages.alloc_contiguous(k_kernel_stack_pages);
    user_stack_ = pages.alloc();
    if (kernel_stack == nullptr || user_stack_ == nullptr) {
        reason_ = "no pages for the process stacks";
        return prepare_result_ = errno_result(abi::Errno::enomem);
    }
    const uint64_t kernel_top =
        reinterpret_cast<uintptr_t>(kernel_stack) + k_kernel_stack_pages * k_page_size;
    rc = hv::stack_switch(abi::k_flat_kernel_ss, kernel_top);
    if (rc < 0) {
        reason_ = "stack_switch failed";
        return prepare_result_ = rc;
    }
    reason_ = "ready";
    return prepare_result_ = 0;
}

long UserMode::run(void (*entry)(uint64_t), uint64_t arg, uint64_t& exit_code) {
    if (!prepared_ || prepare_result_ < 0)
        return prepared_ ? prepare_result_ : errno_result(abi::Errno::eagain);
    __builtin_memset(user_stack_, 0, k_page_size);
    const uint64_t top = reinterpret_cast<uintptr_t>(user_stack_) + k_page_size;
    // A call would have pushed a return address: start with rsp % 16 == 8.
    return run_at(reinterpret_cast<uintptr_t>(entry), top - 8, arg, exit_code);
}

long UserMode::run_at(uint64_t entry, uint64_t stack_top, uint64_t arg, uint64_t& exit_code) {
    if (!prepared_ || prepare_result_ < 0)
        return prepared_ ? prepare_result_ : errno_result(abi::Errno::eagain);
    if (running_) return errno_result(abi::Errno::ebusy);
    running_ = true;
    exit_code = user_enter(&saved_, entry, stack_top, arg);
    running_ = false;
    return 0;
}

void UserMode::on_syscall(TrapFrame& frame) {
    ++syscalls_;
    switch (static_cast<sys::Number>(frame.rax)) {
    case sys::Number::write:
        frame.rax = static_cast<uint64_t>(sys_write(frame.rdi, frame.rsi, frame.rdx));
        return;
    case sys::Number::exit:
        if (running_) user_exit(&saved_, frame.rdi);
        frame.rax = static_cast<uint64_t>(errno_result(abi::Errno::einval));
        return;
    }
    frame.rax = static_cast<uint64_t>(errno_result(abi::Errno::enosys));
}

bool UserMode::on_exception(const TrapFrame& frame) {
    if (!running_ || !frame.from_user_mode()) return false;
    println("user: process killed by exception {} (error code {:#x}) at rip {:#x}", frame.vector,
            frame.error_code, frame.rip);
    last_fault_ = Fault{frame.vector, frame.error_code, frame.rip};
    user_exit(&saved_, k_killed_by_exception + frame.vector);
}

long UserMode::sys_write(uint64_t fd, uint64_t buffer, uint64_t length) {
    if (fd != 1 && fd != 2) return errno_result(abi::Errno::ebadf);
    if (length > sys::k_max_write) return errno_result(abi::Errno::einval);
    // The process shares the kernel's address space: accept exactly what
    // the bootstrap mapping covers.
    if (!boot_->is_mapped(buffer, length)) return errno_result(abi::Errno::efault);
    console().write(pv::StringView(reinterpret_cast<const char*>(buffer), length));
    console().flush();
    return static_cast<long>(length);
}

} // namespace minios
