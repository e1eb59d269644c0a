// The system calls a minios user process can make: SYSCALL with the number
// in rax, arguments in rdi, rsi, rdx; result in rax (negative Xen errno on
// failure). rcx and r11 are clobbered, every other register is preserved.
// The numbers are Linux's, so the tiny programs read familiar.
#pragma once

#include <cstdint>

namespace minios::sys {

enum class Number : uint64_t {
    write = 1, // (fd 1 or 2, buffer, length) -> bytes written
    exit = 60, // (code) -> does not return
};

inline constexpr uint64_t k_max_write = 4096;

} // namespace minios::sys
