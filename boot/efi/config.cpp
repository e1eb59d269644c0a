// paravane.cfg parser (format in config.hpp).
#include "boot/efi/config.hpp"

#include "lib/format.hpp"

namespace pv::efi {

namespace {

constexpr bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

StringView trim(StringView s) {
    size_t begin = 0, end = s.size();
    while (begin < end && is_blank(s[begin]))
        ++begin;
    while (end > begin && (is_blank(s[end - 1]) || s[end - 1] == '\r'))
        --end;
    return s.substr(begin, end - begin);
}

// The first word of `s` (already trimmed); `rest` gets what follows, trimmed.
StringView split_word(StringView s, StringView& rest) {
    size_t i = 0;
    while (i < s.size() && !is_blank(s[i]))
        ++i;
    rest = trim(s.substr(i));
    return s.substr(0, i);
}

bool copy_text(StringView text, char* dst, size_t capacity) {
    if (text.size() >= capacity) return false;
    for (size_t i = 0; i < text.size(); ++i)
        dst[i] = text[i];
    dst[text.size()] = '\0';
    return true;
}

template <typename... Args>
bool fail(ConfigError& error, unsigned line, StringView fmt, const Args&... args) {
    error.line = line;
    format(error.message, sizeof error.message, fmt, args...);
    return false;
}

bool parse_item(StringView keyword, StringView rest, unsigned line, size_t max_cmdline,
                ConfigItem& item, ConfigError& error) {
    StringView cmdline;
    const StringView path = split_word(rest, cmdline);
    if (path.empty()) return fail(error, line, "'{}' needs a file name", keyword);
    for (char c : path)
        if (c < 0x21 || c > 0x7e)
            return fail(error, line, "file name '{}' has a character outside printable ASCII",
                        path);
    if (!copy_text(path, item.path, sizeof item.path))
        return fail(error, line, "file name longer than {} characters", sizeof item.path - 1);
    if (cmdline.size() >= max_cmdline)
        return fail(error, line, "command line longer than {} characters", max_cmdline - 1);
    copy_text(cmdline, item.cmdline, sizeof item.cmdline);
    item.line = line;
    return true;
}

bool parse_line(StringView text, unsigned line, LoaderConfig& out, ConfigError& error) {
    for (char c : text)
        if (c == '\0') return fail(error, line, "NUL byte in the line (not a text file?)");
    StringView rest;
    const StringView keyword = split_word(text, rest);
    if (keyword == "hypervisor") {
        if (out.has_hypervisor)
            return fail(error, line, "a second 'hypervisor' line (the first is line {})",
                        out.hypervisor.line);
        out.has_hypervisor = true;
        return parse_item(keyword, rest, line, BootInfo::k_max_cmdline, out.hypervisor, error);
    }
    if (keyword == "module") {
        if (out.module_count == LoaderConfig::k_max_modules)
            return fail(error, line, "more than {} modules", LoaderConfig::k_max_modules);
        ConfigItem& item = out.modules[out.module_count++];
        return parse_item(keyword, rest, line, LoaderConfig::k_max_module_cmdline, item, error);
    }
    return fail(error, line, "unknown keyword '{}' (expected 'hypervisor' or 'module')", keyword);
}

} // namespace

bool parse_config(StringView text, LoaderConfig& out, ConfigError& error) {
    out.has_hypervisor = false;
    out.module_count = 0;
    error.line = 0;
    error.message[0] = '\0';
    if (text.size() > LoaderConfig::k_max_size)
        return fail(error, 0, "larger than {} bytes", LoaderConfig::k_max_size);

    unsigned line = 0;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == StringView::npos) end = text.size();
        ++line;
        const StringView content = trim(text.substr(start, end - start));
        start = end + 1;
        if (content.empty() || content[0] == '#') continue;
        if (!parse_line(content, line, out, error)) return false;
    }
    if (!out.has_hypervisor) return fail(error, 0, "no 'hypervisor' line");
    return true;
}

} // namespace pv::efi
