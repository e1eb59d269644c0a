// console_io(cmd, count, buffer): the hypervisor's own console, for early
// output and for the privileged domain. Numbers from Xen's xen.h.
//   rdi = ConsoleIoOp, rsi = byte count, rdx = guest buffer.
// write: prints `count` bytes, returns 0 (or -errno).
// read: copies up to `count` pending input bytes, returns how many.
#ifndef PARAVANE_PUBLIC_CONSOLE_IO_HPP
#define PARAVANE_PUBLIC_CONSOLE_IO_HPP

#include "types.hpp"

namespace pv::abi {

enum class ConsoleIoOp : uint32_t {
    write = 0,
    read = 1,
};

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_CONSOLE_IO_HPP
