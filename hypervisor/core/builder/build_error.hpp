// How the domain builder explains a refusal. Every check that can reject a
// kernel names its reason in a static message the console prints as is; the
// few messages that name something (a feature, a page count) carry it beside
// the message and render() puts it where the message says "{}".
#pragma once

#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::builder {

struct BuildError {
    enum class Detail : uint8_t { none, text, number };

    const char* message = nullptr; // static text; "{}" marks where the detail goes
    Detail detail = Detail::none;
    StringView text;     // Detail::text: e.g. a feature name (points into the image)
    uint64_t number = 0; // Detail::number: e.g. pages needed

    // The message with its detail filled in, NUL-terminated and cut to fit.
    // Returns the number of characters stored.
    size_t render(char* buf, size_t capacity) const;
};

// Records why (when the caller passed somewhere to record it) and returns
// the error, so a check reads `return fail(error, Errno::einval, "...");`.
inline Status fail(BuildError* out, Errno code, const char* message) {
    if (out != nullptr) *out = BuildError{message, BuildError::Detail::none, StringView(), 0};
    return code;
}

inline Status fail_naming(BuildError* out, Errno code, const char* message, StringView text) {
    if (out != nullptr) *out = BuildError{message, BuildError::Detail::text, text, 0};
    return code;
}

inline Status fail_counting(BuildError* out, Errno code, const char* message, uint64_t number) {
    if (out != nullptr)
        *out = BuildError{message, BuildError::Detail::number, StringView(), number};
    return code;
}

} // namespace pv::builder
