#include "dom0-tools/lib/toolstack/arguments.hpp"

namespace pv::tools {

namespace {

bool is_separator(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

} // namespace

Arguments split_words(StringView line) {
    Arguments args;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_separator(line[i]))
            ++i;
        if (i == line.size()) break;
        const size_t start = i;
        char quote = 0;
        while (i < line.size() && (quote != 0 || !is_separator(line[i]))) {
            if (quote == 0 && (line[i] == '"' || line[i] == '\''))
                quote = line[i];
            else if (line[i] == quote)
                quote = 0;
            ++i;
        }
        if (quote != 0) args.open_quote = true;
        if (args.count == k_max_words) {
            args.too_many = true;
            break;
        }
        args.words[args.count++] = line.substr(start, i - start);
    }
    return args;
}

bool parse_decimal(StringView text, uint64_t max, uint64_t& value) {
    if (text.empty() || text.size() > 20) return false;
    uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        const uint64_t digit = static_cast<uint64_t>(c - '0');
        if (v > (max - digit) / 10) return false;
        v = v * 10 + digit;
    }
    value = v;
    return true;
}

bool is_help_flag(StringView word) {
    return word == "--help" || word == "-h";
}

} // namespace pv::tools
