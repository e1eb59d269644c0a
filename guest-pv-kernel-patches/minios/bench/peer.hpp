// minios-bench's peer roles for `pvctl bench-events` (bench/peer.cpp): with
// bench-peer=pong or bench-peer=yield on its command line the guest answers
// Dom0's events or yields forever instead of running its own benchmarks.
#pragma once

#include "kernel/kernel.hpp"
#include "lib/string_view.hpp"

namespace minios::bench {

// Runs the role the command line names and never returns; false when it
// names none.
bool run_peer(Kernel& k, pv::StringView cmdline);

} // namespace minios::bench
