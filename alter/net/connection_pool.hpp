// The connection-pool actor: every HTTP exchange with one endpoint goes through it.
//
// Backpressure is explicit: at most `max_connections` exchanges run at once, at most
// `max_queue` wait behind them, and a call beyond that fails at once with
// `overloaded` instead of growing a mailbox. `credit_atom` tells a producer how many
// more calls the pool accepts right now.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "alter/messages/atoms.hpp"
#include "alter/messages/http_message.hpp"
#include "alter/net/endpoint.hpp"
#include "alter/net/http_connection.hpp"

namespace alter::net {

struct pool_options {
  std::size_t max_connections = 32;
  std::size_t max_queue = 1024;
  /// For requests that carry no timeout of their own.
  std::chrono::milliseconds default_timeout{30000};
  /// An idle connection older than this is closed instead of reused. Shorter
  /// than the backend's 120 s, so the pool, not the server, ends idle connections
  /// (a request written into a connection the server just closed is lost).
  std::chrono::milliseconds idle_timeout{30000};
  /// After a connection attempt fails, calls that need a new connection fail at
  /// once for this long, doubling per consecutive failure up to the maximum, so
  /// a swarm does not hammer a dead origin with connects.
  std::chrono::milliseconds reconnect_base_delay{25};
  std::chrono::milliseconds reconnect_max_delay{2000};
};

/// A snapshot of a pool's load; `credit()` is how many more calls it accepts now.
struct pool_stats {
  int64_t max_connections = 0;
  int64_t max_queue = 0;
  int64_t in_flight = 0;
  int64_t queued = 0;
  int64_t idle = 0;
  /// Connections opened so far, and how many TLS handshakes resumed a session.
  int64_t opened = 0;
  int64_t tls_resumed = 0;
  /// Milliseconds left of a reconnect backoff; 0 when none is running.
  int64_t reconnect_backoff_ms = 0;

  int64_t credit() const noexcept {
    return max_connections + max_queue - in_flight - queued;
  }
};

/// A pool's load with the origin it serves (transport's pool_states_atom).
struct pool_state {
  std::string origin;
  pool_stats stats;
};

/// Internal: an I/O thread reports a finished exchange to its pool.
struct connection_done {
  uint64_t connection_id = 0;
  exchange_outcome outcome;
};

using connection_pool_actor = caf::typed_actor<
    caf::replies_to<exchange_atom, http_request>::with<http_response>,
    caf::replies_to<credit_atom>::with<pool_stats>,
    /// Internal: an I/O thread reports a finished exchange.
    caf::reacts_to<connection_done>,
    /// Internal: fails queued calls whose deadline passed.
    caf::reacts_to<sweep_atom>>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_stats& x) {
  return f(caf::meta::type_name("pool_stats"), x.max_connections, x.max_queue,
           x.in_flight, x.queued, x.idle, x.opened, x.tls_resumed,
           x.reconnect_backoff_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_state& x) {
  return f(caf::meta::type_name("pool_state"), x.origin, x.stats);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exchange_outcome& x) {
  return f(caf::meta::type_name("exchange_outcome"), x.ok, x.response, x.error,
           x.request_sent, x.reused, x.response_started);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connection_done& x) {
  return f(caf::meta::type_name("connection_done"), x.connection_id, x.outcome);
}

/// Spawns a pool for `where` whose connections come from `factory`.
connection_pool_actor
spawn_connection_pool(caf::actor_system& sys, endpoint where, pool_options options,
                      connection_factory factory,
                      std::shared_ptr<connection_stats> stats = nullptr);

} // namespace alter::net
