// Programs that run in guest user mode. They live in .user.text and use
// nothing of the kernel but the syscall ABI of kernel/syscall_abi.hpp (the
// compiler may still place their constants in .rodata; user mode can read
// all of the image, see kernel/user.hpp).
#include "kernel/syscall_abi.hpp"
#include "kernel/user.hpp"

#include <cstddef>
#include <cstdint>

#define USER_CODE [[gnu::section(".user.text"), gnu::noinline]]

namespace minios::programs {
namespace {

[[gnu::always_inline]] inline long syscall3(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3) {
    long result;
    asm volatile("syscall"
                 : "=a"(result)
                 : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
                 : "rcx", "r11", "memory");
    return result;
}

[[gnu::always_inline]] inline size_t length_of(const char* s) {
    size_t n = 0;
    while (s[n] != '\0')
        ++n;
    return n;
}

[[gnu::always_inline]] inline long write(const char* text) {
    return syscall3(static_cast<uint64_t>(sys::Number::write), 1, reinterpret_cast<uintptr_t>(text),
                    length_of(text));
}

[[gnu::always_inline, noreturn]] inline void exit(uint64_t code) {
    syscall3(static_cast<uint64_t>(sys::Number::exit), code, 0, 0);
    for (;;)
        asm volatile("ud2"); // exit returned: let the kernel see a #UD
}

// Registers after an unknown syscall, stored RIP-relative so that no
// register has to survive to hold a pointer.
uint64_t observed[10];
constexpr uint64_t k_expected[10] = {
    0x1111111111111111, 0x2222222222222222, 0x3333333333333333, 0x4444444444444444,
    0x5555555555555555, 0x6666666666666666, 0x7777777777777777, 0x8888888888888888,
    0x9999999999999999, 0xaaaaaaaaaaaaaaaa,
};

USER_CODE bool registers_survive_syscall() {
    asm volatile("movabsq $0x1111111111111111, %%rbx\n\t"
                 "movabsq $0x2222222222222222, %%rdx\n\t"
                 "movabsq $0x3333333333333333, %%rsi\n\t"
                 "movabsq $0x4444444444444444, %%rdi\n\t"
                 "movabsq $0x5555555555555555, %%r8\n\t"
                 "movabsq $0x6666666666666666, %%r9\n\t"
                 "movabsq $0x7777777777777777, %%r10\n\t"
                 "movabsq $0x8888888888888888, %%r12\n\t"
                 "movabsq $0x9999999999999999, %%r13\n\t"
                 "movabsq $0xaaaaaaaaaaaaaaaa, %%r14\n\t"
                 "movl $9999, %%eax\n\t"
                 "syscall\n\t"
                 "movq %%rbx, %[o0]\n\t"
                 "movq %%rdx, %[o1]\n\t"
                 "movq %%rsi, %[o2]\n\t"
                 "movq %%rdi, %[o3]\n\t"
                 "movq %%r8, %[o4]\n\t"
                 "movq %%r9, %[o5]\n\t"
                 "movq %%r10, %[o6]\n\t"
                 "movq %%r12, %[o7]\n\t"
                 "movq %%r13, %[o8]\n\t"
                 "movq %%r14, %[o9]\n\t"
                 : [o0] "=m"(observed[0]), [o1] "=m"(observed[1]), [o2] "=m"(observed[2]),
                   [o3] "=m"(observed[3]), [o4] "=m"(observed[4]), [o5] "=m"(observed[5]),
                   [o6] "=m"(observed[6]), [o7] "=m"(observed[7]), [o8] "=m"(observed[8]),
                   [o9] "=m"(observed[9])
                 :
                 : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13",
                   "r14", "memory");
    bool ok = true;
    for (size_t i = 0; i < 10; ++i)
        ok = ok && observed[i] == k_expected[i];
    return ok;
}

} // namespace

USER_CODE void hello(uint64_t code) {
    write("user: hello from guest user mode\n");
    exit(code);
}

USER_CODE void selftest(uint64_t code) {
    bool ok = true;
    const char* greeting = "user: selftest running in guest user mode\n";
    if (write(greeting) != static_cast<long>(length_of(greeting))) {
        ok = false;
    }
    // Bad arguments come back as errors, not as faults.
    if (syscall3(static_cast<uint64_t>(sys::Number::write), 1, 0x1000, 8) != -14 /* EFAULT */) {
        write("user: FAIL write from an unmapped buffer did not give -EFAULT\n");
        ok = false;
    }
    if (syscall3(static_cast<uint64_t>(sys::Number::write), 7,
                 reinterpret_cast<uintptr_t>(greeting), 1) != -9 /* EBADF */) {
        write("user: FAIL write to fd 7 did not give -EBADF\n");
        ok = false;
    }
    if (syscall3(9999, 0, 0, 0) != -38 /* ENOSYS */) {
        write("user: FAIL unknown syscall did not give -ENOSYS\n");
        ok = false;
    }
    if (!registers_survive_syscall()) {
        write("user: FAIL a register other than rax/rcx/r11 changed across a syscall\n");
        ok = false;
    }
    exit(ok ? code : 0xbad);
}

USER_CODE void crash(uint64_t) {
    write("user: about to execute ud2\n");
    asm volatile("ud2");
    exit(0);
}

} // namespace minios::programs
