// One keep-alive HTTP/1.1 connection to one endpoint, one exchange at a time.
// Connection pools own these; tests substitute a fake behind the same interface.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "alter/messages/alter_error.hpp"
#include "alter/messages/http_message.hpp"
#include "alter/net/endpoint.hpp"

namespace alter::net {

class io_runtime;

struct exchange_outcome {
  bool ok = false;
  http_response response;
  /// Set when !ok: network_error, tls_error, timeout or malformed_response.
  alter_error error;
  /// Whether any byte of the request reached the socket: a request that was never
  /// sent can always be retried.
  bool request_sent = false;
  /// Whether the exchange ran on a connection that had served earlier requests.
  bool reused = false;
  /// Whether any byte of a response arrived: a failure before that on a reused
  /// connection is the peer closing it while the request was on its way.
  bool response_started = false;
};

using exchange_handler = std::function<void(exchange_outcome)>;

class http_connection {
public:
  virtual ~http_connection();

  /// Connects if needed, sends `req`, reads the response. `handler` runs exactly
  /// once, on an I/O thread; the whole exchange ends within `timeout`.
  virtual void async_exchange(http_request req, std::chrono::milliseconds timeout,
                              exchange_handler handler)
      = 0;

  /// True when the connection is open, the peer allows another request and has
  /// not closed it meanwhile. Pools call it only between exchanges.
  virtual bool reusable() const noexcept = 0;

  /// Closes the socket (asynchronously, on the connection's own strand).
  virtual void close() = 0;
};

using connection_factory = std::function<std::shared_ptr<http_connection>()>;

/// What the connections of one factory did; read by the pool for its stats.
struct connection_stats {
  std::atomic<int64_t> opened{0};
  /// TLS handshakes that resumed a session (no full key exchange).
  std::atomic<int64_t> tls_resumed{0};
  std::atomic<int64_t> tls_full{0};
};

struct client_limits {
  /// Largest response body accepted; a larger one fails with malformed_response.
  std::size_t max_response_body = 16 * 1024 * 1024;
  /// Largest response header block accepted.
  std::size_t max_response_header = 64 * 1024;
};

/// Reads one whole response from `bytes` exactly as a connection reads one (same
/// limits, same bounded buffer, same errors), for the fuzzer and tests.
exchange_outcome parse_response(std::string_view bytes,
                                const client_limits& limits = {});

/// Beast over TCP or TLS for `where`. Builds the TLS context once (certificate
/// verification on, system trust store plus `where.tls` CAs) and shares it, and
/// resumes the last TLS session on new connections. Counts into `stats` when
/// given. Throws std::runtime_error when a configured CA file cannot be read.
connection_factory
make_beast_connection_factory(const std::shared_ptr<io_runtime>& io,
                              const endpoint& where, client_limits limits = {},
                              std::shared_ptr<connection_stats> stats = nullptr);

} // namespace alter::net
