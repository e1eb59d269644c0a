#include "dom0-tools/lib/toolstack/output.hpp"

namespace pv::tools {

void TerminalSink::write(StringView text) {
    for (char c : text) {
        line_[used_++] = c;
        if (c == '\n' || used_ == sizeof line_) flush();
    }
}

void TerminalSink::flush() {
    if (used_ != 0) term_.write(StringView(line_, used_));
    used_ = 0;
}

StringView describe_errno(Errno error) {
    switch (error) {
    case Errno::eperm:
        return "not permitted (EPERM)";
    case Errno::enoent:
        return "no such file (ENOENT)";
    case Errno::esrch:
        return "no such domain (ESRCH)";
    case Errno::enomem:
        return "not enough memory (ENOMEM)";
    case Errno::eacces:
        return "interface version mismatch (EACCES)";
    case Errno::efault:
        return "bad address (EFAULT)";
    case Errno::ebusy:
        return "busy (EBUSY)";
    case Errno::eexist:
        return "already exists (EEXIST)";
    case Errno::eisdir:
        return "is a directory (EISDIR)";
    case Errno::einval:
        return "invalid argument (EINVAL)";
    case Errno::enospc:
        return "no space left (ENOSPC)";
    case Errno::enosys:
        return "not implemented (ENOSYS)";
    case Errno::eagain:
        return "try again (EAGAIN)";
    default:
        return "hypervisor error";
    }
}

} // namespace pv::tools
