// The backend's HTTP/1.1 server on Beast: plain or TLS, keep-alive, with limits on
// header size, body size, time to send a request, idle time and connections.
// Requests go to one handler that may answer later, from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "backend/fault_injector.hpp"
#include "messages/http_message.hpp"

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
};

/// Sends the response; call exactly once, from any thread.
using responder = std::function<void(http_response)>;
using request_handler = std::function<void(server_request, responder)>;

struct server_limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  /// A client must deliver a whole request within this time (slowloris guard).
  std::chrono::seconds read_timeout{30};
  /// A kept-alive connection with no request for this long is closed.
  std::chrono::seconds idle_timeout{120};
  std::size_t max_connections = 4096;
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
  /// Throws std::system_error when the address cannot be bound.
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
