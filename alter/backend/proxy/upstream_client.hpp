// The backend's own HTTP client for proxy mode: keep-alive connections per
// provider endpoint, reused across calls. Runs on the backend's I/O threads.
//
// Providers close idle connections on their own schedule, so a kept connection
// may be dead when it is next used. Three defences, outermost first: idle
// connections are closed after `idle_timeout` (below common servers' limits);
// a connection whose peer has closed or spoken is discarded before reuse; and
// a request that fails on a reused connection before any answer byte is sent
// once more on a fresh connection when it is replayable (Go's net/http rule:
// GET, HEAD, OPTIONS, TRACE, or an Idempotency-Key header), or when none of it
// was sent.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "alter/net/endpoint.hpp"
#include "alter/net/http_connection.hpp"
#include "alter/net/idle_connections.hpp"

namespace alter::backend {

struct upstream_options {
  /// An idle connection older than this is closed, never reused (see
  /// backend_options::upstream_idle_timeout).
  std::chrono::milliseconds idle_timeout{4000};
  /// Idle connections kept per provider endpoint; more are closed.
  std::size_t max_idle_per_origin = 64;
};

/// Whether a failed exchange may go again on a fresh connection: it failed on
/// a reused connection with a network error before any answer byte, and the
/// request is replayable or never reached the wire. Never after a timeout.
bool worth_resending(const net::exchange_outcome& failed, const http_request& req);

/// The provider connections' state, for /metrics.
struct upstream_stats {
  /// Exchanges under way now.
  uint64_t in_flight = 0;
  /// Kept connections waiting for their next exchange, over all endpoints.
  uint64_t idle = 0;
  /// Provider endpoints with a pool of their own.
  uint64_t origins = 0;
  /// Connections opened, exchanges on a kept connection and requests sent once
  /// more on a fresh one (worth_resending), so far.
  uint64_t opened = 0;
  uint64_t reused = 0;
  uint64_t resent = 0;
};

class upstream_client {
public:
  /// `trust` applies to every https provider (the embedded simulated providers
  /// use the backend's own certificate).
  upstream_client(std::shared_ptr<net::io_runtime> io, net::tls_settings trust,
                  net::client_limits limits, upstream_options options = {});

  /// Sends one request; `done` runs once on an I/O thread, within `timeout`.
  void exchange(net::endpoint where, http_request req,
                std::chrono::milliseconds timeout,
                std::function<void(net::exchange_outcome)> done);

  upstream_stats stats();

private:
  struct origin_pool {
    net::connection_factory factory;
    net::idle_connections idle;
  };

  struct attempt;

  /// A kept connection when one is usable (`reused`), else a new one.
  std::shared_ptr<net::http_connection> checkout(const net::endpoint& where,
                                                 const std::string& key, bool& reused);
  std::shared_ptr<net::http_connection> fresh_connection(const std::string& key);
  void checkin(const std::string& key, std::shared_ptr<net::http_connection> c);
  void run(std::shared_ptr<attempt> a, std::shared_ptr<net::http_connection> c,
           bool may_resend);
  /// The one way a call ends: it leaves the in-flight count, then its caller hears.
  void finish(attempt& a, net::exchange_outcome out);

  std::shared_ptr<net::io_runtime> io_;
  net::tls_settings trust_;
  net::client_limits limits_;
  upstream_options options_;
  std::mutex mtx_;
  std::unordered_map<std::string, origin_pool> pools_;
  std::atomic<uint64_t> in_flight_{0};
  std::atomic<uint64_t> opened_{0};
  std::atomic<uint64_t> reused_{0};
  std::atomic<uint64_t> resent_{0};
};

} // namespace alter::backend
