// The console backend of one DomU: its console ring page (Xen's
// xencons_interface, include/public/console_ring.hpp) mapped into Dom0 for
// the domain's life, Dom0's end of its event channel, and a fixed buffer of
// what the guest printed (the newest k_console_buffer_size bytes: older
// bytes are dropped, as xenconsoled's buffer_size limit does).
#pragma once

#include "dom0-tools/lib/toolstack/control_plane.hpp"
#include "include/public/console_ring.hpp"
#include "lib/status.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

inline constexpr size_t k_console_buffer_size = 16 * 1024;

// The newest bytes of a byte stream, by absolute position: byte n of the
// stream is kept while n >= total() - k_console_buffer_size.
class ConsoleBuffer {
public:
    void append(char c) {
        bytes_[total_ % k_console_buffer_size] = c;
        ++total_;
    }
    void clear() { total_ = 0; }
    uint64_t total() const { return total_; } // bytes ever appended
    uint64_t oldest() const {
        return total_ > k_console_buffer_size ? total_ - k_console_buffer_size : 0;
    }
    // Up to `n` bytes from `cursor` (moved up to oldest() first if those were
    // dropped); advances it. Returns the count.
    size_t copy_from(uint64_t& cursor, char* dst, size_t n) const;

private:
    char bytes_[k_console_buffer_size];
    uint64_t total_ = 0;
};

class ConsoleBackend {
public:
    // Forgets everything (a fresh slot); close() first if it was in use.
    void reset() {
        ring_ = nullptr;
        port_ = 0;
        has_port_ = false;
        first_output_ns_ = 0;
        buffer_.clear();
    }
    // Dom0's port of the console's event channel (bound to the guest's).
    void set_port(uint32_t local_port) {
        port_ = local_port;
        has_port_ = true;
    }
    // Maps the ring frame `mfn` of `domid`; the mapping stays until close().
    Status map_ring(ControlPlane& hv, uint16_t domid, uint64_t mfn);
    // Unmaps the ring and closes the port (either may be absent).
    void close(ControlPlane& hv);

    // Moves what the guest produced into the buffer and tells the guest
    // (out_cons advanced, event sent). Returns the bytes moved. The first
    // drain that moves a byte records hv.now_ns() (first_output_ns()).
    size_t drain(ControlPlane& hv);
    // Queues typed bytes for the guest (`in`); bytes that do not fit are
    // dropped. Returns the bytes queued.
    size_t send(ControlPlane& hv, const char* bytes, size_t count);

    bool connected() const { return ring_ != nullptr; }
    // When a drain first found output (system time, ns), 0 while none came:
    // what `pvctl bench-lifecycle` times a guest's start-up by. As precise as
    // the draining is frequent.
    uint64_t first_output_ns() const { return first_output_ns_; }
    uint32_t port() const { return port_; }
    ConsoleBuffer& buffer() { return buffer_; }
    const ConsoleBuffer& buffer() const { return buffer_; }

private:
    abi::ConsoleRing* ring_ = nullptr;
    uint32_t port_ = 0;
    bool has_port_ = false;
    uint64_t first_output_ns_ = 0;
    ConsoleBuffer buffer_;
};

} // namespace pv::tools
