// Splits xl.cfg text into tokens (xl.cfg(5) "SYNTAX"). Unquoted runs of
// anything but blanks and = , [ ] ; # " ' are one `word` token: setting
// names, numbers, and the mistakes (`512M`, `pv`) the parser then names
// in full.
#pragma once

#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

enum class TokenKind : uint8_t {
    word,
    string,      // text includes the quotes
    equals,      // =
    plus_equals, // +=
    comma,
    open_bracket,  // [
    close_bracket, // ]
    semicolon,
    newline, // also ends a comment
    end,
    unterminated_string, // text: from the quote to the end of the line
    bad_character,       // text: the one control character
};

struct Token {
    TokenKind kind = TokenKind::end;
    StringView text;
    uint32_t line = 0;
};

class ConfigLexer {
public:
    explicit ConfigLexer(StringView text) : text_(text) {}

    Token next();
    // The whole source line `line_start_of(token)` begins, without its newline.
    StringView line_text(const Token& token) const;

private:
    StringView text_;
    size_t pos_ = 0;
    uint32_t line_ = 1;
};

} // namespace pv::tools
