// The toolstack as Dom0's shell sees it: `pvctl ARGS` runs through run(),
// background work (guest consoles, domains that stopped) through poll().
// The shell provides the terminal and the files; the hypervisor is reached
// through a ControlPlane. No heap: everything lives in fixed storage.
#pragma once

#include "dom0-tools/lib/toolstack/control_plane.hpp"
#include "lib/status.hpp"
#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

// The Dom0 console the user types at.
class Terminal {
public:
    virtual int poll_char() = 0;              // a typed byte, or -1 when none waits
    virtual void write(StringView text) = 0;  // to the user's console
    virtual void wait() = 0;                  // nothing to do now: give up the CPU briefly

protected:
    ~Terminal() = default;
};

// Dom0's read-only files (the guests archive mounted at /).
class FileSource {
public:
    // The whole file's bytes (they stay valid for the toolstack's life), or
    // ENOENT / EISDIR.
    virtual Result<StringView> read_file(StringView path) = 0;

protected:
    ~FileSource() = default;
};

// Ctrl-] ends `pvctl console` (and `create -c`), as in xl.
inline constexpr int k_console_detach_char = 0x1d;

} // namespace pv::tools
