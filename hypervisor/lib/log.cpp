#include "lib/log.hpp"

namespace pv {

// Holds the logger's lock for a scope; in panic mode gives up after a
// bounded wait and proceeds unlocked (and then must not unlock).
class Logger::Locked {
public:
    explicit Locked(Logger& logger) : lock_(logger.lock_) {
        if (!logger.in_panic_mode()) {
            lock_.lock();
            held_ = true;
            return;
        }
        for (uint32_t spin = 0; spin < k_panic_lock_spins; ++spin) {
            if (lock_.try_lock()) {
                held_ = true;
                return;
            }
            __builtin_ia32_pause();
        }
    }
    ~Locked() {
        if (held_) lock_.unlock();
    }
    Locked(const Locked&) = delete;
    Locked& operator=(const Locked&) = delete;

private:
    SpinLock& lock_;
    bool held_ = false;
};

namespace {

constexpr uint64_t k_ns_per_second = 1000000000;
constexpr uint64_t k_ns_per_microsecond = 1000;

// "[    1.234567] ": seconds since boot, microseconds, as Linux prints them.
size_t format_timestamp(char* buf, size_t capacity, uint64_t now_ns) {
    const uint64_t seconds = now_ns / k_ns_per_second;
    const uint64_t micros = (now_ns % k_ns_per_second) / k_ns_per_microsecond;
    return format(buf, capacity, "[{:5}.{:06}] ", seconds, micros);
}

Logger* g_installed_logger = nullptr;

} // namespace

void Logger::set_clock(Clock now_ns) {
    Locked guard(*this);
    clock_ = now_ns;
}

void Logger::set_console(OutputSink* console) {
    Locked guard(*this);
    console_ = console;
}

void Logger::write_line(LogLevel severity, StringView text) {
    // log() appends the newline; drop one the caller wrote out of habit.
    if (!text.empty() && text[text.size() - 1] == '\n') text = text.substr(0, text.size() - 1);

    Locked guard(*this);
    // Read the clock under the lock so that time stamps in the ring ascend.
    char prefix[32];
    const size_t prefix_length =
        format_timestamp(prefix, sizeof prefix, clock_ != nullptr ? clock_() : 0);
    const StringView parts[] = {StringView(prefix, prefix_length), text, StringView("\n", 1)};

    for (const StringView& part : parts)
        ring_.append(part);
    if (console_ != nullptr && severity <= level()) {
        for (const StringView& part : parts)
            console_->write(part);
    }
}

void Logger::log_raw(StringView text) {
    Locked guard(*this);
    ring_.append(text);
    if (console_ != nullptr) console_->write(text);
}

size_t Logger::read(uint64_t& cursor, char* dst, size_t n) {
    Locked guard(*this);
    return ring_.copy_from(cursor, dst, n);
}

void install_logger(Logger* logger) {
    g_installed_logger = logger;
}

Logger* installed_logger() {
    return g_installed_logger;
}

} // namespace pv
