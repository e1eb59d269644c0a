// A pvctl command line split into words, and the small parsers the verbs
// share. Words are separated by spaces and tabs; a quoted stretch ('...' or
// "...") keeps its blanks and its quotes, so that `cmdline="a b"` reaches
// the config parser as one KEY=VALUE setting, as a shell would pass it.
#pragma once

#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

inline constexpr size_t k_max_words = 32;

struct Arguments {
    StringView words[k_max_words];
    size_t count = 0;
    bool too_many = false;   // more than k_max_words words
    bool open_quote = false; // a quote was not closed

    StringView operator[](size_t i) const { return i < count ? words[i] : StringView(); }
};

Arguments split_words(StringView line);

// A decimal number without sign or spaces, at most `max`.
bool parse_decimal(StringView text, uint64_t max, uint64_t& value);

// Whether `word` is "--help" or "-h".
bool is_help_flag(StringView word);

} // namespace pv::tools
