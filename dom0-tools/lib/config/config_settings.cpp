// The settings: which names exist, how each value lands in the
// DomainConfig, and finish(): defaults that depend on other settings and the
// checks that span settings (xl.cfg(5), libxl's defaults).
#include "dom0-tools/lib/config/config_parser.hpp"

#include "dom0-tools/lib/config/text.hpp"

namespace pv::tools::detail {
namespace {

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
    "bootloader", "builder", "cpus_soft", "disk", "firmware", "on_soft_reset", "on_watchdog", "pci",
    "pool",       "serial",  "uuid",      "vfb",  "vif",      "vkb",           "vnc",
};

bool is_name_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

void clear(char* field, size_t size) {
    for (size_t i = 0; i < size; ++i)
        field[i] = '\0';
}

} // namespace

const Setting* find_setting(StringView name) {
    for (const Setting& setting : k_settings)
        if (name == StringView(setting.name)) return &setting;
    return nullptr;
}

bool is_unsupported_xl_setting(StringView name) {
    for (const char* known : k_unsupported_xl_settings)
        if (name == StringView(known)) return true;
    return false;
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
        const auto code = static_cast<unsigned char>(c);
        if (code < 0x20 || code >= 0x7f) // an escape made it: keep the message on one line
            return fail(line,
                        "{}: character {:#x} is not allowed (only letters, digits, '-', "
                        "'_' and '.')",
                        key, static_cast<unsigned>(code));
    }
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
    case Key::name:
        return apply_name(spelled, value, append);
    case Key::kernel:
        return path_field(config_.kernel, sizeof config_.kernel);
    case Key::ramdisk:
        return path_field(config_.ramdisk, sizeof config_.ramdisk);
    case Key::cmdline:
        return text_field(config_.cmdline, sizeof config_.cmdline);
    case Key::root:
        return text_field(root_, sizeof root_);
    case Key::extra:
        return text_field(extra_, sizeof extra_);
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
        TRY(number_value(spelled, value, "a number of vCPUs", 1, k_config_max_vcpus, "", number));
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
    case Key::on_poweroff:
        return apply_action(spelled, value, config_.on_poweroff);
    case Key::on_reboot:
        return apply_action(spelled, value, config_.on_reboot);
    case Key::on_crash:
        return apply_action(spelled, value, config_.on_crash);
    }
    return Errno::einval;
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
        return fail_at(cpus.source, cpus.line, "{}: {} entries for at most {} vCPU{}", cpus.spelled,
                       config_.pinned_vcpus, config_.max_vcpus, config_.max_vcpus == 1 ? "" : "s");

    return compose_cmdline();
}

} // namespace pv::tools::detail
