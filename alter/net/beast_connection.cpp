// The Beast implementation of http_connection: one linear chain of on_* steps
// (resolve, connect, handshake, write, read), a deadline on every operation.
#include "alter/net/http_connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "alter/messages/validation.hpp"
#include "alter/net/bounded_read.hpp"
#include "alter/net/io_runtime.hpp"

namespace alter::net {

http_connection::~http_connection() = default;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

constexpr std::string_view user_agent = "alter-runtime-cpp/0.1";

std::shared_ptr<ssl::context> make_tls_context(const tls_settings& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                   | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                   | ssl::context::no_tlsv1_1);
  if (tls.insecure_skip_verify) {
    ctx->set_verify_mode(ssl::verify_none);
    return ctx;
  }
  ctx->set_default_verify_paths();
  boost::system::error_code ec;
  if (!tls.ca_file.empty()) {
    ctx->load_verify_file(tls.ca_file, ec);
    if (ec)
      throw std::runtime_error("cannot load CA file " + tls.ca_file + ": "
                               + ec.message());
  }
  if (!tls.ca_pem.empty()) {
    ctx->add_certificate_authority(asio::buffer(tls.ca_pem), ec);
    if (ec)
      throw std::runtime_error("cannot load CA certificate: " + ec.message());
  }
  ctx->set_verify_mode(ssl::verify_peer);
  // Session tickets let a reconnect skip the full handshake.
  SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_CLIENT);
  return ctx;
}

/// The TLS context of one endpoint plus the session a new connection resumes.
class tls_client {
public:
  explicit tls_client(std::shared_ptr<ssl::context> ctx) : ctx_(std::move(ctx)) {
  }

  ~tls_client() {
    if (session_ != nullptr)
      SSL_SESSION_free(session_);
  }

  ssl::context& context() noexcept {
    return *ctx_;
  }

  /// Offers the last session to a connection about to handshake.
  void offer(SSL* ssl) {
    std::lock_guard guard{mtx_};
    if (session_ != nullptr)
      SSL_set_session(ssl, session_);
  }

  /// Keeps a connection's session once it carried a response (by then a TLS 1.3
  /// server has sent its ticket).
  void remember(SSL* ssl) {
    auto* live = SSL_get_session(ssl);
    // A copy: OpenSSL marks a connection's own session not resumable when the
    // connection ends without a TLS shutdown, which is how pools drop them.
    auto* fresh = live != nullptr ? SSL_SESSION_dup(live) : nullptr;
    if (fresh == nullptr)
      return;
    std::lock_guard guard{mtx_};
    if (session_ != nullptr)
      SSL_SESSION_free(session_);
    session_ = fresh;
  }

private:
  std::shared_ptr<ssl::context> ctx_;
  std::mutex mtx_;
  SSL_SESSION* session_ = nullptr;
};

alter_error io_error(error_code code, std::string what,
                     const boost::system::error_code& ec) {
  return make_error(code, std::move(what) + ": " + ec.message());
}

/// What a handshake that met a plain-HTTP answer (OpenSSL reads "HTTP/1.1" as
/// a record of an unknown version) should tell the user.
std::string plain_http_hint(const boost::system::error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category()
      && ERR_GET_REASON(static_cast<unsigned long>(ec.value()))
             == SSL_R_WRONG_VERSION_NUMBER)
    return " (the server answered without TLS: if it serves plain HTTP, use an "
           "http:// URL)";
  return {};
}

std::size_t read_buffer_size(const client_limits& limits) {
  return std::min(limits.max_response_header + 1024, max_read_buffer);
}

using response_parser = http::response_parser<http::string_body>;

void configure(response_parser& parser, const client_limits& limits) {
  parser.body_limit(limits.max_response_body);
  parser.header_limit(static_cast<std::uint32_t>(
      std::min(limits.max_response_header, max_read_buffer - 1024)));
}

/// What a read that failed (other than by the deadline) means for the caller.
alter_error read_error(const beast::error_code& ec, bool head_done,
                       const client_limits& limits, const std::string& origin) {
  if (ec == http::error::body_limit)
    return make_error(error_code::malformed_response,
                      "response body from " + origin + " exceeds "
                          + std::to_string(limits.max_response_body) + " bytes");
  if (ec == http::error::header_limit
      || (ec == http::error::buffer_overflow && !head_done))
    return make_error(error_code::malformed_response,
                      "response headers from " + origin + " are too large");
  if (ec == http::error::buffer_overflow)
    return make_error(error_code::malformed_response,
                      "a chunk line or the trailers from " + origin + " exceed "
                          + std::to_string(read_buffer_size(limits)) + " bytes");
  // Over TLS a peer that just closes shows as a truncated stream.
  if (ec == http::error::end_of_stream || ec == http::error::partial_message
      || ec == asio::error::eof || ec == asio::error::connection_reset
      || ec == ssl::error::stream_truncated)
    return io_error(error_code::network_error,
                    "connection to " + origin + " closed before a full response", ec);
  return io_error(error_code::malformed_response, "unreadable response from " + origin,
                  ec);
}

/// Beast bounds only the unparsed part of a header block and nothing of the
/// framing: the reader counts what it consumed.
std::optional<alter_error> over_budget(const response_parser& parser,
                                       std::size_t received,
                                       const client_limits& limits,
                                       const std::string& origin) {
  if (!parser.is_header_done() && received > limits.max_response_header)
    return make_error(error_code::malformed_response,
                      "response headers from " + origin + " are too large");
  auto budget = limits.max_response_header + 3 * limits.max_response_body;
  if (received > budget)
    return make_error(error_code::malformed_response,
                      "the response from " + origin + " exceeds "
                          + std::to_string(budget) + " bytes with its framing");
  return std::nullopt;
}

http_response to_response(http::response<http::string_body> res) {
  http_response out;
  out.status = static_cast<int>(res.result_int());
  out.headers.reserve(16);
  for (const auto& h : res)
    out.headers.push_back({std::string{h.name_string()}, std::string{h.value()}});
  out.body = std::move(res.body());
  return out;
}

template <class Stream>
class beast_connection final
    : public http_connection,
      public std::enable_shared_from_this<beast_connection<Stream>> {
public:
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  beast_connection(asio::io_context& ioc, endpoint where,
                   std::shared_ptr<tls_client> tls, client_limits limits,
                   std::shared_ptr<connection_stats> stats)
      : resolver_(asio::make_strand(ioc)),
        stream_(make_stream(resolver_.get_executor(), tls)), tls_(std::move(tls)),
        where_(std::move(where)), limits_(limits), stats_(std::move(stats)),
        buffer_(read_buffer_size(limits_)) {
  }

  void async_exchange(http_request req, std::chrono::milliseconds timeout,
                      exchange_handler handler) override {
    deadline_ = clock_type::now() + timeout;
    handler_ = std::move(handler);
    outcome_ = exchange_outcome{};
    outcome_.reused = served_ > 0;
    auto problem = build_request(req);
    asio::dispatch(resolver_.get_executor(),
                   [self = this->shared_from_this(), problem = std::move(problem)] {
                     if (problem)
                       return self->fail(*problem);
                     self->start();
                   });
  }

  bool reusable() const noexcept override {
    return open_.load() && keep_alive_.load() && quiet_while_idle();
  }

  void close() override {
    asio::post(resolver_.get_executor(),
               [self = this->shared_from_this()] { self->shutdown(); });
  }

private:
  static Stream make_stream(const asio::any_io_executor& ex,
                            const std::shared_ptr<tls_client>& tls) {
    if constexpr (is_tls)
      return Stream{ex, tls->context()};
    else
      return Stream{ex};
  }

  beast::tcp_stream& tcp() {
    return beast::get_lowest_layer(stream_);
  }

  /// Between exchanges a peer has nothing to say: an end of stream means it
  /// closed the connection, bytes (a 408, a TLS close_notify) that it is about
  /// to. A non-blocking peek on the descriptor reads nothing away, and no
  /// operation of the strand is pending on it then (pools call reusable() only
  /// between exchanges).
  bool quiet_while_idle() const noexcept {
    char byte = 0;
    auto n = ::recv(fd_.load(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
  }

  void arm_timer() {
    tcp().expires_at(deadline_);
  }

  /// The request to write, or why it cannot be written (nothing is sent then).
  std::optional<alter_error> build_request(const http_request& in) {
    if (!std::all_of(in.headers.begin(), in.headers.end(), is_writable_header)
        || has_control_characters(in.target) || has_control_characters(in.method))
      return make_error(error_code::invalid_argument,
                        "a request header, the method or the target has a control "
                        "character or an unusable name");
    try {
      fill_request(in);
    } catch (const std::exception&) { // a field Beast cannot hold (over 64 KiB)
      return make_error(error_code::invalid_argument,
                        "a request header is too large to send");
    }
    return std::nullopt;
  }

  void fill_request(const http_request& in) {
    request_ = {};
    request_.version(11);
    request_.method_string(in.method);
    request_.target(in.target);
    auto default_port = where_.secure() ? 443 : 80;
    request_.set(http::field::host,
                 where_.port == default_port
                     ? where_.host
                     : where_.host + ":" + std::to_string(where_.port));
    request_.set(http::field::user_agent, user_agent);
    for (const auto& h : in.headers)
      request_.insert(h.name, h.value);
    request_.body() = in.body;
    request_.keep_alive(true);
    request_.prepare_payload();
  }

  void start() {
    if (open_.load())
      return write();
    arm_timer();
    resolver_.async_resolve(
        where_.host, std::to_string(where_.port),
        [self = this->shared_from_this()](beast::error_code ec,
                                          tcp::resolver::results_type results) {
          self->on_resolve(ec, std::move(results));
        });
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec)
      return fail(
          io_error(error_code::network_error, "cannot resolve " + where_.host, ec));
    arm_timer();
    tcp().async_connect(results, [self = this->shared_from_this()](
                                     beast::error_code ec, const tcp::endpoint&) {
      self->on_connect(ec);
    });
  }

  void on_connect(beast::error_code ec) {
    if (ec)
      return fail(connect_error(ec));
    ++stats_->opened;
    fd_ = tcp().socket().native_handle();
    tcp().socket().set_option(tcp::no_delay{true}, ec);
    if constexpr (is_tls) {
      auto* native = stream_.native_handle();
      // SNI and host name verification both name the host we meant to reach.
      SSL_set_tlsext_host_name(native, where_.host.c_str());
      tls_->offer(native);
      if (!where_.tls.insecure_skip_verify)
        stream_.set_verify_callback(ssl::host_name_verification(where_.host));
      arm_timer();
      stream_.async_handshake(ssl::stream_base::client,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                self->on_handshake(ec);
                              });
    } else {
      open_ = true;
      write();
    }
  }

  void on_handshake(beast::error_code ec) {
    if (ec)
      return fail(ec == beast::error::timeout
                      ? make_error(error_code::timeout, "TLS handshake with "
                                                            + where_.origin()
                                                            + " did not finish in time")
                      : io_error(error_code::tls_error,
                                 "TLS handshake with " + where_.origin() + " failed"
                                     + plain_http_hint(ec),
                                 ec));
    if constexpr (is_tls)
      ++(SSL_session_reused(stream_.native_handle()) ? stats_->tls_resumed
                                                     : stats_->tls_full);
    open_ = true;
    write();
  }

  alter_error connect_error(const beast::error_code& ec) {
    if (ec == beast::error::timeout)
      return make_error(error_code::timeout,
                        "connecting to " + where_.origin() + " timed out");
    return io_error(error_code::network_error, "cannot connect to " + where_.origin(),
                    ec);
  }

  void write() {
    arm_timer();
    http::async_write(stream_, request_,
                      [self = this->shared_from_this()](
                          beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (ec) {
      // A write that failed may still have put bytes on the wire; only a
      // connection we never wrote to is certain not to have been seen.
      outcome_.request_sent = outcome_.reused;
      return fail(ec == beast::error::timeout
                      ? make_error(error_code::timeout,
                                   "sending to " + where_.origin() + " timed out")
                      : io_error(error_code::network_error,
                                 "sending to " + where_.origin() + " failed", ec));
    }
    outcome_.request_sent = true;
    parser_.emplace();
    configure(*parser_, limits_);
    received_ = 0;
    arm_timer();
    read_some();
  }

  void read_some() {
    http::async_read_some(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          self->on_read(ec, n);
        });
  }

  void on_read(beast::error_code ec, std::size_t n) {
    received_ += n;
    // Bytes the parser has not taken yet stay in the buffer.
    outcome_.response_started = received_ > 0 || buffer_.size() > 0;
    if (ec) {
      if (ec == beast::error::timeout)
        return fail(make_error(error_code::timeout,
                               "no response from " + where_.origin() + " in time"));
      return fail(read_error(ec, parser_->is_header_done(), limits_, where_.origin()));
    }
    if (auto e = over_budget(*parser_, received_, limits_, where_.origin()))
      return fail(std::move(*e));
    if (!parser_->is_done())
      return read_some();
    auto res = parser_->release();
    outcome_.ok = true;
    // Bytes after the response answer nothing we asked (HTTP/1.1 without
    // pipelining): they would be read as the next response, so no reuse.
    keep_alive_ = res.keep_alive() && buffer_.size() == 0;
    outcome_.response = to_response(std::move(res));
    if constexpr (is_tls)
      if (served_ == 0)
        tls_->remember(stream_.native_handle());
    ++served_;
    tcp().expires_never();
    if (!keep_alive_)
      shutdown();
    finish();
  }

  void fail(alter_error e) {
    outcome_.ok = false;
    outcome_.error = std::move(e);
    shutdown();
    finish();
  }

  void finish() {
    auto handler = std::move(handler_);
    handler_ = nullptr;
    if (handler)
      handler(std::move(outcome_));
  }

  void shutdown() {
    open_ = false;
    fd_ = -1;
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
  }

  tcp::resolver resolver_;
  Stream stream_;
  std::shared_ptr<tls_client> tls_;
  endpoint where_;
  client_limits limits_;
  std::shared_ptr<connection_stats> stats_;
  clock_type::time_point deadline_;
  exchange_handler handler_;
  exchange_outcome outcome_;
  http::request<http::string_body> request_;
  std::optional<response_parser> parser_;
  beast::flat_buffer buffer_;
  /// Bytes of the response being read, framing included.
  std::size_t received_ = 0;
  std::atomic<bool> open_{false};
  /// The socket's descriptor while connected, for the idle check.
  std::atomic<int> fd_{-1};
  std::atomic<bool> keep_alive_{true};
  uint64_t served_ = 0;
};

} // namespace

exchange_outcome parse_response(std::string_view bytes, const client_limits& limits) {
  memory_stream in{bytes};
  beast::flat_buffer buffer{read_buffer_size(limits)};
  response_parser parser;
  configure(parser, limits);
  exchange_outcome out;
  beast::error_code ec;
  std::size_t received = 0;
  while (!parser.is_done()) {
    received += http::read_some(in, buffer, parser, ec);
    if (ec) {
      out.error = read_error(ec, parser.is_header_done(), limits, "the peer");
      return out;
    }
    if (auto e = over_budget(parser, received, limits, "the peer")) {
      out.error = std::move(*e);
      return out;
    }
  }
  out.ok = true;
  out.response = to_response(parser.release());
  return out;
}

connection_factory
make_beast_connection_factory(const std::shared_ptr<io_runtime>& io,
                              const endpoint& where, client_limits limits,
                              std::shared_ptr<connection_stats> stats) {
  if (!stats)
    stats = std::make_shared<connection_stats>();
  if (where.secure()) {
    auto tls = std::make_shared<tls_client>(make_tls_context(where.tls));
    return [io, where, tls, limits, stats]() -> std::shared_ptr<http_connection> {
      return std::make_shared<beast_connection<beast::ssl_stream<beast::tcp_stream>>>(
          io->context(), where, tls, limits, stats);
    };
  }
  return [io, where, limits, stats]() -> std::shared_ptr<http_connection> {
    return std::make_shared<beast_connection<beast::tcp_stream>>(
        io->context(), where, nullptr, limits, stats);
  };
}

} // namespace alter::net
