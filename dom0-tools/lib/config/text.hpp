// Small text helpers shared by the config parser's pieces.
#pragma once

#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

// Spaces and tabs separate tokens; '\r' too, so CRLF files read the same.
constexpr bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

StringView trim(StringView text);

enum class NumberParse : uint8_t { ok, invalid, too_big };

// An xl.cfg(5) NUMBER: decimal, hexadecimal with 0x/0X, octal with a
// leading 0 ("010" is 8). No sign, no suffix, no spaces.
NumberParse parse_number(StringView text, uint64_t& value);

// The contents of a quoted string token (quotes included in `raw`) with its
// escapes resolved: \\ \" \' \n \t \r and \xHH (not \x00).
struct Unquote {
    enum class Problem : uint8_t { none, too_long, bad_escape };
    Problem problem = Problem::none;
    size_t length = 0; // characters stored (without the NUL)
    StringView escape; // bad_escape: the offending sequence, e.g. "\q"
};

// Appends the contents of `raw` to `out` at `out_length`, keeping a NUL
// after them; `capacity` counts the NUL. On too_long nothing is promised
// about `out` except that it stays NUL-terminated.
Unquote unquote_append(StringView raw, char* out, size_t capacity, size_t out_length);

size_t length_of(const char* text, size_t capacity);

} // namespace pv::tools
