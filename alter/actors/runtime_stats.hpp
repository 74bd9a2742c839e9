// What a host can watch of the runtime its clients share: each connection
// pool's load and each retry budget's tokens. A call (runtime::stats(),
// blocking::environment::stats()) or a message (the transport's
// pool_states_atom), and the Prometheus text a host adds to its own /metrics;
// the runtime serves nothing itself.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "caf/fwd.hpp"

#include "alter/actors/clients.hpp"
#include "alter/net/connection_pool.hpp"
#include "alter/net/retry_budget.hpp"

namespace alter {

struct runtime_stats {
  /// One per origin the clients have called, by origin.
  std::vector<net::pool_state> pools;
  /// One per backend origin, by origin.
  std::vector<net::retry_budget_state> retry_budgets;
};

/// Asks the transport for its pools and reads the budgets. It blocks for the
/// transport's answer (at most `timeout`): call it from a thread of your own,
/// not inside an actor.
caf::expected<runtime_stats>
collect_runtime_stats(caf::actor_system& sys, const client_context& ctx,
                      std::chrono::milliseconds timeout = std::chrono::seconds{5});

/// The Prometheus text format (0.0.4), series labelled by origin:
/// alter_sdk_pool_{in_flight,queued,idle,max_connections,max_queue} (gauges),
/// alter_sdk_pool_{connections_opened,tls_resumed}_total (counters),
/// alter_sdk_pool_reconnect_backoff_seconds, alter_sdk_retry_budget_tokens,
/// alter_sdk_retry_budget_capacity and alter_sdk_retries_denied_total.
std::string prometheus_text(const runtime_stats& stats);

} // namespace alter
