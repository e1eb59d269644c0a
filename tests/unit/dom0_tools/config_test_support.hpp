// Helpers for the config parser tests: parse text, get the message.
#pragma once

#include "dom0-tools/lib/config/domain_config.hpp"

#include <string>

namespace config_test {

struct Parsed {
    bool ok = false;
    pv::Errno error{};
    pv::tools::DomainConfig config;
    std::string message; // the error line, or empty
    std::string warning; // the first warning, or empty
    unsigned warning_count = 0;
    unsigned line = 0;
};

inline Parsed parse(const std::string& text, const char* file_name = "hello.cfg") {
    pv::tools::ConfigError error;
    const auto result =
        pv::tools::parse_domain_config(file_name, pv::StringView(text.data(), text.size()), error);
    Parsed parsed;
    parsed.ok = result.is_ok();
    parsed.error = result.error();
    if (result.is_ok()) parsed.config = result.value();
    parsed.message = error.message;
    parsed.warning = error.warning;
    parsed.warning_count = error.warning_count;
    parsed.line = error.line;
    return parsed;
}

// The two lines every valid config needs, for tests about other settings.
inline const std::string k_required = "name = \"guest\"\nkernel = \"/guests/k\"\n";

// The path of a sample config, found from this file's own path.
inline std::string sample_path(const char* name) {
    std::string here = __FILE__;
    const auto cut = here.rfind("tests/unit/dom0_tools/");
    return here.substr(0, cut) + "dom0-tools/lib/config/samples/" + name;
}

} // namespace config_test
