#include "kernel/console.hpp"

#include "kernel/platform.hpp"

namespace minios {

long Console::attach_ring(const BootInfo& boot, bool pv_mmu_allowed) {
    flush(); // text so far goes where it was meant to go
    return ring_.attach(boot, pv_mmu_allowed);
}

void Console::emit(const char* data, size_t size) {
    if (ring_.attached()) {
        ring_.write(data, size);
        return;
    }
    while (size > 0) {
        const long rc = platform().console_write(data, size);
        // Xen's write returns 0 for "all written"; a hypervisor may also
        // return the count written. Anything negative: give up on this text
        // (there is nowhere else to report it).
        if (rc < 0) {
            last_error_ = rc;
            return;
        }
        if (rc == 0 || static_cast<size_t>(rc) >= size) return;
        data += rc;
        size -= static_cast<size_t>(rc);
    }
}

void Console::write(pv::StringView text) {
    for (size_t i = 0; i < text.size(); ++i) {
        buffer_[used_++] = text[i];
        if (text[i] == '\n' || used_ == sizeof buffer_) flush();
    }
}

void Console::flush() {
    if (used_ == 0) return;
    emit(buffer_, used_);
    used_ = 0;
}

long Console::read(char* buffer, size_t capacity) {
    flush(); // a prompt must be visible before we wait for its answer
    if (ring_.attached()) return static_cast<long>(ring_.read(buffer, capacity));
    const long rc = platform().console_read(buffer, capacity);
    if (rc < 0) last_error_ = rc;
    return rc;
}

} // namespace minios
