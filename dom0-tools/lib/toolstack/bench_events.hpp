// `pvctl bench-events`: what an event round trip between Dom0 and a DomU
// costs, and a yield between two domains (verbs_bench_events.cpp). The DomU
// is minios-bench in its peer role (guest-pv-kernel-patches/minios/bench/
// peer.cpp), told so on its command line; it answers on its console with
//   bench-peer: ready role=pong port=P     (its unbound port for Dom0)
//   bench-peer: ready role=yield
// before it starts.
#pragma once

#include "lib/string_view.hpp"

#include <cstddef>
#include <cstdint>

namespace pv::tools {

// -n ROUNDS: at most this many timed rounds; the default.
inline constexpr size_t k_max_event_rounds = 20000;
inline constexpr uint64_t k_default_event_rounds = 1000;
// Untimed rounds first (caches, the scheduler's view of both vCPUs).
inline constexpr uint64_t k_event_warmup_rounds = 100;

enum class EventBenchKind { pingpong, yield };

// The samples of one run: in the Toolstack object, not on Dom0's stack.
struct EventSamples {
    uint64_t timer[k_max_event_rounds];
    uint64_t round_trip[k_max_event_rounds];
};

// The port number in `text` after "bench-peer: ready role=pong port="; false
// when the line is not (fully) there or the number is not a port.
bool find_peer_port(StringView text, uint32_t& port);
// Whether `text` holds "bench-peer: ready role=ROLE".
bool find_peer_ready(StringView text, StringView role);

} // namespace pv::tools
