// Reading statements: `KEY = VALUE` or `KEY += VALUE`, ended by a newline
// or ';' (xl.cfg(5) "SYNTAX"), and turning value tokens into text, numbers
// and CPU masks with one-line messages for whatever does not fit.
#include "dom0-tools/lib/config/config_parser.hpp"

#include "dom0-tools/lib/config/cpu_list.hpp"
#include "dom0-tools/lib/config/text.hpp"

namespace pv::tools::detail {
namespace {

bool is_number_word(const Token& token) {
    return token.kind == TokenKind::word && !token.text.empty() && token.text[0] >= '0' &&
           token.text[0] <= '9';
}

} // namespace

// Source text for a message: at most `k_shown` characters and "..." when
// cut, tabs as spaces, any other control character as '?', so that every
// message stays one clean line.
StringView Parser::printable(StringView text, StringView before, StringView after, char* buf) {
    constexpr size_t k_shown = 60;
    static_assert(sizeof described_ > k_shown + 3 + 2);
    if (buf == nullptr) buf = described_;
    size_t n = 0;
    auto put = [&](char c) {
        if (n + 1 < sizeof described_) buf[n++] = c;
    };
    for (char c : before)
        put(c);
    for (size_t i = 0; i < text.size() && i < k_shown; ++i) {
        const auto code = static_cast<unsigned char>(text[i]);
        put(text[i] == '\t' ? ' ' : (code < 0x20 || code == 0x7f) ? '?' : text[i]);
    }
    if (text.size() > k_shown)
        for (char c : StringView("..."))
            put(c);
    for (char c : after)
        put(c);
    buf[n] = '\0';
    return StringView(buf, n);
}

// How a token reads in a message: strings as written, the rest in quotes.
StringView Parser::describe(const Token& token) {
    switch (token.kind) {
    case TokenKind::newline:
        return "the end of the line";
    case TokenKind::end:
        return "the end of the file";
    case TokenKind::string:
    case TokenKind::unterminated_string:
        return printable(token.text, "", "");
    default:
        return printable(token.text, "'", "'");
    }
}

Status Parser::lexical_error(const Token& token, StringView key) {
    const StringView prefix = key.empty() ? StringView() : key;
    const StringView colon = key.empty() ? StringView() : StringView(": ");
    if (token.kind == TokenKind::unterminated_string)
        return fail(token.line, "{}{}unterminated string {} (no closing {} on this line)", prefix,
                    colon, describe(token), token.text[0]);
    return fail(token.line, "{}{}unexpected control character {:#x}", prefix, colon,
                static_cast<unsigned>(static_cast<unsigned char>(token.text[0])));
}

Status Parser::parse(StringView source_name, StringView text) {
    source_ = source_count_++;
    sources_[source_] = source_name;
    lexer_ = ConfigLexer(text);
    for (;;) {
        const Token token = lexer_.next();
        switch (token.kind) {
        case TokenKind::end:
            return Status::ok();
        case TokenKind::newline:
        case TokenKind::semicolon:
            continue;
        default:
            TRY(statement(token));
        }
    }
}

Status Parser::statement(const Token& first) {
    if (first.kind == TokenKind::unterminated_string || first.kind == TokenKind::bad_character)
        return lexical_error(first, StringView());
    const Token op = first.kind == TokenKind::word ? lexer_.next() : first;
    if (op.kind == TokenKind::unterminated_string || op.kind == TokenKind::bad_character)
        return lexical_error(op, StringView());
    if (first.kind != TokenKind::word ||
        (op.kind != TokenKind::equals && op.kind != TokenKind::plus_equals))
        return fail(first.line, "expected 'setting = value', got: {}",
                    printable(lexer_.line_text(first), "", ""));

    const StringView key = first.text;
    const Setting* setting = find_setting(key);
    if (setting == nullptr && is_unsupported_xl_setting(key))
        return fail(first.line, "'{}' is an xl setting that Paravane does not support", key);
    if (setting == nullptr) return fail(first.line, "unknown setting '{}'", key);

    Value value;
    TRY(read_value(key, value));
    const Token after = lexer_.next();
    if (after.kind == TokenKind::unterminated_string || after.kind == TokenKind::bad_character)
        return lexical_error(after, key);
    if (after.kind != TokenKind::newline && after.kind != TokenKind::semicolon &&
        after.kind != TokenKind::end)
        return fail(after.line, "{}: unexpected {} after the value", key, describe(after));

    const bool append = op.kind == TokenKind::plus_equals;
    Site& where = site(setting->key);
    if (where.is_set() && !append)
        warn_at(source_, first.line, "'{}' overrides {}:{}", key, sources_[where.source],
                where.line);
    TRY(apply(setting->key, key, append, value));
    where = Site{source_, first.line, key};
    return Status::ok();
}

Status Parser::read_value(StringView key, Value& value) {
    const Token token = lexer_.next();
    switch (token.kind) {
    case TokenKind::word:
    case TokenKind::string:
        value.scalar = token;
        return Status::ok();
    case TokenKind::open_bracket:
        return read_list(key, token, value);
    case TokenKind::unterminated_string:
    case TokenKind::bad_character:
        return lexical_error(token, key);
    case TokenKind::newline:
    case TokenKind::semicolon:
    case TokenKind::end:
        return fail(token.line, "{}: missing value after '='", key);
    default:
        return fail(token.line, "{}: expected a value after '=', got {}", key, describe(token));
    }
}

Status Parser::read_list(StringView key, const Token& open, Value& value) {
    value.is_list = true;
    value.scalar = open;
    auto next_in_list = [&] {
        Token token = lexer_.next();
        while (token.kind == TokenKind::newline)
            token = lexer_.next();
        return token;
    };
    for (;;) {
        Token token = next_in_list();
        if (token.kind == TokenKind::close_bracket) return Status::ok();
        if (token.kind == TokenKind::end)
            return fail(open.line, "{}: unterminated list (no closing ']')", key);
        if (token.kind == TokenKind::unterminated_string || token.kind == TokenKind::bad_character)
            return lexical_error(token, key);
        if (token.kind == TokenKind::open_bracket)
            return fail(token.line, "{}: nested lists are not supported", key);
        if (token.kind != TokenKind::word && token.kind != TokenKind::string)
            return fail(token.line, "{}: expected a list entry or ']', got {}", key,
                        describe(token));
        if (value.count == k_max_list_entries)
            return fail(token.line, "{}: more than {} list entries", key, k_max_list_entries);
        value.items[value.count++] = token;

        token = next_in_list();
        if (token.kind == TokenKind::close_bracket) return Status::ok();
        if (token.kind == TokenKind::comma) continue;
        if (token.kind == TokenKind::end)
            return fail(open.line, "{}: unterminated list (no closing ']')", key);
        if (token.kind == TokenKind::unterminated_string || token.kind == TokenKind::bad_character)
            return lexical_error(token, key);
        return fail(token.line, "{}: expected ',' or ']' in the list, got {}", key,
                    describe(token));
    }
}

// A text setting's value into `out` at `at` (0, or the old length for +=).
Status Parser::text_value(StringView key, const Value& value, char* out, size_t size, size_t at) {
    if (value.is_list)
        return fail(value.scalar.line, "{}: expected text in quotes, got a list", key);
    return token_text(key, value.scalar, out, size, at);
}

// A word or string token's text (see text_value).
Status Parser::token_text(StringView key, const Token& token, char* out, size_t size, size_t at) {
    if (token.kind == TokenKind::word) {
        if (!is_number_word(token))
            return fail(token.line, "{}: expected text in quotes, got {} (write \"{}\")", key,
                        token.text, token.text);
        // xl reads an unquoted NUMBER as its text.
        if (at + token.text.size() + 1 > size)
            return fail(token.line, "{}: longer than {} characters", key, size - 1);
        for (char c : token.text)
            out[at++] = c;
        out[at] = '\0';
        return Status::ok();
    }
    const Unquote result = unquote_append(token.text, out, size, at);
    if (result.problem == Unquote::Problem::too_long)
        return fail(token.line, "{}: longer than {} characters", key, size - 1);
    if (result.problem == Unquote::Problem::bad_escape)
        return fail(token.line, "{}: invalid escape {} in {}", key,
                    printable(result.escape, "'", "'", item_), describe(token));
    return Status::ok();
}

// A value that must be one of a few words: text too long for `out` is not
// one of them, and comes back empty for the caller to report as unknown.
Status Parser::choice_text(StringView key, const Value& value, char* out, size_t size) {
    if (!value.is_list && value.scalar.kind == TokenKind::string &&
        unquote_append(value.scalar.text, out, size, 0).problem == Unquote::Problem::too_long) {
        out[0] = '\0';
        return Status::ok();
    }
    return text_value(key, value, out, size, 0);
}

Status Parser::number_value(StringView key, const Value& value, StringView what, uint64_t min,
                            uint64_t max, StringView unit, uint64_t& out) {
    const Token& token = value.scalar;
    if (value.is_list) return fail(token.line, "{}: expected {}, got a list", key, what);
    StringView digits = token.text;
    char unquoted[32];
    if (token.kind == TokenKind::string) {
        // xl also reads a NUMBER written in quotes.
        const Unquote result = unquote_append(token.text, unquoted, sizeof unquoted, 0);
        digits = result.problem == Unquote::Problem::none ? StringView(unquoted, result.length)
                                                          : StringView("?");
    }
    uint64_t number = 0;
    const NumberParse parsed = parse_number(digits, number);
    if (parsed == NumberParse::invalid)
        return fail(token.line, "{}: expected {}, got {}", key, what, describe(token));
    if (parsed == NumberParse::too_big || number < min || number > max)
        return fail(token.line, "{}: {} is out of range ({} to {}{})", key, token.text, min, max,
                    unit);
    out = number;
    return Status::ok();
}

Status Parser::cpu_list_value(StringView key, const Token& token, uint32_t entry, uint64_t& mask) {
    char text[k_config_path_size];
    TRY(token_text(key, token, text, sizeof text, 0));

    char where[24] = {};
    if (entry != 0) format(where, sizeof where, "entry {}: ", entry);
    const CpuListParse parsed = parse_cpu_list(StringView(text));
    using Problem = CpuListParse::Problem;
    switch (parsed.problem) {
    case Problem::none:
        mask = parsed.mask;
        return Status::ok();
    case Problem::empty:
        return fail(token.line, "{}: {}empty CPU list (leave 'cpus' out for no pinning)", key,
                    where);
    case Problem::bad_item:
        if (parsed.item.empty())
            return fail(token.line, "{}: {}empty item in {}", key, where, describe(token));
        return fail(token.line, "{}: {}{} in {} is not a CPU, a range N-M or all", key, where,
                    printable(parsed.item, "'", "'", item_), describe(token));
    case Problem::numa:
        return fail(token.line, "{}: {}NUMA node lists ({}) are not supported", key, where,
                    printable(parsed.item, "'", "'", item_));
    case Problem::cpu_too_high:
        return fail(token.line, "{}: {}CPU {} is beyond the {} host CPUs Paravane supports", key,
                    where, parsed.number, k_config_max_host_cpus);
    case Problem::backwards:
        return fail(token.line, "{}: {}range {} runs backwards", key, where,
                    printable(parsed.item, "'", "'", item_));
    case Problem::no_cpu:
        return fail(token.line, "{}: {}{} selects no CPU", key, where, describe(token));
    }
    return Errno::einval;
}

} // namespace pv::tools::detail
