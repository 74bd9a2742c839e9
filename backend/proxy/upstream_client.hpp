// The backend's own HTTP client for proxy mode: keep-alive connections per
// provider endpoint, reused across calls. Runs on the backend's I/O threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/endpoint.hpp"
#include "net/http_connection.hpp"

namespace alter::backend {

struct upstream_options {
  /// An idle connection older than this is closed, never reused (see
  /// backend_options::upstream_idle_timeout).
  std::chrono::milliseconds idle_timeout{4000};
  /// Idle connections kept per provider endpoint; more are closed.
  std::size_t max_idle_per_origin = 64;
};

class upstream_client {
public:
  /// `trust` applies to every https provider (the embedded simulated providers
  /// use the backend's own certificate).
  upstream_client(std::shared_ptr<net::io_runtime> io, net::tls_settings trust,
                  net::client_limits limits, upstream_options options = {});

  /// Sends one request; `done` runs once on an I/O thread.
  void exchange(net::endpoint where, http_request req,
                std::chrono::milliseconds timeout,
                std::function<void(net::exchange_outcome)> done);

private:
  struct origin_pool {
    net::connection_factory factory;
    std::vector<std::shared_ptr<net::http_connection>> idle;
  };

  std::shared_ptr<net::http_connection> checkout(const net::endpoint& where,
                                                 const std::string& key);
  void checkin(const std::string& key, std::shared_ptr<net::http_connection> c);

  std::shared_ptr<net::io_runtime> io_;
  net::tls_settings trust_;
  net::client_limits limits_;
  upstream_options options_;
  std::mutex mtx_;
  std::unordered_map<std::string, origin_pool> pools_;
};

} // namespace alter::backend
