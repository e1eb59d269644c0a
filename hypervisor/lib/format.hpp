// A type-safe printf replacement for freestanding code.
//
//   print_to(sink, "mfn {:#x} owned by d{}", mfn, domid);
//   format(buf, sizeof buf, "{:>8}|{:08b}", name, flags);
//
// Placeholders: `{}` or `{:[fill][<|>][#][0][width][x|X|d|b|o|c|s|p]}`;
// `{{` and `}}` are literal braces. Each argument is turned into a small
// tagged FormatArg by an inline template, and one non-template routine does
// the formatting, so each call site costs only an array of FormatArg.
//
// Formatting never fails: a placeholder without an argument prints `{?}`, a
// spec that cannot be parsed or does not fit the argument prints `{!}`
// followed by the argument in its default form, extra arguments are ignored.
#pragma once

#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace pv {

// Where formatted text goes: a serial port, a ring buffer, a test capture.
class OutputSink {
public:
    virtual void write(StringView text) = 0;

protected:
    ~OutputSink() = default;
};

// One argument, type-erased. Trivially copyable on purpose.
struct FormatArg {
    enum class Kind : uint8_t { signed_int, unsigned_int, boolean, character, string, pointer };
    struct Text {
        const char* data;
        size_t size;
    };

    Kind kind;
    union {
        Text text; // first, so that `FormatArg{}` zeroes the whole union
        int64_t signed_value;
        uint64_t unsigned_value; // unsigned_int, boolean (0/1), character (code), pointer
    };

    static FormatArg make(Kind kind, uint64_t value) {
        FormatArg a{};
        a.kind = kind;
        a.unsigned_value = value;
        return a;
    }
    static FormatArg make_signed(int64_t value) {
        FormatArg a{};
        a.kind = Kind::signed_int;
        a.signed_value = value;
        return a;
    }
    static FormatArg make_string(const char* data, size_t size) {
        FormatArg a{};
        a.kind = Kind::string;
        a.text = Text{data, size};
        return a;
    }
};

namespace detail {

template <typename> inline constexpr bool unsupported_format_arg = false;

template <typename T> FormatArg to_format_arg(const T& value) {
    using U = std::remove_cv_t<T>;
    using Kind = FormatArg::Kind;
    if constexpr (std::is_enum_v<U>) {
        // Enums print as their number, whatever the underlying type is.
        using Under = std::underlying_type_t<U>;
        const auto raw = static_cast<Under>(value);
        if constexpr (std::is_signed_v<Under>)
            return FormatArg::make_signed(static_cast<int64_t>(raw));
        else
            return FormatArg::make(Kind::unsigned_int, static_cast<uint64_t>(raw));
    } else if constexpr (std::is_same_v<U, bool>) {
        return FormatArg::make(Kind::boolean, value ? 1 : 0);
    } else if constexpr (std::is_same_v<U, char>) {
        return FormatArg::make(Kind::character, static_cast<unsigned char>(value));
    } else if constexpr (std::is_integral_v<U> && std::is_signed_v<U>) {
        return FormatArg::make_signed(static_cast<int64_t>(value));
    } else if constexpr (std::is_integral_v<U>) {
        return FormatArg::make(Kind::unsigned_int, static_cast<uint64_t>(value));
    } else if constexpr (std::is_same_v<U, StringView>) {
        return FormatArg::make_string(value.data(), value.size());
    } else if constexpr (std::is_array_v<U>) {
        static_assert(std::is_same_v<std::remove_cv_t<std::remove_extent_t<U>>, char>,
                      "only char arrays can be formatted");
        // A char array need not be NUL-terminated: never read past its end.
        size_t n = 0;
        while (n < std::extent_v<U> && value[n] != '\0')
            ++n;
        return FormatArg::make_string(value, n);
    } else if constexpr (std::is_pointer_v<U> &&
                         std::is_same_v<std::remove_cv_t<std::remove_pointer_t<U>>, char>) {
        if (value == nullptr) return FormatArg::make_string("(null)", 6);
        const StringView text(value);
        return FormatArg::make_string(text.data(), text.size());
    } else if constexpr (std::is_pointer_v<U>) {
        return FormatArg::make(Kind::pointer, reinterpret_cast<uintptr_t>(value));
    } else if constexpr (std::is_null_pointer_v<U>) {
        return FormatArg::make(Kind::pointer, 0);
    } else {
        static_assert(unsupported_format_arg<T>, "this type cannot be formatted");
        return FormatArg::make(Kind::unsigned_int, 0);
    }
}

} // namespace detail

// The non-template workers behind print_to() and format().
void vprint_to(OutputSink& out, StringView fmt, const FormatArg* args, size_t arg_count);
size_t vformat(char* buf, size_t capacity, StringView fmt, const FormatArg* args, size_t arg_count);

template <typename... Args> void print_to(OutputSink& out, StringView fmt, const Args&... args) {
    if constexpr (sizeof...(Args) == 0) {
        vprint_to(out, fmt, nullptr, 0);
    } else {
        const FormatArg packed[] = {detail::to_format_arg(args)...};
        vprint_to(out, fmt, packed, sizeof...(Args));
    }
}

// Formats into buf. Always NUL-terminates when capacity > 0, cuts off what
// does not fit, and returns the number of characters stored (without NUL).
template <typename... Args>
size_t format(char* buf, size_t capacity, StringView fmt, const Args&... args) {
    if constexpr (sizeof...(Args) == 0) {
        return vformat(buf, capacity, fmt, nullptr, 0);
    } else {
        const FormatArg packed[] = {detail::to_format_arg(args)...};
        return vformat(buf, capacity, fmt, packed, sizeof...(Args));
    }
}

} // namespace pv
