// Reading the `bench:` lines the bench verbs print, for their tests.
#pragma once

#include <regex>
#include <string>

namespace pv::test {

// The value of `key=` in the first line that starts with `prefix` (quotes
// kept), or a `<no ...>` text that no expected value equals.
inline std::string field(const std::string& out, const std::string& prefix, const std::string& key) {
    size_t at = out.find(prefix);
    if (at == std::string::npos) return "<no line " + prefix + ">";
    const std::string line = out.substr(at, out.find('\n', at) - at);
    std::smatch m;
    if (!std::regex_search(line, m, std::regex("(^| )" + key + "=(\"[^\"]*\"|[^ ]*)")))
        return "<no " + key + ">";
    return m[2];
}

} // namespace pv::test
