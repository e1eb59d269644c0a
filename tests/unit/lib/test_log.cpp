#include "lib/log.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

using pv::Logger;
using pv::LogLevel;

namespace {

uint64_t g_fake_now_ns = 0;
uint64_t fake_clock() {
    return g_fake_now_ns;
}

class CaptureSink final : public pv::OutputSink {
public:
    void write(pv::StringView text) override { text_.append(text.data(), text.size()); }
    std::string text_;
};

std::string ring_text(Logger& logger) {
    std::string out;
    uint64_t cursor = 0;
    char buf[256];
    while (size_t n = logger.read(cursor, buf, sizeof buf))
        out.append(buf, n);
    return out;
}

// A Logger with its own ring, fake clock and capturing console.
struct Fixture {
    Fixture() {
        g_fake_now_ns = 0;
        logger.set_clock(fake_clock);
        logger.set_console(&console);
    }
    char storage[4096];
    Logger logger{storage};
    CaptureSink console;
};

} // namespace

TEST_CASE_METHOD(Fixture, "Logger: one time-stamped line per call", "[log]") {
    g_fake_now_ns = 1'234'567'890; // 1.234567890 s: microseconds truncate
    logger.log(LogLevel::info, "dom{}: {} MiB", 1, 256);
    CHECK(console.text_ == "[    1.234567] dom1: 256 MiB\n");
    CHECK(ring_text(logger) == console.text_);
}

TEST_CASE_METHOD(Fixture, "Logger: time stamp formatting", "[log]") {
    SECTION("zero") {
        logger.log(LogLevel::error, "x");
        CHECK(console.text_ == "[    0.000000] x\n");
    }
    SECTION("microseconds are zero-padded") {
        g_fake_now_ns = 5'000'042'000;
        logger.log(LogLevel::error, "x");
        CHECK(console.text_ == "[    5.000042] x\n");
    }
    SECTION("many seconds widen the field") {
        g_fake_now_ns = 123'456ull * 1'000'000'000ull + 999'999'999ull;
        logger.log(LogLevel::error, "x");
        CHECK(console.text_ == "[123456.999999] x\n");
    }
    SECTION("no clock means time zero") {
        g_fake_now_ns = 7'000'000'000;
        logger.set_clock(nullptr);
        logger.log(LogLevel::error, "x");
        CHECK(console.text_ == "[    0.000000] x\n");
    }
}

TEST_CASE_METHOD(Fixture, "Logger: the threshold filters the console, not the ring", "[log]") {
    CHECK(logger.level() == LogLevel::info); // the default
    logger.set_level(LogLevel::warning);
    CHECK(logger.level() == LogLevel::warning);
    logger.log(LogLevel::error, "e");
    logger.log(LogLevel::warning, "w");
    logger.log(LogLevel::info, "i");
    logger.log(LogLevel::debug, "d");
    CHECK(console.text_ == "[    0.000000] e\n[    0.000000] w\n");
    CHECK(ring_text(logger) ==
          "[    0.000000] e\n[    0.000000] w\n[    0.000000] i\n[    0.000000] d\n");

    console.text_.clear();
    logger.set_level(LogLevel::debug);
    logger.log(LogLevel::debug, "d2");
    CHECK(console.text_ == "[    0.000000] d2\n");

    console.text_.clear();
    logger.set_level(LogLevel::error);
    logger.log(LogLevel::warning, "w2");
    CHECK(console.text_.empty());
}

TEST_CASE_METHOD(Fixture, "Logger: details of a line", "[log]") {
    SECTION("a trailing newline is not doubled") {
        logger.log(LogLevel::info, "done\n");
        CHECK(console.text_ == "[    0.000000] done\n");
    }
    SECTION("over-long messages are cut at the line limit") {
        const std::string long_text(2 * Logger::k_max_line, 'a');
        logger.log(LogLevel::info, "{}", pv::StringView(long_text.data(), long_text.size()));
        const std::string prefix = "[    0.000000] ";
        REQUIRE(console.text_.size() == prefix.size() + Logger::k_max_line - 1 + 1);
        CHECK(console.text_.back() == '\n');
        CHECK(console.text_.substr(prefix.size(), 3) == "aaa");
    }
    SECTION("no console: the ring still records") {
        logger.set_console(nullptr);
        logger.log(LogLevel::error, "quiet");
        CHECK(console.text_.empty());
        CHECK(ring_text(logger) == "[    0.000000] quiet\n");
    }
}

TEST_CASE_METHOD(Fixture, "Logger: log_raw adds nothing and ignores the level", "[log]") {
    logger.set_level(LogLevel::error);
    logger.log_raw("raw text");
    logger.log_raw(" more");
    CHECK(console.text_ == "raw text more");
    CHECK(ring_text(logger) == "raw text more");
}

TEST_CASE("Logger: the ring keeps the newest lines", "[log]") {
    char storage[64];
    Logger logger(storage);
    for (int i = 0; i < 10; ++i)
        logger.log(LogLevel::debug, "line {}", i);
    CHECK(logger.ring().total_written() == 10 * 22);
    uint64_t cursor = 0;
    char buf[64];
    const size_t n = logger.read(cursor, buf, sizeof buf);
    REQUIRE(n == 64);
    const std::string tail(buf, n);
    CHECK(tail.substr(tail.size() - 22) == "[    0.000000] line 9\n");
}

namespace {

// A console that logs while the logger holds its lock, as a crash inside
// the serial driver would.
class ReentrantSink final : public pv::OutputSink {
public:
    explicit ReentrantSink(Logger& logger) : logger_(logger) {}
    void write(pv::StringView text) override {
        text_.append(text.data(), text.size());
        if (!nested_) {
            nested_ = true;
            logger_.log_raw("<nested>");
        }
    }
    Logger& logger_;
    bool nested_ = false;
    std::string text_;
};

} // namespace

TEST_CASE("Logger: in panic mode a held lock only delays output", "[log]") {
    char storage[256];
    Logger logger(storage);
    ReentrantSink sink(logger);
    logger.set_console(&sink);
    CHECK_FALSE(logger.in_panic_mode());
    logger.panic_mode();
    CHECK(logger.in_panic_mode());

    // Without panic mode this would spin forever on our own lock.
    logger.log_raw("A");
    CHECK(sink.text_ == "A<nested>");

    // The bypass must not have corrupted the lock: normal logging still works.
    logger.log_raw("B");
    CHECK(sink.text_ == "A<nested>B");
}

TEST_CASE("Logger: free functions reach the installed logger", "[log]") {
    char storage[512];
    Logger logger(storage);
    CaptureSink console;
    logger.set_console(&console);
    logger.set_level(LogLevel::debug);

    pv::install_logger(nullptr);
    pv::log_error("dropped {}", 1); // no logger: a no-op, not a crash
    CHECK(pv::installed_logger() == nullptr);

    pv::install_logger(&logger);
    CHECK(pv::installed_logger() == &logger);
    pv::log_error("e{}", 1);
    pv::log_warning("w{}", 2);
    pv::log_info("i{}", 3);
    pv::log_debug("d{}", 4);
    pv::log_line(LogLevel::info, "l{}", 5);
    pv::install_logger(nullptr);
    pv::log_info("after");

    CHECK(console.text_ == "[    0.000000] e1\n[    0.000000] w2\n[    0.000000] i3\n"
                           "[    0.000000] d4\n[    0.000000] l5\n");
}

TEST_CASE("Logger: constant-initialised, as the composition root defines it", "[log]") {
    static char storage[128];
    static constinit Logger logger(storage);
    logger.log(LogLevel::info, "ok");
    CHECK(logger.ring().size() == 18);
}
