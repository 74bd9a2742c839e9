// The backend's HTTP/1.1 server on Beast: plain or TLS, keep-alive. Every part of a
// request is bounded (request line and headers, chunk lines and trailers, body,
// total bytes, time), connections are capped in total and per peer address, and a
// connection that has not authenticated gets a short idle timeout. Requests go to
// one handler that may answer later, from any thread (docs/security.md, "Limits").
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "alter/backend/sim/fault_injector.hpp"
#include "alter/messages/http_message.hpp"

namespace alter::net {
class io_runtime;
} // namespace alter::net

namespace alter::backend {

struct server_request {
  std::string method;
  std::string target;
  field_list headers;
  std::string body;
  std::string client_ip;
  /// Shared with the connection the request came on; see mark_authenticated.
  std::shared_ptr<std::atomic<bool>> connection_authenticated;

  /// Called by the handler once the request proved who sent it: the connection
  /// then earns the long idle timeout instead of the short unauthenticated one.
  void mark_authenticated() const noexcept {
    if (connection_authenticated)
      connection_authenticated->store(true, std::memory_order_relaxed);
  }
};

/// Sends the response; call exactly once, from any thread.
using responder = std::function<void(http_response)>;
using request_handler = std::function<void(server_request, responder)>;

struct server_limits {
  /// The request line and header block (431 beyond). Also the largest chunk-size
  /// line (with its extensions) and trailer block a request may carry (400 beyond):
  /// the parser holds each of them whole, so each is bounded by the read buffer.
  std::size_t max_header_bytes = 16 * 1024;
  /// The decoded body (413 beyond).
  std::size_t max_body_bytes = 1024 * 1024;
  /// Every byte of one request including chunk framing (413 beyond): a body sent
  /// as one-byte chunks cannot cost more than this.
  std::size_t max_request_bytes = 3 * 1024 * 1024;
  /// From a request's first byte to its last (slowloris guard); also the time an
  /// answer may take to write.
  std::chrono::seconds read_timeout{30};
  /// A kept-alive connection whose last request authenticated, waiting for the next.
  std::chrono::seconds idle_timeout{120};
  /// A connection that has not yet completed an authenticated request: from accept
  /// (TLS handshake included) to its first request byte, and between requests.
  std::chrono::seconds unauthenticated_idle_timeout{10};
  std::size_t max_connections = 4096;
  /// Open connections from one peer address; more are refused at accept.
  std::size_t max_connections_per_address = 256;
  /// After an error answer (413, 431, 400) the server reads and discards up to
  /// this much of what the client is still sending, for at most `drain_timeout`,
  /// so that the client reads the answer instead of a reset.
  std::size_t drain_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds drain_timeout{2000};
  /// The pause before accepting again when the process is out of descriptors.
  std::chrono::milliseconds accept_backoff{100};
};

/// Parses one whole request from `bytes` under `limits`, as a connection does
/// (for the fuzzer and tests); headers_too_large, payload_too_large or
/// invalid_request otherwise.
caf::expected<server_request> parse_request(std::string_view bytes,
                                            const server_limits& limits);

/// A certificate chain and private key, PEM.
struct tls_identity {
  std::string certificate_pem;
  std::string private_key_pem;
};

class http_server {
public:
  /// `io` must outlive the server's I/O: stop it before destroying the server.
  http_server(net::io_runtime& io, request_handler handler, server_limits limits = {},
              std::optional<tls_identity> tls = {},
              std::shared_ptr<fault_injector> faults = nullptr);
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and starts accepting; port 0 picks a free port. Returns the bound port.
  /// Throws boost::system::system_error when the address cannot be bound.
  uint16_t listen(const std::string& address, uint16_t port);

  /// Stops accepting; connections already open finish their current request.
  void stop();

  bool secure() const noexcept;

  /// Shared with the connections; defined in http_server.cpp.
  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace alter::backend
