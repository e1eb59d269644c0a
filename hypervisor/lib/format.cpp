// The one routine that formats for every print_to()/format() call site.
#include "lib/format.hpp"

namespace pv {
namespace {

using Kind = FormatArg::Kind;

// Widths beyond this are a typo, not a layout: refuse them rather than
// flood a serial line.
constexpr uint32_t k_max_width = 255;

struct Spec {
    char fill = ' ';
    char align = 0; // '<', '>' or 0 for the default of the argument kind
    bool alternate = false;
    bool zero_pad = false;
    uint32_t width = 0;
    char type = 0; // 0 means the default form
};

bool is_type_char(char c) {
    return StringView("xXdbocsp").find(c) != StringView::npos;
}

// `inner` is the text between the braces: empty, or ':' and a spec.
bool parse_spec(StringView inner, Spec& spec) {
    if (inner.empty()) return true;
    if (inner[0] != ':') return false;
    const StringView s = inner.substr(1);
    size_t i = 0;
    if (s.size() >= 2 && (s[1] == '<' || s[1] == '>')) {
        spec.fill = s[0];
        spec.align = s[1];
        i = 2;
    } else if (!s.empty() && (s[0] == '<' || s[0] == '>')) {
        spec.align = s[0];
        i = 1;
    }
    if (i < s.size() && s[i] == '#') {
        spec.alternate = true;
        ++i;
    }
    if (i < s.size() && s[i] == '0') {
        spec.zero_pad = true;
        ++i;
    }
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        spec.width = spec.width * 10 + static_cast<uint32_t>(s[i] - '0');
        if (spec.width > k_max_width) return false;
        ++i;
    }
    if (i < s.size() && is_type_char(s[i])) spec.type = s[i++];
    return i == s.size();
}

void write_repeated(OutputSink& out, char c, size_t count) {
    char chunk[32];
    for (char& slot : chunk)
        slot = c;
    while (count > 0) {
        const size_t n = count < sizeof chunk ? count : sizeof chunk;
        out.write(StringView(chunk, n));
        count -= n;
    }
}

// Writes prefix+body padded to the spec's width. Numbers align right by
// default and honour zero padding (zeros go between prefix and digits).
void write_padded(OutputSink& out, const Spec& spec, StringView prefix, StringView body,
                  bool numeric) {
    const size_t length = prefix.size() + body.size();
    const size_t pad = spec.width > length ? spec.width - length : 0;
    if (numeric && spec.zero_pad) {
        out.write(prefix);
        write_repeated(out, '0', pad);
        out.write(body);
        return;
    }
    const char align = spec.align != 0 ? spec.align : (numeric ? '>' : '<');
    if (align == '>') write_repeated(out, spec.fill, pad);
    out.write(prefix);
    out.write(body);
    if (align == '<') write_repeated(out, spec.fill, pad);
}

// Digits of `value` in `base` (2, 8, 10 or 16), written at the end of buf.
StringView to_digits(uint64_t value, unsigned base, bool upper, char (&buf)[64]) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t pos = sizeof buf;
    do {
        buf[--pos] = digits[value % base];
        value /= base;
    } while (value != 0);
    return StringView(buf + pos, sizeof buf - pos);
}

void write_number(OutputSink& out, const Spec& spec, uint64_t magnitude, bool negative, char type) {
    unsigned base = 10;
    char radix_letter = 0; // the letter of the 0x / 0X / 0b / 0o prefix
    if (type == 'x' || type == 'X' || type == 'p') {
        base = 16;
        radix_letter = type == 'X' ? 'X' : 'x';
    } else if (type == 'b') {
        base = 2;
        radix_letter = 'b';
    } else if (type == 'o') {
        base = 8;
        radix_letter = 'o';
    }
    // A pointer always shows its radix; other types only when asked with '#'.
    const bool show_radix = type == 'p' || (spec.alternate && base != 10);

    char prefix[3];
    size_t prefix_len = 0;
    if (negative) prefix[prefix_len++] = '-';
    if (show_radix) {
        prefix[prefix_len++] = '0';
        prefix[prefix_len++] = radix_letter;
    }
    char digits[64];
    write_padded(out, spec, StringView(prefix, prefix_len),
                 to_digits(magnitude, base, type == 'X', digits), true);
}

void write_char(OutputSink& out, const Spec& spec, char c) {
    write_padded(out, spec, StringView(), StringView(&c, 1), false);
}

bool is_numeric_type(char type) {
    return type == 'd' || type == 'x' || type == 'X' || type == 'b' || type == 'o';
}

// Formats one argument; false if the spec's type does not fit the argument.
bool write_arg(OutputSink& out, const Spec& spec, const FormatArg& arg) {
    const char type = spec.type;
    switch (arg.kind) {
    case Kind::signed_int: {
        const int64_t v = arg.signed_value;
        // Negate in unsigned arithmetic so INT64_MIN has a magnitude too.
        const uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
        if (type == 'c') {
            write_char(out, spec, static_cast<char>(v));
            return true;
        }
        if (type != 0 && !is_numeric_type(type) && type != 'p') return false;
        write_number(out, spec, magnitude, v < 0, type);
        return true;
    }
    case Kind::unsigned_int:
        if (type == 'c') {
            write_char(out, spec, static_cast<char>(arg.unsigned_value));
            return true;
        }
        if (type != 0 && !is_numeric_type(type) && type != 'p') return false;
        write_number(out, spec, arg.unsigned_value, false, type);
        return true;
    case Kind::boolean:
        if (type == 0 || type == 's') {
            write_padded(out, spec, StringView(),
                         arg.unsigned_value ? StringView("true") : StringView("false"), false);
            return true;
        }
        if (!is_numeric_type(type)) return false;
        write_number(out, spec, arg.unsigned_value, false, type);
        return true;
    case Kind::character:
        if (type == 0 || type == 'c' || type == 's') {
            write_char(out, spec, static_cast<char>(arg.unsigned_value));
            return true;
        }
        if (!is_numeric_type(type)) return false;
        write_number(out, spec, arg.unsigned_value, false, type);
        return true;
    case Kind::string:
        if (type != 0 && type != 's') return false;
        write_padded(out, spec, StringView(), StringView(arg.text.data, arg.text.size), false);
        return true;
    case Kind::pointer:
        if (type == 'c' || type == 's') return false;
        write_number(out, spec, arg.unsigned_value, false, type == 0 ? 'p' : type);
        return true;
    }
    return false;
}

// A sink over a fixed buffer that silently drops what does not fit, keeping
// one byte for the terminating NUL.
class BufferSink final : public OutputSink {
public:
    BufferSink(char* buf, size_t capacity) : buf_(buf), capacity_(capacity) {}

    void write(StringView text) override {
        if (capacity_ == 0) return;
        for (char c : text) {
            if (length_ + 1 >= capacity_) return;
            buf_[length_++] = c;
        }
    }

    size_t finish() {
        if (capacity_ > 0) buf_[length_] = '\0';
        return length_;
    }

private:
    char* buf_;
    size_t capacity_;
    size_t length_ = 0;
};

} // namespace

void vprint_to(OutputSink& out, StringView fmt, const FormatArg* args, size_t arg_count) {
    size_t next_arg = 0;
    size_t literal_start = 0; // start of the pending run of plain text
    size_t i = 0;
    auto flush_literal = [&](size_t end) {
        if (end > literal_start) out.write(fmt.substr(literal_start, end - literal_start));
    };

    while (i < fmt.size()) {
        const char c = fmt[i];
        if (c != '{' && c != '}') {
            ++i;
            continue;
        }
        // `{{` and `}}` print one brace; a lone `}` is printed as it is.
        if (i + 1 < fmt.size() && fmt[i + 1] == c) {
            flush_literal(i + 1);
            i += 2;
            literal_start = i;
            continue;
        }
        if (c == '}') {
            ++i;
            continue;
        }
        const size_t close = fmt.find('}', i + 1);
        if (close == StringView::npos) break; // unterminated: print the rest as text
        flush_literal(i);
        const StringView inner = fmt.substr(i + 1, close - i - 1);
        i = close + 1;
        literal_start = i;

        if (next_arg >= arg_count) {
            out.write("{?}");
            continue;
        }
        const FormatArg& arg = args[next_arg++];
        Spec spec;
        if (!parse_spec(inner, spec) || !write_arg(out, spec, arg)) {
            out.write("{!}");
            write_arg(out, Spec(), arg);
        }
    }
    flush_literal(fmt.size());
}

size_t vformat(char* buf, size_t capacity, StringView fmt, const FormatArg* args,
               size_t arg_count) {
    BufferSink sink(buf, capacity);
    vprint_to(sink, fmt, args, arg_count);
    return sink.finish();
}

} // namespace pv
