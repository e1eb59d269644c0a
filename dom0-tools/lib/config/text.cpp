#include "dom0-tools/lib/config/text.hpp"

namespace pv::tools {
namespace {

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 99;
}

} // namespace

StringView trim(StringView text) {
    size_t begin = 0;
    size_t end = text.size();
    while (begin < end && is_blank(text[begin]))
        ++begin;
    while (end > begin && is_blank(text[end - 1]))
        --end;
    return text.substr(begin, end - begin);
}

NumberParse parse_number(StringView text, uint64_t& value) {
    uint64_t base = 10;
    if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text = text.substr(2);
    } else if (text.size() >= 2 && text[0] == '0') {
        base = 8;
        text = text.substr(1);
    }
    if (text.empty()) return NumberParse::invalid;

    uint64_t result = 0;
    bool overflow = false;
    for (char c : text) {
        const int digit = digit_value(c);
        if (digit >= static_cast<int>(base)) return NumberParse::invalid;
        if (result > (~uint64_t{0} - static_cast<uint64_t>(digit)) / base) overflow = true;
        result = result * base + static_cast<uint64_t>(digit);
    }
    if (overflow) return NumberParse::too_big;
    value = result;
    return NumberParse::ok;
}

Unquote unquote_append(StringView raw, char* out, size_t capacity, size_t out_length) {
    Unquote result;
    size_t length = out_length;
    auto put = [&](char c) {
        if (length + 1 >= capacity) {
            result.problem = Unquote::Problem::too_long;
            return false;
        }
        out[length++] = c;
        out[length] = '\0';
        return true;
    };

    // The lexer guarantees `raw` is a complete token: quote, body, same quote.
    const StringView body = raw.substr(1, raw.size() >= 2 ? raw.size() - 2 : 0);
    for (size_t i = 0; i < body.size(); ++i) {
        char c = body[i];
        if (c == '\\' && i + 1 < body.size()) {
            const char next = body[i + 1];
            size_t used = 2;
            switch (next) {
            case '\\':
                c = '\\';
                break;
            case '"':
                c = '"';
                break;
            case '\'':
                c = '\'';
                break;
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            case 'x': {
                const int high = i + 2 < body.size() ? digit_value(body[i + 2]) : 99;
                const int low = i + 3 < body.size() ? digit_value(body[i + 3]) : 99;
                used = 4;
                if (high > 15 || low > 15 || (high == 0 && low == 0)) {
                    result.problem = Unquote::Problem::bad_escape;
                    result.escape = body.substr(i, 4);
                    return result;
                }
                c = static_cast<char>(high * 16 + low);
                break;
            }
            default:
                result.problem = Unquote::Problem::bad_escape;
                result.escape = body.substr(i, 2);
                return result;
            }
            i += used - 1;
        }
        if (!put(c)) return result;
    }
    if (capacity > 0) out[length] = '\0';
    result.length = length - out_length;
    return result;
}

size_t length_of(const char* text, size_t capacity) {
    size_t n = 0;
    while (n < capacity && text[n] != '\0')
        ++n;
    return n;
}

} // namespace pv::tools
