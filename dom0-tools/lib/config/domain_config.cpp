// The xl.cfg parser: tokens from ConfigLexer, one statement at a time
// (`KEY = VALUE` or `KEY += VALUE`, ended by a newline or ';'), each value
// applied to the DomainConfig at once; finish() fills in the defaults that
// depend on other settings and checks what spans settings. The first
// problem ends the parse.
#include "dom0-tools/lib/config/domain_config.hpp"

#include "dom0-tools/lib/config/config_lexer.hpp"
#include "dom0-tools/lib/config/cpu_list.hpp"
#include "dom0-tools/lib/config/text.hpp"

namespace pv::tools {
namespace {

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

constexpr Setting k_settings[] = {
    {"name", Key::name},
    {"type", Key::type},
    {"kernel", Key::kernel},
    {"ramdisk", Key::ramdisk},
    {"cmdline", Key::cmdline},
    {"root", Key::root},
    {"extra", Key::extra},
    {"memory", Key::memory},
    {"maxmem", Key::maxmem},
    {"vcpus", Key::vcpus},
    {"maxvcpus", Key::maxvcpus},
    {"cpus", Key::cpus},
    {"weight", Key::weight},
    {"cpu_weight", Key::weight}, // xl's name for it
    {"cap", Key::cap},
    {"on_poweroff", Key::on_poweroff},
    {"on_reboot", Key::on_reboot},
    {"on_crash", Key::on_crash},
};

// Common xl settings we know but do not implement: said so, rather than
// "unknown", so that a config written for Xen fails with the right hint.
constexpr const char* k_unsupported_xl_settings[] = {
    "bootloader", "builder", "cpus_soft", "disk", "firmware", "on_soft_reset", "on_watchdog",
    "pci", "pool", "serial", "uuid", "vfb", "vif", "vkb", "vnc",
};

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

bool is_number_word(const Token& token) {
    return token.kind == TokenKind::word && !token.text.empty() && token.text[0] >= '0' &&
           token.text[0] <= '9';
}

bool is_name_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
}

void clear(char* field, size_t size) {
    for (size_t i = 0; i < size; ++i)
        field[i] = '\0';
}

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
        return Errno::EINVAL;
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
    StringView describe(const Token& token);
    Status lexical_error(const Token& token, StringView key);

    // ---- statements and values ----------------------------------------------
    Status statement(const Token& first);
    Status read_value(StringView key, Value& value);
    Status read_list(StringView key, const Token& open, Value& value);
    Status apply(Key key, StringView spelled, bool append, const Value& value);

    Status text_value(StringView key, const Value& value, char* out, size_t size, size_t at);
    Status choice_text(StringView key, const Value& value, char* out, size_t size);
    Status number_value(StringView key, const Value& value, StringView what, uint64_t min,
                        uint64_t max, StringView unit, uint64_t& out);
    Status cpu_list_value(StringView key, const Token& token, uint32_t entry, uint64_t& mask);
    Status apply_name(StringView key, const Value& value, bool append);
    Status apply_action(StringView key, const Value& value, ShutdownAction& out);

    Site& site(Key key) { return sites_[static_cast<size_t>(key)]; }
    Status compose_cmdline();

    DomainConfig& config_;
    ConfigError& error_;
    ConfigLexer lexer_{StringView()};
    StringView sources_[2];
    uint8_t source_ = 0;
    uint8_t source_count_ = 0;
    Site sites_[k_key_count];
    char root_[k_config_path_size] = {};
    char extra_[k_config_cmdline_size] = {};
    char described_[80] = {};
};

// How a token reads in a message: values as written, the rest in quotes.
StringView Parser::describe(const Token& token) {
    constexpr size_t k_shown = 60;
    switch (token.kind) {
    case TokenKind::newline: return "the end of the line";
    case TokenKind::end: return "the end of the file";
    case TokenKind::string:
    case TokenKind::unterminated_string:
        if (token.text.size() <= k_shown) return token.text;
        format(described_, sizeof described_, "{}...", token.text.substr(0, k_shown));
        return described_;
    default:
        if (token.text.size() <= k_shown)
            format(described_, sizeof described_, "'{}'", token.text);
        else
            format(described_, sizeof described_, "'{}...'", token.text.substr(0, k_shown));
        return described_;
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
        case TokenKind::end: return Status::ok();
        case TokenKind::newline:
        case TokenKind::semicolon: continue;
        default: TRY(statement(token));
        }
    }
}

Status Parser::statement(const Token& first) {
    if (first.kind == TokenKind::unterminated_string || first.kind == TokenKind::bad_character)
        return lexical_error(first, StringView());
    const Token op = first.kind == TokenKind::word ? lexer_.next() : first;
    if (first.kind != TokenKind::word ||
        (op.kind != TokenKind::equals && op.kind != TokenKind::plus_equals)) {
        const StringView line = lexer_.line_text(first);
        if (line.size() > 60)
            return fail(first.line, "expected 'setting = value', got: {}...", line.substr(0, 60));
        return fail(first.line, "expected 'setting = value', got: {}", line);
    }

    const StringView key = first.text;
    const Setting* setting = nullptr;
    for (const Setting& candidate : k_settings)
        if (key == StringView(candidate.name)) setting = &candidate;
    if (setting == nullptr) {
        for (const char* known : k_unsupported_xl_settings)
            if (key == StringView(known))
                return fail(first.line, "'{}' is an xl setting that Paravane does not support",
                            key);
        return fail(first.line, "unknown setting '{}'", key);
    }

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
    case TokenKind::open_bracket: return read_list(key, token, value);
    case TokenKind::unterminated_string:
    case TokenKind::bad_character: return lexical_error(token, key);
    case TokenKind::newline:
    case TokenKind::semicolon:
    case TokenKind::end: return fail(token.line, "{}: missing value after '='", key);
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
        if (token.kind == TokenKind::unterminated_string ||
            token.kind == TokenKind::bad_character)
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
        if (token.kind == TokenKind::unterminated_string ||
            token.kind == TokenKind::bad_character)
            return lexical_error(token, key);
        return fail(token.line, "{}: expected ',' or ']' in the list, got {}", key,
                    describe(token));
    }
}

// A text setting's value into `out` at `at` (0, or the old length for +=).
Status Parser::text_value(StringView key, const Value& value, char* out, size_t size, size_t at) {
    const Token& token = value.scalar;
    if (value.is_list)
        return fail(token.line, "{}: expected text in quotes, got a list", key);
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
        return fail(token.line, "{}: invalid escape '{}' in {}", key, result.escape,
                    describe(token));
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

Status Parser::cpu_list_value(StringView key, const Token& token, uint32_t entry,
                              uint64_t& mask) {
    char text[k_config_path_size];
    Value single;
    single.scalar = token;
    TRY(text_value(key, single, text, sizeof text, 0));

    char where[24] = {};
    if (entry != 0) format(where, sizeof where, "entry {}: ", entry);
    const CpuListParse parsed = parse_cpu_list(StringView(text));
    using Problem = CpuListParse::Problem;
    switch (parsed.problem) {
    case Problem::none: mask = parsed.mask; return Status::ok();
    case Problem::empty:
        return fail(token.line, "{}: {}empty CPU list (leave 'cpus' out for no pinning)", key,
                    where);
    case Problem::bad_item:
        if (parsed.item.empty())
            return fail(token.line, "{}: {}empty item in {}", key, where, describe(token));
        return fail(token.line, "{}: {}'{}' in {} is not a CPU, a range N-M or all", key, where,
                    parsed.item, describe(token));
    case Problem::numa:
        return fail(token.line, "{}: {}NUMA node lists ('{}') are not supported", key, where,
                    parsed.item);
    case Problem::cpu_too_high:
        return fail(token.line, "{}: {}CPU {} is beyond the {} host CPUs Paravane supports", key,
                    where, parsed.number, k_config_max_host_cpus);
    case Problem::backwards:
        return fail(token.line, "{}: {}range '{}' runs backwards", key, where, parsed.item);
    case Problem::no_cpu:
        return fail(token.line, "{}: {}{} selects no CPU", key, where, describe(token));
    }
    return Errno::EINVAL;
}

Status Parser::apply_name(StringView key, const Value& value, bool append) {
    const size_t at = append ? length_of(config_.name, sizeof config_.name) : 0;
    if (!append) clear(config_.name, sizeof config_.name);
    TRY(text_value(key, value, config_.name, sizeof config_.name, at));
    const StringView name(config_.name, length_of(config_.name, sizeof config_.name));
    const uint32_t line = value.scalar.line;
    if (name.empty()) return fail(line, "{}: must not be empty", key);
    bool all_digits = true;
    for (char c : name) {
        if (!is_name_character(c))
            return fail(line, "{}: '{}' may contain only letters, digits, '-', '_' and '.'", key,
                        name);
        if (c < '0' || c > '9') all_digits = false;
    }
    if (all_digits)
        return fail(line, "{}: '{}' is all digits, which pvctl would take for a domain id", key,
                    name);
    return Status::ok();
}

Status Parser::apply_action(StringView key, const Value& value, ShutdownAction& out) {
    char text[24];
    TRY(choice_text(key, value, text, sizeof text));
    const StringView word(text);
    const uint32_t line = value.scalar.line;
    if (word == "destroy") {
        out = ShutdownAction::destroy;
    } else if (word == "restart") {
        out = ShutdownAction::restart;
    } else if (word == "preserve") {
        out = ShutdownAction::preserve;
    } else if (word == "rename-restart" || word == "coredump-destroy" ||
               word == "coredump-restart" || word == "soft-reset") {
        return fail(line,
                    "{}: {} is an xl action Paravane does not support "
                    "(use \"destroy\", \"restart\" or \"preserve\")",
                    key, describe(value.scalar));
    } else {
        return fail(line, "{}: expected \"destroy\", \"restart\" or \"preserve\", got {}", key,
                    describe(value.scalar));
    }
    return Status::ok();
}

Status Parser::apply(Key key, StringView spelled, bool append, const Value& value) {
    auto text_field = [&](char* field, size_t size) -> Status {
        const size_t at = append ? length_of(field, size) : 0;
        if (!append) clear(field, size);
        return text_value(spelled, value, field, size, at);
    };
    auto path_field = [&](char* field, size_t size) -> Status {
        TRY(text_field(field, size));
        if (field[0] == '\0') return fail(value.scalar.line, "{}: must not be empty", spelled);
        return Status::ok();
    };
    const bool is_text = key == Key::name || key == Key::kernel || key == Key::ramdisk ||
                         key == Key::cmdline || key == Key::root || key == Key::extra;
    if (append && !is_text)
        return fail(value.scalar.line,
                    "{}: '+=' only appends to text settings (name, kernel, ramdisk, cmdline, "
                    "root, extra)",
                    spelled);

    uint64_t number = 0;
    switch (key) {
    case Key::name: return apply_name(spelled, value, append);
    case Key::kernel: return path_field(config_.kernel, sizeof config_.kernel);
    case Key::ramdisk: return path_field(config_.ramdisk, sizeof config_.ramdisk);
    case Key::cmdline: return text_field(config_.cmdline, sizeof config_.cmdline);
    case Key::root: return text_field(root_, sizeof root_);
    case Key::extra: return text_field(extra_, sizeof extra_);
    case Key::type: {
        char text[16];
        TRY(choice_text(spelled, value, text, sizeof text));
        const StringView word(text);
        if (word == "pv")
            config_.type = DomainType::pv;
        else if (word == "pvh")
            config_.type = DomainType::pvh;
        else if (word == "auto")
            config_.type = DomainType::automatic;
        else if (word == "hvm")
            return fail(value.scalar.line,
                        "{}: HVM guests are not supported (use \"pv\", \"pvh\" or \"auto\")",
                        spelled);
        else
            return fail(value.scalar.line, "{}: expected \"pv\", \"pvh\" or \"auto\", got {}",
                        spelled, describe(value.scalar));
        return Status::ok();
    }
    case Key::memory:
    case Key::maxmem:
        TRY(number_value(spelled, value, "a number of MiB", 1, k_config_max_memory_mib, " MiB",
                         number));
        (key == Key::memory ? config_.memory_mib : config_.maxmem_mib) = number;
        return Status::ok();
    case Key::vcpus:
    case Key::maxvcpus:
        TRY(number_value(spelled, value, "a number of vCPUs", 1, k_config_max_vcpus, "",
                         number));
        (key == Key::vcpus ? config_.vcpus : config_.max_vcpus) = static_cast<uint32_t>(number);
        return Status::ok();
    case Key::weight:
        TRY(number_value(spelled, value, "a weight", 1, k_config_max_weight, "", number));
        config_.weight = static_cast<uint32_t>(number);
        return Status::ok();
    case Key::cap:
        TRY(number_value(spelled, value, "a percentage of one CPU", 0,
                         100 * uint64_t{k_config_max_vcpus}, "", number));
        config_.cap = static_cast<uint32_t>(number);
        return Status::ok();
    case Key::cpus: {
        // Parse every entry before changing anything; unlisted vCPUs are unpinned.
        uint64_t masks[k_config_max_vcpus];
        for (uint64_t& mask : masks)
            mask = k_config_all_cpus;
        if (!value.is_list) {
            TRY(cpu_list_value(spelled, value.scalar, 0, masks[0]));
            for (uint64_t& mask : masks)
                mask = masks[0];
        } else {
            for (uint32_t i = 0; i < value.count; ++i)
                TRY(cpu_list_value(spelled, value.items[i], i + 1, masks[i]));
        }
        for (uint32_t i = 0; i < k_config_max_vcpus; ++i)
            config_.cpu_affinity[i] = masks[i];
        config_.pinning = value.is_list ? CpuPinning::per_vcpu : CpuPinning::all;
        config_.pinned_vcpus = value.is_list ? value.count : 0;
        return Status::ok();
    }
    case Key::on_poweroff: return apply_action(spelled, value, config_.on_poweroff);
    case Key::on_reboot: return apply_action(spelled, value, config_.on_reboot);
    case Key::on_crash: return apply_action(spelled, value, config_.on_crash);
    }
    return Errno::EINVAL;
}

// xl: cmdline wins over root and extra; without it the command line is
// "root=ROOT EXTRA", "root=ROOT" or "EXTRA".
Status Parser::compose_cmdline() {
    const Site& root = site(Key::root);
    const Site& extra = site(Key::extra);
    const Site& cmdline = site(Key::cmdline);
    if (cmdline.is_set()) {
        if (root.is_set() && extra.is_set())
            warn_at(cmdline.source, cmdline.line,
                    "'root' and 'extra' are ignored because 'cmdline' is set");
        else if (root.is_set() || extra.is_set())
            warn_at(cmdline.source, cmdline.line, "'{}' is ignored because 'cmdline' is set",
                    root.is_set() ? "root" : "extra");
        return Status::ok();
    }
    if (!root.is_set() && !extra.is_set()) return Status::ok();

    char* out = config_.cmdline;
    const size_t size = sizeof config_.cmdline;
    clear(out, size);
    size_t n = 0;
    if (root.is_set()) n = format(out, size, "root={}", root_);
    if (root.is_set() && extra.is_set()) n += format(out + n, size - n, " ");
    if (extra.is_set()) n += format(out + n, size - n, "{}", extra_);
    const size_t wanted = (root.is_set() ? 5 + length_of(root_, sizeof root_) : 0) +
                          (root.is_set() && extra.is_set() ? 1 : 0) +
                          (extra.is_set() ? length_of(extra_, sizeof extra_) : 0);
    if (n != wanted) {
        const Site& last = root.line > extra.line ? root : extra;
        return fail_at(last.source, last.line,
                       "{}: the command line made from 'root' and 'extra' is longer than {} "
                       "characters",
                       last.spelled, size - 1);
    }
    return Status::ok();
}

Status Parser::finish() {
    if (!site(Key::name).is_set()) return fail_at(0, 0, "missing required setting 'name'");
    if (!site(Key::kernel).is_set()) return fail_at(0, 0, "missing required setting 'kernel'");

    // libxl: maxmem defaults to memory, and memory to maxmem.
    const Site& memory = site(Key::memory);
    const Site& maxmem = site(Key::maxmem);
    if (!maxmem.is_set()) config_.maxmem_mib = config_.memory_mib;
    if (!memory.is_set()) config_.memory_mib = config_.maxmem_mib;
    if (config_.maxmem_mib < config_.memory_mib)
        return fail_at(maxmem.source, maxmem.line, "{}: {} MiB is less than memory ({} MiB)",
                       maxmem.spelled, config_.maxmem_mib, config_.memory_mib);

    const Site& maxvcpus = site(Key::maxvcpus);
    if (!maxvcpus.is_set()) config_.max_vcpus = config_.vcpus;
    if (config_.max_vcpus < config_.vcpus)
        return fail_at(maxvcpus.source, maxvcpus.line, "{}: {} is less than vcpus ({})",
                       maxvcpus.spelled, config_.max_vcpus, config_.vcpus);

    const Site& cap = site(Key::cap);
    const uint32_t cap_limit = 100 * config_.max_vcpus;
    if (config_.cap > cap_limit)
        return fail_at(cap.source, cap.line, "{}: {} is more than {} vCPU{} can use (at most {})",
                       cap.spelled, config_.cap, config_.max_vcpus,
                       config_.max_vcpus == 1 ? "" : "s", cap_limit);

    const Site& cpus = site(Key::cpus);
    if (config_.pinning == CpuPinning::per_vcpu && config_.pinned_vcpus > config_.max_vcpus)
        return fail_at(cpus.source, cpus.line, "{}: {} entries for at most {} vCPU{}",
                       cpus.spelled, config_.pinned_vcpus, config_.max_vcpus,
                       config_.max_vcpus == 1 ? "" : "s");

    return compose_cmdline();
}

Result<DomainConfig> parse(StringView file_name, StringView text, StringView overrides_name,
                           const StringView* overrides, ConfigError& error) {
    error = ConfigError();
    DomainConfig config;
    Parser parser(config, error);
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
    case DomainType::pv: return "pv";
    case DomainType::pvh: return "pvh";
    case DomainType::automatic: return "auto";
    }
    return "?";
}

StringView shutdown_action_name(ShutdownAction action) {
    switch (action) {
    case ShutdownAction::destroy: return "destroy";
    case ShutdownAction::restart: return "restart";
    case ShutdownAction::preserve: return "preserve";
    }
    return "?";
}

} // namespace pv::tools
