// The parser behind parse_domain_config(), shared by its two halves:
// config_parser.cpp reads statements and turns tokens into values,
// config_settings.cpp applies each value to the DomainConfig and checks
// what spans settings. Internal to dom0-tools/lib/config.
#pragma once

#include "dom0-tools/lib/config/config_lexer.hpp"
#include "dom0-tools/lib/config/domain_config.hpp"

namespace pv::tools::detail {

enum class Key : uint8_t {
    name,
    type,
    kernel,
    ramdisk,
    cmdline,
    root,
    extra,
    memory,
    maxmem,
    vcpus,
    maxvcpus,
    cpus,
    weight,
    cap,
    on_poweroff,
    on_reboot,
    on_crash,
};
inline constexpr size_t k_key_count = static_cast<size_t>(Key::on_crash) + 1;

struct Setting {
    const char* name;
    Key key;
};

// The setting `name` spells, or nullptr.
const Setting* find_setting(StringView name);
// Whether `name` is an xl setting we know but do not implement.
bool is_unsupported_xl_setting(StringView name);

// The longest list we accept: `cpus` has one entry per vCPU.
inline constexpr uint32_t k_max_list_entries = k_config_max_vcpus;

struct Value {
    bool is_list = false;
    Token scalar; // the value, or the '[' that opens the list
    Token items[k_max_list_entries];
    uint32_t count = 0;
};

// Where a key was last set; line 0: not set.
struct Site {
    uint8_t source = 0;
    uint32_t line = 0;
    StringView spelled; // "weight" or "cpu_weight"
    bool is_set() const { return line != 0; }
};

class Parser {
public:
    Parser(DomainConfig& config, ConfigError& error) : config_(config), error_(error) {}

    Status parse(StringView source_name, StringView text);
    Status finish();

private:
    // ---- messages: "SOURCE:LINE: ..." into error_ --------------------------
    template <typename... Args>
    Status fail_at(uint8_t source, uint32_t line, StringView fmt, const Args&... args) {
        const size_t size = sizeof error_.message;
        size_t n = line != 0 ? format(error_.message, size, "{}:{}: ", sources_[source], line)
                             : format(error_.message, size, "{}: ", sources_[source]);
        format(error_.message + n, size - n, fmt, args...);
        error_.line = line;
        return Errno::einval;
    }
    template <typename... Args> Status fail(uint32_t line, StringView fmt, const Args&... args) {
        return fail_at(source_, line, fmt, args...);
    }
    template <typename... Args>
    void warn_at(uint8_t source, uint32_t line, StringView fmt, const Args&... args) {
        if (error_.warning_count++ != 0) return;
        const size_t size = sizeof error_.warning;
        const size_t n = format(error_.warning, size, "{}:{}: warning: ", sources_[source], line);
        format(error_.warning + n, size - n, fmt, args...);
    }
    // Into `buf` (sizeof described_ bytes) or, by default, into described_.
    StringView printable(StringView text, StringView before, StringView after, char* buf = nullptr);
    StringView describe(const Token& token);
    Status lexical_error(const Token& token, StringView key);

    // ---- statements and values (config_parser.cpp) ---------------------------
    Status statement(const Token& first);
    Status read_value(StringView key, Value& value);
    Status read_list(StringView key, const Token& open, Value& value);
    Status text_value(StringView key, const Value& value, char* out, size_t size, size_t at);
    Status token_text(StringView key, const Token& token, char* out, size_t size, size_t at);
    Status choice_text(StringView key, const Value& value, char* out, size_t size);
    Status number_value(StringView key, const Value& value, StringView what, uint64_t min,
                        uint64_t max, StringView unit, uint64_t& out);
    Status cpu_list_value(StringView key, const Token& token, uint32_t entry, uint64_t& mask);

    // ---- settings (config_settings.cpp) ------------------------------------
    Status apply(Key key, StringView spelled, bool append, const Value& value);
    Status apply_name(StringView key, const Value& value, bool append);
    Status apply_action(StringView key, const Value& value, ShutdownAction& out);

    Site& site(Key key) { return sites_[static_cast<size_t>(key)]; }
    Status compose_cmdline();

    DomainConfig& config_;
    ConfigError& error_;
    ConfigLexer lexer_{StringView()};
    StringView sources_[2]; // the file, then the overrides
    uint8_t source_ = 0;    // the one being read
    uint8_t source_count_ = 0;
    Site sites_[k_key_count];
    // root and extra wait here until finish() knows whether cmdline wins.
    char root_[k_config_path_size] = {};
    char extra_[k_config_cmdline_size] = {};
    char described_[72] = {}; // printable()'s output
    char item_[sizeof described_] = {};
};

} // namespace pv::tools::detail
