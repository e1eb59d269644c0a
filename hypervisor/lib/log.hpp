// The hypervisor log: one line per call, time-stamped, kept in a LogRing for
// Dom0 and crash dumps, and echoed to the console when important enough.
//
//   log_info("dom{}: created with {} MiB", id, mib);
//   -> "[    1.234567] dom1: created with 256 MiB\n"
//
// The Logger is an object passed around like any other; the free functions
// at the bottom reach the one instance the composition root installs.
#pragma once

#include "lib/format.hpp"
#include "lib/log_ring.hpp"
#include "lib/spinlock.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv {

// Lower is more severe; a message shows on the console when its level is at
// or below the threshold.
enum class LogLevel : uint8_t { error, warning, info, debug };

class Logger {
public:
    using Clock = uint64_t (*)(); // nanoseconds since boot

    // Longest line, prefix excluded; longer messages are cut off.
    static constexpr size_t k_max_line = 512;
    // Spins a CPU waits for the lock in panic mode before writing anyway.
    static constexpr uint32_t k_panic_lock_spins = 1u << 20;

    // The ring lives in `ring_storage` (not owned). constexpr so that a
    // global Logger needs no run-time constructor.
    constexpr Logger(char* ring_storage, size_t ring_capacity)
        : ring_(ring_storage, ring_capacity) {}
    template <size_t N>
    constexpr explicit Logger(char (&ring_storage)[N]) : Logger(ring_storage, N) {}
    Logger(const Logger&) = delete;
    Logger& operator=(const Logger&) = delete;

    void set_level(LogLevel level) { __atomic_store_n(&level_, level, __ATOMIC_RELAXED); }
    LogLevel level() const { return __atomic_load_n(&level_, __ATOMIC_RELAXED); }
    // Both take the lock, so a line is never split between two clocks/consoles.
    void set_clock(Clock now_ns);
    void set_console(OutputSink* console); // nullptr: ring only

    // From now on, a CPU that cannot get the lock within k_panic_lock_spins
    // writes without it: a garbled crash dump beats a silent hang when the
    // crashing CPU (or a dead one) holds the lock. There is no way back.
    void panic_mode() { __atomic_store_n(&panic_, true, __ATOMIC_RELAXED); }
    bool in_panic_mode() const { return __atomic_load_n(&panic_, __ATOMIC_RELAXED); }

    template <typename... Args> void log(LogLevel level, StringView fmt, const Args&... args) {
        char line[k_max_line];
        const size_t length = format(line, sizeof line, fmt, args...);
        write_line(level, StringView(line, length));
    }

    // Time-stamps one already formatted line (a trailing newline is optional)
    // and writes it to the ring, and to the console if `severity` passes the threshold.
    void write_line(LogLevel severity, StringView text);

    // Text as it is, no prefix or newline added; always to ring and console.
    void log_raw(StringView text);

    // Reads the ring under the lock; see LogRing::copy_from.
    size_t read(uint64_t& cursor, char* dst, size_t n);
    // The ring itself, for tests and for a crash dump that owns the machine.
    const LogRing& ring() const { return ring_; }

private:
    class Locked;

    SpinLock lock_;
    LogRing ring_;                    // guarded by lock_
    OutputSink* console_ = nullptr;   // guarded by lock_
    Clock clock_ = nullptr;           // guarded by lock_
    LogLevel level_ = LogLevel::info; // atomic access: read without the lock
    bool panic_ = false;              // atomic access: read without the lock
};

// The instance the free functions below use; nullptr uninstalls. Called by
// the composition root (hypervisor/main.cpp) once the Logger exists.
void install_logger(Logger* logger);
Logger* installed_logger();

template <typename... Args> void log_line(LogLevel level, StringView fmt, const Args&... args) {
    if (Logger* logger = installed_logger()) logger->log(level, fmt, args...);
}
template <typename... Args> void log_error(StringView fmt, const Args&... args) {
    log_line(LogLevel::error, fmt, args...);
}
template <typename... Args> void log_warning(StringView fmt, const Args&... args) {
    log_line(LogLevel::warning, fmt, args...);
}
template <typename... Args> void log_info(StringView fmt, const Args&... args) {
    log_line(LogLevel::info, fmt, args...);
}
template <typename... Args> void log_debug(StringView fmt, const Args&... args) {
    log_line(LogLevel::debug, fmt, args...);
}

} // namespace pv
