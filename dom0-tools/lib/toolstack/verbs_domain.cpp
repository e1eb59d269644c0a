// create, destroy, shutdown, reboot, pause, unpause.
#include "dom0-tools/lib/toolstack/domain_builder.hpp"
#include "dom0-tools/lib/toolstack/domain_lookup.hpp"
#include "dom0-tools/lib/toolstack/help.hpp"
#include "dom0-tools/lib/toolstack/output.hpp"
#include "dom0-tools/lib/toolstack/pvctl.hpp"
#include "dom0-tools/lib/toolstack/verb_support.hpp"
#include "include/public/sched.hpp"

namespace pv::tools {

namespace {

constexpr size_t k_overrides_size = 1024;
constexpr const char* k_overrides_name = "command line"; // how parse errors name KEY=VALUE

bool is_setting(StringView word) {
    return word.find('=') != StringView::npos && word[0] != '=' && word[0] != '-';
}

// A relative image path in a config file names a file beside it.
bool resolve_beside(StringView config_path, char* path, size_t capacity) {
    if (path[0] == '\0' || path[0] == '/') return true;
    size_t slash = StringView::npos;
    for (size_t i = 0; i < config_path.size(); ++i)
        if (config_path[i] == '/') slash = i;
    if (slash == StringView::npos) return true;
    size_t length = 0;
    while (path[length] != '\0')
        ++length;
    const size_t dir = slash + 1;
    if (dir + length + 1 > capacity) return false;
    for (size_t i = length + 1; i-- > 0;)
        path[dir + i] = path[i];
    for (size_t i = 0; i < dir; ++i)
        path[i] = config_path[i];
    return true;
}

// A bare override value that the config syntax would refuse as unquoted
// text: anything but a number, a quoted string or a list.
bool needs_quotes(StringView value) {
    if (value.empty()) return false;
    const char first = value[0];
    if (first == '"' || first == '\'' || first == '[') return false;
    for (char c : value)
        if (c == '"' || c == '\\' || c == '\n') return false; // leave odd input to the parser's message
    bool number = true;
    for (char c : value)
        number = number && ((c >= '0' && c <= '9') || c == 'x' || c == 'X' || (c >= 'a' && c <= 'f') ||
                            (c >= 'A' && c <= 'F'));
    return !(number && first >= '0' && first <= '9');
}

// `VERB DOM` for a verb that acts on a guest: exactly one argument, a
// domain that exists, and not the control domain.
bool guest_argument(ControlPlane& hv, const Arguments& args, Terminal& term, abi::DomctlDomainInfo& info) {
    const StringView verb = args[0];
    if (args.count != 2)
        return usage_error(term, verb, args.count < 2 ? "which domain?" : "unexpected argument",
                           args[2]);
    if (!lookup_domain(hv, term, args[1], info)) return false;
    if (info.domain == 0) return fail(term, "{}: {} is the control domain", verb, DomainLabel(info).text);
    return true;
}

} // namespace

bool Toolstack::load_config(StringView path, StringView overrides, Terminal& term) {
    auto text = files_.read_file(path);
    if (!text) {
        if (text.error() == Errno::enoent) return fail(term, "{}: no such file", path);
        if (text.error() == Errno::eisdir) return fail(term, "{}: is a directory", path);
        return fail(term, "{}: cannot read: {}", path, describe_errno(text.error()));
    }
    ConfigError error;
    auto config = parse_domain_config(path, *text, k_overrides_name, overrides, error);
    if (!config) return fail(term, "{}", error.message);
    // Overriding the file is what KEY=VALUE is for: only the file's own
    // warnings are worth a line.
    if (error.warning_count != 0 && !StringView(error.warning).starts_with(k_overrides_name))
        say(term, "{}\n", error.warning);

    scratch_.config = *config;
    if (!resolve_beside(path, scratch_.config.kernel, sizeof scratch_.config.kernel) ||
        !resolve_beside(path, scratch_.config.ramdisk, sizeof scratch_.config.ramdisk))
        return fail(term, "{}: kernel or ramdisk path too long", path);
    return true;
}

bool Toolstack::verb_create(const Arguments& args, Terminal& term) {
    if (args.count < 2 || args[1][0] == '-' || is_setting(args[1]))
        return usage_error(term, "create", "a config file is needed");
    const StringView path = args[1];
    bool attach = false;
    char overrides[k_overrides_size];
    size_t used = 0;
    for (size_t i = 2; i < args.count; ++i) {
        if (args[i] == "-c") {
            attach = true;
            continue;
        }
        if (!is_setting(args[i]))
            return usage_error(term, "create", "unexpected argument", args[i]);
        // `name=web` as well as xl's `name="web"`: a bare word that is not a
        // number or a list is text (the file itself must quote text).
        const StringView setting = args[i];
        const size_t eq = setting.find('=');
        const StringView value = setting.substr(eq + 1);
        const bool quote = needs_quotes(value);
        if (used + setting.size() + 3 >= sizeof overrides)
            return usage_error(term, "create", "too many KEY=VALUE settings");
        for (size_t j = 0; j <= eq; ++j)
            overrides[used++] = setting[j];
        if (quote) overrides[used++] = '"';
        for (char c : value)
            overrides[used++] = c;
        if (quote) overrides[used++] = '"';
        overrides[used++] = '\n';
    }

    if (!load_config(path, StringView(overrides, used), term)) return false;

    Failure why;
    Guest* guest = start_guest(scratch_.config, why);
    if (guest == nullptr) return fail(term, "{}", why.text);
    if (guest->kernel_lacks_pvh)
        say(term,
            "pvctl: note: kernel {} has no PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY): "
            "'{}' runs as PV\n",
            guest->config.kernel, guest->config.name);
    say(term, "pvctl: {} created\n", DomainLabel(guest->config.name, guest->domid).text);
    if (attach) attach_console(*guest, term);
    return true;
}

bool Toolstack::verb_destroy(const Arguments& args, Terminal& term) {
    abi::DomctlDomainInfo info{};
    if (!guest_argument(hv_, args, term, info)) return false;
    const DomainLabel label(info);
    Status s = destroy_domain(info.domain);
    if (!s) return fail(term, "destroy {}: {}", label.text, describe_errno(s.error()));
    say(term, "pvctl: {} destroyed\n", label.text);
    return true;
}

bool Toolstack::stop_domain(const Arguments& args, Terminal& term, uint32_t reason) {
    const StringView verb = args[0];
    abi::DomctlDomainInfo info{};
    if (!guest_argument(hv_, args, term, info)) return false;
    const DomainLabel label(info);
    if (info.flags & abi::k_dominfo_shutdown)
        return fail(term, "{}: {} is already shut down", verb, label.text);
    Status s = hv_.remote_shutdown(info.domain, reason);
    if (!s) return fail(term, "{} {}: {}", verb, label.text, describe_errno(s.error()));
    // A PV domain stops at once (no guest agent to ask): its policy applies
    // now rather than at the next poll.
    abi::DomctlDomainInfo after{};
    Guest* guest = guests_.find(info.domain);
    if (hv_.domain_info(info.domain, after) && after.domain == info.domain &&
        (after.flags & abi::k_dominfo_shutdown) && guest != nullptr && !guest->preserved) {
        handle_stopped(*guest, after.shutdown_reason, term);
        return true;
    }
    say(term, "pvctl: {} is shutting down\n", label.text);
    return true;
}

bool Toolstack::verb_shutdown(const Arguments& args, Terminal& term) {
    return stop_domain(args, term, static_cast<uint32_t>(abi::ShutdownReason::poweroff));
}

bool Toolstack::verb_reboot(const Arguments& args, Terminal& term) {
    return stop_domain(args, term, static_cast<uint32_t>(abi::ShutdownReason::reboot));
}

bool Toolstack::change_run_state(const Arguments& args, Terminal& term, bool pause) {
    const StringView verb = args[0];
    abi::DomctlDomainInfo info{};
    if (!guest_argument(hv_, args, term, info)) return false;
    const DomainLabel label(info);
    Status s = pause ? hv_.pause_domain(info.domain) : hv_.unpause_domain(info.domain);
    if (!s) return fail(term, "{} {}: {}", verb, label.text, describe_errno(s.error()));
    return true;
}

bool Toolstack::verb_pause(const Arguments& args, Terminal& term) {
    return change_run_state(args, term, true);
}

bool Toolstack::verb_unpause(const Arguments& args, Terminal& term) {
    return change_run_state(args, term, false);
}

} // namespace pv::tools
