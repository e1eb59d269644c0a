#include "guests/options.hpp"

namespace minios::guests {
namespace {

// The value of the first `key=...` word, or an empty view with found = false.
pv::StringView find_value(pv::StringView command_line, pv::StringView key, bool& found) {
    size_t i = 0;
    found = false;
    while (i < command_line.size()) {
        while (i < command_line.size() && command_line[i] == ' ')
            ++i;
        size_t end = command_line.find(' ', i);
        if (end == pv::StringView::npos) end = command_line.size();
        const pv::StringView word = command_line.substr(i, end - i);
        if (word.size() > key.size() && word.starts_with(key) && word[key.size()] == '=') {
            found = true;
            return word.substr(key.size() + 1);
        }
        i = end;
    }
    return {};
}

} // namespace

pv::StringView option_text(pv::StringView command_line, pv::StringView key,
                           pv::StringView fallback) {
    bool found = false;
    const pv::StringView value = find_value(command_line, key, found);
    return found && !value.empty() ? value : fallback;
}

bool option_number(pv::StringView command_line, pv::StringView key, uint64_t& value) {
    bool found = false;
    const pv::StringView text = find_value(command_line, key, found);
    if (!found || text.empty()) return false;
    uint64_t number = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
        if (number > (UINT64_MAX - digit) / 10) return false;
        number = number * 10 + digit;
    }
    value = number;
    return true;
}

} // namespace minios::guests
