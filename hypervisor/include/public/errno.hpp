// Xen's guest-visible error numbers (xen/include/public/errno.h). Hypercalls
// return them negated. Only the values are facts of the ABI; the names are ours,
// lower case so that <cerrno>'s EINVAL-style macros can never rewrite them.
// Include guards rather than #pragma once: every public header must also
// compile on its own (g++ -fsyntax-only on the header).
#ifndef PARAVANE_PUBLIC_ERRNO_HPP
#define PARAVANE_PUBLIC_ERRNO_HPP

namespace pv::abi {

enum class Errno : int {
    eperm = 1,
    enoent = 2,
    esrch = 3,
    eintr = 4,
    eio = 5,
    enxio = 6,
    e2big = 7,
    enoexec = 8,
    ebadf = 9,
    echild = 10,
    eagain = 11,
    enomem = 12,
    eacces = 13,
    efault = 14,
    ebusy = 16,
    eexist = 17,
    exdev = 18,
    enodev = 19,
    eisdir = 21,
    einval = 22,
    enfile = 23,
    emfile = 24,
    enospc = 28,
    erofs = 30,
    emlink = 31,
    edom = 33,
    erange = 34,
    edeadlk = 35,
    enametoolong = 36,
    enolck = 37,
    enosys = 38,
    enotempty = 39,
    enodata = 61,
    etime = 62,
    ebadmsg = 74,
    eoverflow = 75,
    eilseq = 84,
    erestart = 85,
    enotsock = 88,
    eopnotsupp = 95,
    eaddrinuse = 98,
    eaddrnotavail = 99,
    enobufs = 105,
    eisconn = 106,
    enotconn = 107,
    etimedout = 110,
};

} // namespace pv::abi

#endif // PARAVANE_PUBLIC_ERRNO_HPP
