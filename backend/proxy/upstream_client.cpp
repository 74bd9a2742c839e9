#include "backend/proxy/upstream_client.hpp"

namespace alter::backend {

namespace {

/// Idle connections kept per provider endpoint.
constexpr std::size_t max_idle_per_origin = 64;

} // namespace

upstream_client::upstream_client(std::shared_ptr<net::io_runtime> io,
                                 net::tls_settings trust, net::client_limits limits,
                                 upstream_options options)
    : io_(std::move(io)), trust_(std::move(trust)), limits_(limits), options_(options) {
}

std::shared_ptr<net::http_connection>
upstream_client::checkout(const net::endpoint& where, const std::string& key) {
  std::lock_guard guard{mtx_};
  auto i = pools_.find(key);
  if (i == pools_.end())
    i = pools_
            .emplace(key,
                     origin_pool{
                         net::make_beast_connection_factory(io_, where, limits_), {}})
            .first;
  auto& pool = i->second;
  while (!pool.idle.empty()) {
    auto c = std::move(pool.idle.back());
    pool.idle.pop_back();
    if (c->reusable())
      return c;
  }
  return pool.factory();
}

void upstream_client::checkin(const std::string& key,
                              std::shared_ptr<net::http_connection> c) {
  std::lock_guard guard{mtx_};
  auto& idle = pools_[key].idle;
  if (idle.size() < max_idle_per_origin)
    idle.push_back(std::move(c));
}

void upstream_client::exchange(net::endpoint where, http_request req,
                               std::chrono::milliseconds timeout,
                               std::function<void(net::exchange_outcome)> done) {
  where.tls = trust_;
  // Computed once per call: it hashes the trusted CA certificate.
  auto key = where.pool_key();
  std::shared_ptr<net::http_connection> connection;
  try {
    connection = checkout(where, key);
  } catch (const std::exception& e) {
    net::exchange_outcome failed;
    failed.error = make_error(error_code::upstream_unreachable, e.what());
    return done(std::move(failed));
  }
  connection->async_exchange(
      std::move(req), timeout,
      [this, key, connection, done = std::move(done)](net::exchange_outcome out) {
        if (out.ok && connection->reusable())
          checkin(key, connection);
        done(std::move(out));
      });
}

} // namespace alter::backend
