// The command-line words the sample DomUs understand (start_info.cmd_line,
// space-separated): `name=NAME` (the toolstack puts the domain's name
// there), `KEY=SECONDS` numbers and plain flags (kernel/kernel.hpp's
// has_option()).
#pragma once

#include "lib/string_view.hpp"

#include <cstdint>

namespace minios::guests {

// The text after `key=` of the first such word, or `fallback` when there
// is none (or it is empty).
pv::StringView option_text(pv::StringView command_line, pv::StringView key,
                           pv::StringView fallback);

// The decimal number after `key=`; false when the word is absent or not a
// number (then `value` is unchanged).
bool option_number(pv::StringView command_line, pv::StringView key, uint64_t& value);

} // namespace minios::guests
