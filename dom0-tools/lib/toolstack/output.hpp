// How pvctl talks to the user: formatted text to the Terminal, gathered a
// line at a time (in Dom0 every Terminal::write is a console_io hypercall),
// error lines that start "error: ", and plain words for hypervisor errnos.
#pragma once

#include "dom0-tools/lib/toolstack/toolstack.hpp"
#include "lib/format.hpp"
#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstddef>

namespace pv::tools {

class TerminalSink final : public OutputSink {
public:
    explicit TerminalSink(Terminal& term) : term_(term) {}
    ~TerminalSink() { flush(); }
    TerminalSink(const TerminalSink&) = delete;
    TerminalSink& operator=(const TerminalSink&) = delete;

    void write(StringView text) override;
    void flush();

private:
    Terminal& term_;
    char line_[256];
    size_t used_ = 0;
};

template <typename... Args> void say(Terminal& term, StringView fmt, const Args&... args) {
    TerminalSink sink(term);
    print_to(sink, fmt, args...);
}

// Prints "error: " + the message + "\n"; returns false for `return fail(...)`.
template <typename... Args> bool fail(Terminal& term, StringView fmt, const Args&... args) {
    TerminalSink sink(term);
    sink.write("error: ");
    print_to(sink, fmt, args...);
    sink.write("\n");
    return false;
}

// "not enough memory (ENOMEM)", "no such domain (ESRCH)", ...
StringView describe_errno(Errno error);

// Why something failed, kept for one "error: ..." line printed later.
struct Failure {
    char text[320] = {};

    template <typename... Args> Status set(Errno error, StringView fmt, const Args&... args) {
        format(text, sizeof text, fmt, args...);
        return error;
    }
};

} // namespace pv::tools
