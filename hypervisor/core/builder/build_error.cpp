#include "core/builder/build_error.hpp"

#include "lib/format.hpp"

namespace pv::builder {

size_t BuildError::render(char* buf, size_t capacity) const {
    const StringView fmt = message != nullptr ? StringView(message) : StringView("unknown error");
    switch (detail) {
    case Detail::text:
        return format(buf, capacity, fmt, text);
    case Detail::number:
        return format(buf, capacity, fmt, number);
    case Detail::none:
        break;
    }
    return format(buf, capacity, fmt);
}

} // namespace pv::builder
