#include "dom0-tools/lib/config/config_lexer.hpp"

#include "dom0-tools/lib/config/text.hpp"

namespace pv::tools {
namespace {

bool ends_word(char c) {
    return is_blank(c) || c == '\n' || c == '=' || c == ',' || c == '[' || c == ']' || c == ';' ||
           c == '#' || c == '"' || c == '\'';
}

bool is_control(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f;
}

} // namespace

Token ConfigLexer::next() {
    while (pos_ < text_.size() && is_blank(text_[pos_]))
        ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n')
            ++pos_;
    }

    const size_t start = pos_;
    const uint32_t line = line_;
    auto token = [&](TokenKind kind, size_t length) {
        pos_ = start + length;
        return Token{kind, text_.substr(start, length), line};
    };

    if (pos_ >= text_.size()) return token(TokenKind::end, 0);
    const char c = text_[pos_];
    switch (c) {
    case '\n':
        ++line_;
        return token(TokenKind::newline, 1);
    case '=':
        return token(TokenKind::equals, 1);
    case ',':
        return token(TokenKind::comma, 1);
    case '[':
        return token(TokenKind::open_bracket, 1);
    case ']':
        return token(TokenKind::close_bracket, 1);
    case ';':
        return token(TokenKind::semicolon, 1);
    case '"':
    case '\'': {
        size_t i = start + 1;
        auto ends_line = [&](size_t at) {
            return text_[at] == '\n' ||
                   (text_[at] == '\r' && (at + 1 == text_.size() || text_[at + 1] == '\n'));
        };
        while (i < text_.size() && text_[i] != c && !ends_line(i)) {
            if (text_[i] == '\\' && i + 1 < text_.size() && !ends_line(i + 1)) ++i;
            // Raw control characters stay out of strings (and so of messages);
            // \n, \t and \xHH write them.
            if (is_control(text_[i]) || text_[i] == '\r') {
                pos_ = i;
                return Token{TokenKind::bad_character, text_.substr(i, 1), line};
            }
            ++i;
        }
        if (i >= text_.size() || text_[i] != c) {
            size_t end = i;
            while (end > start + 1 && is_blank(text_[end - 1]))
                --end;
            return token(TokenKind::unterminated_string, end - start);
        }
        return token(TokenKind::string, i + 1 - start);
    }
    default:
        break;
    }
    if (c == '+' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '=')
        return token(TokenKind::plus_equals, 2);
    if (is_control(c)) return token(TokenKind::bad_character, 1);

    size_t i = start;
    while (i < text_.size() && !ends_word(text_[i]) && !is_control(text_[i]) &&
           !(text_[i] == '+' && i + 1 < text_.size() && text_[i + 1] == '='))
        ++i;
    return token(TokenKind::word, i - start);
}

StringView ConfigLexer::line_text(const Token& token) const {
    size_t begin = static_cast<size_t>(token.text.data() - text_.data());
    if (begin > text_.size()) begin = text_.size();
    while (begin > 0 && text_[begin - 1] != '\n')
        --begin;
    size_t end = begin;
    while (end < text_.size() && text_[end] != '\n')
        ++end;
    return trim(text_.substr(begin, end - begin));
}

} // namespace pv::tools
