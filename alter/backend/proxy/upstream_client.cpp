#include "alter/backend/proxy/upstream_client.hpp"

#include <algorithm>
#include <string_view>

#include "alter/auth/request_signing.hpp"
#include "alter/messages/field.hpp"

namespace alter::backend {

namespace {

using clock_type = std::chrono::steady_clock;

/// Methods RFC 9110 calls safe, plus TRACE: what Go's net/http replays.
constexpr std::string_view replayable_methods[] = {"GET", "HEAD", "OPTIONS", "TRACE"};

bool replayable(const http_request& req) {
  if (std::find(std::begin(replayable_methods), std::end(replayable_methods),
                req.method)
      != std::end(replayable_methods))
    return true;
  return find_field(req.headers, header::idempotency_key) != nullptr
         || find_field(req.headers, "x-idempotency-key") != nullptr;
}

net::exchange_outcome unreachable(const std::exception& e) {
  net::exchange_outcome failed;
  failed.error = make_error(error_code::upstream_unreachable, e.what());
  return failed;
}

} // namespace

bool worth_resending(const net::exchange_outcome& failed, const http_request& req) {
  if (failed.ok || !failed.reused || failed.response_started
      || failed.error.code != error_code::network_error)
    return false;
  return !failed.request_sent || replayable(req);
}

/// One call: what it needs to be sent a second time.
struct upstream_client::attempt {
  std::string key;
  /// Kept only while a resend is possible (the request went on a reused one).
  http_request request;
  clock_type::time_point deadline;
  std::function<void(net::exchange_outcome)> done;
};

upstream_client::upstream_client(std::shared_ptr<net::io_runtime> io,
                                 net::tls_settings trust, net::client_limits limits,
                                 upstream_options options)
    : io_(std::move(io)), trust_(std::move(trust)), limits_(limits), options_(options) {
}

std::shared_ptr<net::http_connection>
upstream_client::checkout(const net::endpoint& where, const std::string& key,
                          bool& reused) {
  std::lock_guard guard{mtx_};
  auto i = pools_.find(key);
  if (i == pools_.end())
    i = pools_
            .emplace(
                key,
                origin_pool{net::make_beast_connection_factory(io_, where, limits_),
                            net::idle_connections{options_.idle_timeout,
                                                  options_.max_idle_per_origin}})
            .first;
  auto& pool = i->second;
  auto c = pool.idle.take(clock_type::now());
  reused = c != nullptr;
  ++(reused ? reused_ : opened_);
  return c ? c : pool.factory();
}

std::shared_ptr<net::http_connection>
upstream_client::fresh_connection(const std::string& key) {
  std::lock_guard guard{mtx_};
  ++opened_;
  ++resent_;
  return pools_.at(key).factory();
}

void upstream_client::checkin(const std::string& key,
                              std::shared_ptr<net::http_connection> c) {
  std::lock_guard guard{mtx_};
  pools_.at(key).idle.put(std::move(c), clock_type::now());
}

void upstream_client::exchange(net::endpoint where, http_request req,
                               std::chrono::milliseconds timeout,
                               std::function<void(net::exchange_outcome)> done) {
  where.tls = trust_;
  auto a = std::make_shared<attempt>();
  // Computed once per call: it hashes the trusted CA certificate.
  a->key = where.pool_key();
  a->request = std::move(req);
  a->deadline = clock_type::now() + timeout;
  ++in_flight_;
  a->done = std::move(done);
  std::shared_ptr<net::http_connection> connection;
  bool reused = false;
  try {
    connection = checkout(where, a->key, reused);
  } catch (const std::exception& e) {
    return finish(*a, unreachable(e));
  }
  run(std::move(a), std::move(connection), reused);
}

void upstream_client::run(std::shared_ptr<attempt> a,
                          std::shared_ptr<net::http_connection> c, bool may_resend) {
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      a->deadline - clock_type::now());
  // Only a resend can find the deadline spent (a call starts with its timeout).
  remaining = std::max(remaining, std::chrono::milliseconds{1});
  // A copy only when a resend may need the request again.
  auto request = may_resend ? a->request : std::move(a->request);
  c->async_exchange(
      std::move(request), remaining,
      [this, a = std::move(a), c, may_resend](net::exchange_outcome out) mutable {
        if (out.ok) {
          checkin(a->key, std::move(c));
          return finish(*a, std::move(out));
        }
        if (!may_resend || !worth_resending(out, a->request)
            || clock_type::now() >= a->deadline)
          return finish(*a, std::move(out));
        std::shared_ptr<net::http_connection> fresh;
        try {
          fresh = fresh_connection(a->key);
        } catch (const std::exception& e) {
          return finish(*a, unreachable(e));
        }
        run(std::move(a), std::move(fresh), false);
      });
}

void upstream_client::finish(attempt& a, net::exchange_outcome out) {
  --in_flight_;
  a.done(std::move(out));
}

upstream_stats upstream_client::stats() {
  upstream_stats out;
  out.in_flight = in_flight_.load(std::memory_order_relaxed);
  out.opened = opened_.load(std::memory_order_relaxed);
  out.reused = reused_.load(std::memory_order_relaxed);
  out.resent = resent_.load(std::memory_order_relaxed);
  std::lock_guard guard{mtx_};
  out.origins = pools_.size();
  for (const auto& [key, pool] : pools_)
    out.idle += pool.idle.size();
  return out;
}

} // namespace alter::backend
