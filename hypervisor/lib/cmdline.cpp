// Command-line parsing: split into words, look each one up in two small
// tables (boolean flags, options with a value), apply or report.
#include "lib/cmdline.hpp"

#include "lib/format.hpp"

namespace pv {
namespace {

constexpr uint64_t k_u64_max = ~uint64_t{0};
constexpr uint64_t k_u32_max = 0xffffffffu;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Xen treats '-' and '_' in option names as the same character.
bool same_name(StringView a, StringView b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        const char x = a[i] == '_' ? '-' : a[i];
        const char y = b[i] == '_' ? '-' : b[i];
        if (x != y) return false;
    }
    return true;
}

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 99;
}

// Decimal, or hexadecimal with a 0x prefix. No sign, no garbage, no overflow.
bool parse_u64(StringView text, uint64_t& value) {
    uint64_t base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text = text.substr(2);
    }
    if (text.empty()) return false;
    uint64_t result = 0;
    for (char c : text) {
        const int digit = digit_value(c);
        if (digit >= static_cast<int>(base)) return false;
        if (result > (k_u64_max - static_cast<uint64_t>(digit)) / base) return false;
        result = result * base + static_cast<uint64_t>(digit);
    }
    value = result;
    return true;
}

// Xen's boolean spellings, for `flag=value`.
bool parse_bool(StringView text, bool& value) {
    if (text == "1" || text == "yes" || text == "true" || text == "on" || text == "enable") {
        value = true;
        return true;
    }
    if (text == "0" || text == "no" || text == "false" || text == "off" || text == "disable") {
        value = false;
        return true;
    }
    return false;
}

bool apply_console(StringView value, HypervisorOptions& out) {
    if (value == "none") {
        out.console = ConsoleSet::none();
        return true;
    }
    ConsoleSet set;
    size_t start = 0;
    while (start <= value.size()) {
        size_t comma = value.find(',', start);
        if (comma == StringView::npos) comma = value.size();
        const StringView item = value.substr(start, comma - start);
        if (item == "com1")
            set = set.with(ConsoleDevice::com1);
        else if (item == "com2")
            set = set.with(ConsoleDevice::com2);
        else if (item == "e9")
            set = set.with(ConsoleDevice::e9);
        else
            return false; // unknown device, "none" in a list, or an empty item
        start = comma + 1;
    }
    out.console = set;
    return true;
}

bool apply_loglvl(StringView value, HypervisorOptions& out) {
    struct Name {
        StringView name;
        LogLevel level;
    };
    static constexpr Name names[] = {
        {"error", LogLevel::error}, {"warning", LogLevel::warning}, {"info", LogLevel::info},
        {"debug", LogLevel::debug}, {"all", LogLevel::debug},
    };
    for (const Name& n : names) {
        if (value == n.name) {
            out.loglvl = n.level;
            return true;
        }
    }
    return false;
}

bool apply_maxcpus(StringView value, HypervisorOptions& out) {
    uint64_t n = 0;
    if (!parse_u64(value, n) || n == 0 || n > k_u32_max) return false;
    out.maxcpus = static_cast<uint32_t>(n);
    return true;
}

// log2 of the unit a size suffix names; 0 if `c` is not a suffix.
unsigned suffix_shift(char c) {
    switch (c | 0x20) { // ASCII lower case
    case 'k':
        return 10;
    case 'm':
        return 20;
    case 'g':
        return 30;
    case 't':
        return 40;
    default:
        return 0;
    }
}

// SIZE[K|M|G|T] (either case); a bare number is KiB, as Xen's dom0_mem.
bool apply_dom0_mem(StringView value, HypervisorOptions& out) {
    unsigned shift = value.empty() ? 0 : suffix_shift(value[value.size() - 1]);
    if (shift != 0)
        value = value.substr(0, value.size() - 1);
    else
        shift = 10;
    uint64_t n = 0;
    if (!parse_u64(value, n) || n == 0 || n > (k_u64_max >> shift)) return false;
    out.dom0_mem_bytes = n << shift;
    return true;
}

bool apply_test_fault(StringView value, HypervisorOptions& out) {
    struct Name {
        StringView name;
        TestFault fault;
    };
    static constexpr Name names[] = {
        {"none", TestFault::none},
        {"pf", TestFault::page_fault},
        {"gp", TestFault::general_protection},
        {"ud", TestFault::invalid_opcode},
        {"de", TestFault::divide_error},
        {"df", TestFault::double_fault},
    };
    for (const Name& n : names) {
        if (value == n.name) {
            out.test_fault = n.fault;
            return true;
        }
    }
    return false;
}

bool apply_apic_timer(StringView value, HypervisorOptions& out) {
    struct Name {
        StringView name;
        ApicTimerChoice choice;
    };
    static constexpr Name names[] = {
        {"auto", ApicTimerChoice::automatic},
        {"tsc-deadline", ApicTimerChoice::tsc_deadline},
        {"oneshot", ApicTimerChoice::one_shot},
        {"one-shot", ApicTimerChoice::one_shot},
    };
    for (const Name& n : names) {
        if (value == n.name) {
            out.apic_timer = n.choice;
            return true;
        }
    }
    return false;
}

struct FlagOption {
    StringView name;
    bool HypervisorOptions::*field;
};
constexpr FlagOption k_flag_options[] = {
    {"test-exit", &HypervisorOptions::test_exit},
    {"test-timer", &HypervisorOptions::test_timer},
    {"test-hvm", &HypervisorOptions::test_hvm},
    {"test-svm", &HypervisorOptions::test_hvm}, // its name from before VMX
    {"smap", &HypervisorOptions::smap},
    {"counters-at-exit", &HypervisorOptions::counters_at_exit},
};

struct ValueOption {
    StringView name;
    bool (*apply)(StringView value, HypervisorOptions& out);
};
constexpr ValueOption k_value_options[] = {
    {"console", apply_console},       {"loglvl", apply_loglvl},
    {"maxcpus", apply_maxcpus},       {"dom0-mem", apply_dom0_mem},
    {"test-fault", apply_test_fault}, {"apic-timer", apply_apic_timer},
};

template <typename Option, size_t N>
const Option* find_option(const Option (&table)[N], StringView name) {
    for (const Option& option : table)
        if (same_name(option.name, name)) return &option;
    return nullptr;
}

class Parser {
public:
    Parser(HypervisorOptions& out, CmdlineDiagnostics& diag) : out_(out), diag_(diag) {}

    void word(StringView word) {
        const size_t equals = word.find('=');
        const bool has_value = equals != StringView::npos;
        const StringView key = has_value ? word.substr(0, equals) : word;
        const StringView value = has_value ? word.substr(equals + 1) : StringView();

        if (const FlagOption* flag = find_option(k_flag_options, key)) {
            bool on = true;
            if (has_value && !parse_bool(value, on))
                return report("bad value '{}' for '{}'", value, key);
            out_.*flag->field = on;
            return;
        }
        if (const ValueOption* option = find_option(k_value_options, key)) {
            if (value.empty()) return report("missing value for '{}'", key);
            if (!option->apply(value, out_)) report("bad value '{}' for '{}'", value, key);
            return;
        }
        if (key.starts_with("no-")) {
            const StringView base = key.substr(3);
            if (const FlagOption* flag = find_option(k_flag_options, base)) {
                if (has_value) return report("option '{}' takes no value", key);
                out_.*flag->field = false;
                return;
            }
            if (find_option(k_value_options, base) != nullptr)
                return report("option '{}' is not a boolean", base);
        }
        report("unknown option '{}'", key);
    }

    bool had_errors() const { return had_errors_; }

private:
    template <typename... Args> void report(StringView fmt, const Args&... args) {
        char message[160];
        const size_t length = format(message, sizeof message, fmt, args...);
        diag_.report(StringView(message, length));
        had_errors_ = true;
    }

    HypervisorOptions& out_;
    CmdlineDiagnostics& diag_;
    bool had_errors_ = false;
};

} // namespace

Status parse_cmdline(StringView cmdline, HypervisorOptions& out, CmdlineDiagnostics& diag) {
    Parser parser(out, diag);
    bool first = true;
    size_t i = 0;
    while (i < cmdline.size()) {
        while (i < cmdline.size() && is_space(cmdline[i]))
            ++i;
        const size_t start = i;
        while (i < cmdline.size() && !is_space(cmdline[i]))
            ++i;
        if (i == start) break;
        const StringView word = cmdline.substr(start, i - start);
        // Multiboot1 loaders pass the image path as the first word.
        if (first && word[0] == '/') {
            first = false;
            continue;
        }
        first = false;
        parser.word(word);
    }
    return parser.had_errors() ? Status(Errno::einval) : Status::ok();
}

} // namespace pv
