// parse_domain_config(): a Parser (config_parser.hpp) over the file, then
// over the overrides, then finish(). The first problem ends the parse.
#include "dom0-tools/lib/config/domain_config.hpp"

#include "dom0-tools/lib/config/config_parser.hpp"

namespace pv::tools {
namespace {

Result<DomainConfig> parse(StringView file_name, StringView text, StringView overrides_name,
                           const StringView* overrides, ConfigError& error) {
    error = ConfigError();
    DomainConfig config;
    detail::Parser parser(config, error);
    TRY(parser.parse(file_name, text));
    if (overrides != nullptr) TRY(parser.parse(overrides_name, *overrides));
    TRY(parser.finish());
    return config;
}

} // namespace

Result<DomainConfig> parse_domain_config(StringView file_name, StringView text,
                                         ConfigError& error) {
    return parse(file_name, text, StringView(), nullptr, error);
}

Result<DomainConfig> parse_domain_config(StringView file_name, StringView text,
                                         StringView overrides_name, StringView overrides,
                                         ConfigError& error) {
    return parse(file_name, text, overrides_name, &overrides, error);
}

StringView domain_type_name(DomainType type) {
    switch (type) {
    case DomainType::pv:
        return "pv";
    case DomainType::pvh:
        return "pvh";
    case DomainType::automatic:
        return "auto";
    }
    return "?";
}

StringView shutdown_action_name(ShutdownAction action) {
    switch (action) {
    case ShutdownAction::destroy:
        return "destroy";
    case ShutdownAction::restart:
        return "restart";
    case ShutdownAction::preserve:
        return "preserve";
    }
    return "?";
}

} // namespace pv::tools
