#include "lib/log_ring.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

namespace {

// Reads everything from cursor on, in chunks of `chunk` bytes.
std::string read_all(const pv::LogRing& ring, uint64_t& cursor, size_t chunk = 1024) {
    std::string out;
    char buf[1024];
    for (;;) {
        const size_t n = ring.copy_from(cursor, buf, chunk);
        if (n == 0) return out;
        out.append(buf, n);
    }
}

} // namespace

TEST_CASE("LogRing: empty ring", "[log_ring]") {
    char storage[8];
    pv::LogRing ring(storage);
    CHECK(ring.capacity() == 8);
    CHECK(ring.size() == 0);
    CHECK(ring.total_written() == 0);
    uint64_t cursor = 0;
    char buf[4];
    CHECK(ring.copy_from(cursor, buf, sizeof buf) == 0);
    CHECK(cursor == 0);
}

TEST_CASE("LogRing: holds appended bytes until full", "[log_ring]") {
    char storage[8];
    pv::LogRing ring(storage, sizeof storage);
    ring.append("abc");
    ring.append("de");
    CHECK(ring.size() == 5);
    CHECK(ring.total_written() == 5);
    CHECK(ring.oldest() == 0);
    uint64_t cursor = 0;
    CHECK(read_all(ring, cursor) == "abcde");
    CHECK(cursor == 5);
}

TEST_CASE("LogRing: keeps the most recent bytes when it wraps", "[log_ring]") {
    char storage[8];
    pv::LogRing ring(storage);
    ring.append("abcdef");
    ring.append("ghij");
    CHECK(ring.size() == 8);
    CHECK(ring.total_written() == 10);
    CHECK(ring.oldest() == 2);

    SECTION("a cursor at overwritten data jumps to the oldest held byte") {
        uint64_t cursor = 0;
        CHECK(read_all(ring, cursor) == "cdefghij");
        CHECK(cursor == 10);
    }
    SECTION("a cursor inside the held data reads from there") {
        uint64_t cursor = 7;
        CHECK(read_all(ring, cursor) == "hij");
    }
    SECTION("small reads advance the cursor across the wrap point") {
        uint64_t cursor = 2;
        char buf[3];
        CHECK(ring.copy_from(cursor, buf, 3) == 3);
        CHECK(std::string(buf, 3) == "cde");
        CHECK(cursor == 5);
        CHECK(ring.copy_from(cursor, buf, 3) == 3);
        CHECK(std::string(buf, 3) == "fgh");
        CHECK(ring.copy_from(cursor, buf, 3) == 2);
        CHECK(std::string(buf, 2) == "ij");
        CHECK(ring.copy_from(cursor, buf, 3) == 0);
        CHECK(cursor == 10);
    }
    SECTION("a cursor from the future is pulled back to the end") {
        uint64_t cursor = 1000;
        char buf[4];
        CHECK(ring.copy_from(cursor, buf, sizeof buf) == 0);
        CHECK(cursor == 10);
        ring.append("k");
        CHECK(read_all(ring, cursor) == "k");
    }
    SECTION("n = 0 copies nothing but still repairs a stale cursor") {
        uint64_t cursor = 0;
        CHECK(ring.copy_from(cursor, nullptr, 0) == 0);
        CHECK(cursor == 2);
    }
}

TEST_CASE("LogRing: text longer than the ring keeps its tail", "[log_ring]") {
    char storage[4];
    pv::LogRing ring(storage);
    ring.append("xy");
    ring.append("0123456789");
    CHECK(ring.total_written() == 12);
    CHECK(ring.size() == 4);
    uint64_t cursor = 0;
    CHECK(read_all(ring, cursor) == "6789");
    // The write position must be consistent after a skipped write.
    ring.append("AB");
    cursor = 0;
    CHECK(read_all(ring, cursor) == "89AB");
}

TEST_CASE("LogRing: a follower sees every byte when it keeps up", "[log_ring]") {
    char storage[13]; // not a power of two on purpose
    pv::LogRing ring(storage);
    std::string expected;
    std::string seen;
    uint64_t cursor = 0;
    for (int i = 0; i < 200; ++i) {
        const std::string piece = std::to_string(i * 7919) + ";";
        ring.append(pv::StringView(piece.data(), piece.size()));
        expected += piece;
        seen += read_all(ring, cursor, 5);
    }
    CHECK(seen == expected);
    CHECK(ring.total_written() == expected.size());
}

TEST_CASE("LogRing: a slow reader loses only the overwritten bytes", "[log_ring]") {
    char storage[16];
    pv::LogRing ring(storage);
    std::string all;
    for (int i = 0; i < 50; ++i) {
        const std::string piece = std::to_string(i) + ",";
        ring.append(pv::StringView(piece.data(), piece.size()));
        all += piece;
    }
    uint64_t cursor = 0;
    CHECK(read_all(ring, cursor) == all.substr(all.size() - 16));
}

TEST_CASE("LogRing: zero capacity only counts", "[log_ring]") {
    pv::LogRing ring(nullptr, 0);
    ring.append("abc");
    CHECK(ring.size() == 0);
    CHECK(ring.total_written() == 3);
    uint64_t cursor = 0;
    char buf[4];
    CHECK(ring.copy_from(cursor, buf, sizeof buf) == 0);
    CHECK(cursor == 3);
}
