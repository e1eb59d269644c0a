// LogRing: the most recent bytes of the hypervisor log, kept in a fixed
// buffer so that Dom0 (and a crash dump) can read what scrolled past the
// serial line. Old bytes are overwritten; positions are absolute byte counts
// since boot, so a reader can tell what it missed.
//
// Not locked: the owner (Logger) serialises writers and readers.
#pragma once

#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv {

class LogRing {
public:
    // The ring uses `storage` (capacity bytes, not owned) for its whole life.
    constexpr LogRing(char* storage, size_t capacity) : storage_(storage), capacity_(capacity) {}
    template <size_t N> constexpr explicit LogRing(char (&storage)[N]) : LogRing(storage, N) {}
    LogRing(const LogRing&) = delete;
    LogRing& operator=(const LogRing&) = delete;

    // Stores text, dropping the oldest bytes when full. Text longer than the
    // ring keeps only its tail, but still counts in total_written().
    void append(StringView text);

    size_t capacity() const { return capacity_; }
    // Bytes currently held.
    size_t size() const { return total_ < capacity_ ? static_cast<size_t>(total_) : capacity_; }
    // Bytes ever appended; also the absolute position one past the newest byte.
    uint64_t total_written() const { return total_; }
    // Absolute position of the oldest byte still held.
    uint64_t oldest() const { return total_ - size(); }

    // Copies up to n bytes starting at absolute position `cursor` and advances
    // cursor past them. A cursor pointing at overwritten bytes first jumps to
    // the oldest held byte (the reader lost the rest); a cursor past the
    // newest byte is pulled back to total_written(). Returns bytes copied.
    size_t copy_from(uint64_t& cursor, char* dst, size_t n) const;

private:
    char* storage_;
    size_t capacity_;
    uint64_t total_ = 0;
};

} // namespace pv
