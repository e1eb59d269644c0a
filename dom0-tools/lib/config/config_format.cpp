// A DomainConfig back to xl.cfg text, for `pvctl` to show what it will
// build. Strings are written in double quotes with the escapes the parser
// reads, so the text parses back to the same configuration.
#include "dom0-tools/lib/config/cpu_list.hpp"
#include "dom0-tools/lib/config/domain_config.hpp"
#include "dom0-tools/lib/config/text.hpp"

namespace pv::tools {
namespace {

void print_quoted(OutputSink& out, const char* text, size_t size) {
    out.write("\"");
    const size_t length = length_of(text, size);
    size_t plain = 0; // start of the run not yet written
    for (size_t i = 0; i < length; ++i) {
        const char c = text[i];
        const auto u = static_cast<unsigned char>(c);
        const char* escape = nullptr;
        if (c == '"')
            escape = "\\\"";
        else if (c == '\\')
            escape = "\\\\";
        else if (c == '\n')
            escape = "\\n";
        else if (c == '\t')
            escape = "\\t";
        else if (c == '\r')
            escape = "\\r";
        if (escape == nullptr && u >= 0x20 && u != 0x7f) continue;

        out.write(StringView(text + plain, i - plain));
        plain = i + 1;
        if (escape != nullptr)
            out.write(escape);
        else
            print_to(out, "\\x{:02x}", static_cast<unsigned>(u));
    }
    out.write(StringView(text + plain, length - plain));
    out.write("\"");
}

template <size_t N>
void print_text_setting(OutputSink& out, StringView key, const char (&value)[N]) {
    print_to(out, "{} = ", key);
    print_quoted(out, value, N);
    out.write("\n");
}

void print_cpus(OutputSink& out, const DomainConfig& config) {
    switch (config.pinning) {
    case CpuPinning::none:
        return;
    case CpuPinning::all:
        out.write("cpus = \"");
        print_cpu_list(out, config.cpu_affinity[0]);
        out.write("\"\n");
        return;
    case CpuPinning::per_vcpu:
        out.write("cpus = [");
        for (uint32_t i = 0; i < config.pinned_vcpus && i < k_config_max_vcpus; ++i) {
            out.write(i == 0 ? "\"" : ", \"");
            print_cpu_list(out, config.cpu_affinity[i]);
            out.write("\"");
        }
        out.write("]\n");
        return;
    }
}

// Keeps what fits in a buffer and remembers whether anything did not.
class BufferSink final : public OutputSink {
public:
    BufferSink(char* buf, size_t capacity) : buf_(buf), capacity_(capacity) {
        if (capacity_ > 0) buf_[0] = '\0';
    }
    void write(StringView text) override {
        for (char c : text) {
            if (length_ + 1 >= capacity_) {
                overflowed_ = true;
                break;
            }
            buf_[length_++] = c;
        }
        if (capacity_ > 0) buf_[length_] = '\0';
    }
    size_t length() const { return length_; }
    bool overflowed() const { return overflowed_; }

private:
    char* buf_;
    size_t capacity_;
    size_t length_ = 0;
    bool overflowed_ = false;
};

} // namespace

void print_domain_config(OutputSink& out, const DomainConfig& config) {
    print_text_setting(out, "name", config.name);
    print_to(out, "type = \"{}\"\n", domain_type_name(config.type));
    print_text_setting(out, "kernel", config.kernel);
    if (config.ramdisk[0] != '\0') print_text_setting(out, "ramdisk", config.ramdisk);
    if (config.cmdline[0] != '\0') print_text_setting(out, "cmdline", config.cmdline);
    print_to(out, "memory = {}\n", config.memory_mib);
    if (config.maxmem_mib != config.memory_mib) print_to(out, "maxmem = {}\n", config.maxmem_mib);
    print_to(out, "vcpus = {}\n", config.vcpus);
    if (config.max_vcpus != config.vcpus) print_to(out, "maxvcpus = {}\n", config.max_vcpus);
    print_cpus(out, config);
    print_to(out, "weight = {}\n", config.weight);
    print_to(out, "cap = {}\n", config.cap);
    print_to(out, "on_poweroff = \"{}\"\n", shutdown_action_name(config.on_poweroff));
    print_to(out, "on_reboot = \"{}\"\n", shutdown_action_name(config.on_reboot));
    print_to(out, "on_crash = \"{}\"\n", shutdown_action_name(config.on_crash));
}

Result<size_t> format_domain_config(const DomainConfig& config, char* buf, size_t capacity) {
    BufferSink sink(buf, capacity);
    print_domain_config(sink, config);
    if (sink.overflowed() || capacity == 0) return Errno::enospc;
    return sink.length();
}

} // namespace pv::tools
