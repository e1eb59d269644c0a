// The console minios prints to and reads from. For the initial domain that
// is the hypervisor's own console (console_io write/read; bare metal: the
// serial port), through Platform::console_write/read. A DomU that is given
// a console ring (PV start_info.console.domU, PVH HVM_PARAM_CONSOLE_PFN)
// uses the ring once attach_ring() succeeded (kernel/console_ring.hpp);
// until then, and without a ring, it writes through console_io, which a
// hypervisor may show or drop.
#pragma once

#include "kernel/console_ring.hpp"
#include "lib/format.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace minios {

class Console final : public pv::OutputSink {
public:
    // Buffers text and hands it to the hypervisor a line at a time.
    void write(pv::StringView text) override;
    void flush();

    // Non-blocking: copies up to `capacity` waiting input bytes, returns how
    // many (0 when nothing waits) or a negative Xen errno.
    long read(char* buffer, size_t capacity);

    // Switches output and input to the DomU console ring. Returns
    // ConsoleRingFrontend::attach()'s result; on failure nothing changes.
    long attach_ring(const BootInfo& boot, bool pv_mmu_allowed);
    const ConsoleRingFrontend& ring() const { return ring_; }

    // Result of the last hypercall that failed, for diagnostics (0 if none).
    long last_error() const { return last_error_; }

private:
    void emit(const char* data, size_t size);

    ConsoleRingFrontend ring_;
    char buffer_[256];
    size_t used_ = 0;
    long last_error_ = 0;
};

// The kernel's console (kernel/kernel.cpp owns it).
Console& console();

template <typename... Args> void print(pv::StringView fmt, const Args&... args) {
    pv::print_to(console(), fmt, args...);
}

template <typename... Args> void println(pv::StringView fmt, const Args&... args) {
    pv::print_to(console(), fmt, args...);
    console().write("\n");
}

} // namespace minios
