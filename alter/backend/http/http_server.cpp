#include "alter/backend/http/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/validation.hpp"
#include "alter/net/bounded_read.hpp"
#include "alter/net/io_runtime.hpp"
#include "alter/net/url.hpp"

namespace alter::backend {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using request_parser = http::request_parser<http::string_body>;
using net::max_read_buffer;

/// The read buffer bounds whatever the parser must hold whole: the header block,
/// one chunk-size line with its extensions, the trailer block.
std::size_t read_buffer_size(const server_limits& limits) {
  return std::min(limits.max_header_bytes + 1024, max_read_buffer);
}

void configure(request_parser& parser, const server_limits& limits) {
  parser.header_limit(static_cast<std::uint32_t>(
      std::min(limits.max_header_bytes, max_read_buffer - 1024)));
  parser.body_limit(limits.max_body_bytes);
}

/// What the server answers on its own carries what every API answer carries
/// (protocol.md sections 1 and 6).
http_response error_response(error_code code, std::string message) {
  auto e = make_error(code, std::move(message));
  e.request_id = "req_" + crypto::random_hex(8);
  http_response res;
  res.status = http_status_of(code);
  res.headers = {{"Content-Type", "application/json"},
                 {"Cache-Control", "no-store"},
                 {"X-Content-Type-Options", "nosniff"},
                 {std::string{header::request_id}, e.request_id}};
  res.body = error_envelope(e);
  return res;
}

struct refusal {
  error_code code;
  std::string message;
};

std::size_t field_count(const http::fields& fields) {
  return static_cast<std::size_t>(std::distance(fields.begin(), fields.end()));
}

/// Framing that Beast reads one way and a proxy in front might read another
/// (request smuggling): anything but exactly one "chunked", both framings, or
/// chunked in HTTP/1.0 (RFC 9112 section 6.1).
std::optional<refusal> framing_problem(const http::request<http::string_body>& head) {
  auto [first, last] = head.equal_range(http::field::transfer_encoding);
  if (first == last)
    return std::nullopt;
  if (head.version() < 11)
    return refusal{error_code::invalid_request, "Transfer-Encoding needs HTTP/1.1"};
  auto value = std::string_view{first->value()};
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  if (std::next(first) != last || !iequals(value, "chunked"))
    return refusal{error_code::invalid_request,
                   "Transfer-Encoding must be exactly \"chunked\""};
  if (head.count(http::field::content_length) != 0)
    return refusal{error_code::invalid_request,
                   "Transfer-Encoding and Content-Length must not come together"};
  return std::nullopt;
}

/// Beast bounds only the unparsed part of a header block: fields it has parsed
/// leave the buffer, so the whole block is counted here.
refusal headers_too_large(const server_limits& limits) {
  return {error_code::headers_too_large, "request headers exceed "
                                             + std::to_string(limits.max_header_bytes)
                                             + " bytes"};
}

refusal trailers_refused() {
  return {error_code::invalid_request, "trailer fields are not accepted"};
}

/// The answer to a read that failed; nullopt when the peer left or timed out and
/// the connection just closes.
std::optional<refusal> refusal_for(const beast::error_code& ec, bool head_done,
                                   const server_limits& limits) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout
      || ec == asio::error::eof || ec == asio::error::connection_reset
      || ec == asio::error::operation_aborted || ec == ssl::error::stream_truncated)
    return std::nullopt;
  if (ec == http::error::header_limit
      || (ec == http::error::buffer_overflow && !head_done))
    return headers_too_large(limits);
  if (ec == http::error::buffer_overflow)
    return refusal{error_code::invalid_request,
                   "a chunk line or the trailers exceed "
                       + std::to_string(read_buffer_size(limits)) + " bytes"};
  if (ec == http::error::body_limit)
    return refusal{error_code::payload_too_large,
                   "request body exceeds " + std::to_string(limits.max_body_bytes)
                       + " bytes"};
  return refusal{error_code::invalid_request, "malformed HTTP request"};
}

refusal too_many_bytes(const server_limits& limits) {
  return {error_code::payload_too_large, "request exceeds "
                                             + std::to_string(limits.max_request_bytes)
                                             + " bytes with its framing"};
}

server_request to_server_request(http::request<http::string_body> req,
                                 std::string client_ip) {
  server_request in;
  in.method = std::string{req.method_string()};
  in.target = std::string{req.target()};
  in.headers.reserve(16);
  for (const auto& h : req)
    in.headers.push_back({std::string{h.name_string()}, std::string{h.value()}});
  in.body = std::move(req.body());
  in.client_ip = std::move(client_ip);
  return in;
}

} // namespace

/// Where feeding a header block stands: refused, complete, or waiting for at
/// most `room` more bytes.
struct head_progress {
  std::optional<refusal> refused;
  bool done = false;
  std::size_t room = 0;
};

/// Feeds the buffered bytes of a header block to the parser, by hand: Beast
/// bounds only what it has not parsed yet and drops parsed fields from the
/// buffer, so a block sent a field at a time would never reach its limit. Here
/// parsed and buffered bytes together may not pass it, and the reader is never
/// allowed to take more than the rest of the limit. The connection and
/// parse_request both read headers through this.
head_progress feed_head(request_parser& parser, beast::flat_buffer& buffer,
                        std::size_t& received, const server_limits& limits) {
  head_progress out;
  beast::error_code ec;
  auto used = parser.put(buffer.data(), ec);
  buffer.consume(used);
  received += used;
  if (ec && ec != http::error::need_more) {
    out.refused
        = refusal_for(ec, false, limits)
              .value_or(refusal{error_code::invalid_request, "malformed HTTP request"});
    return out;
  }
  if (parser.is_header_done()) {
    out.done = true;
    out.refused = framing_problem(parser.get());
    return out;
  }
  auto taken = received + buffer.size();
  if (taken >= limits.max_header_bytes) {
    out.refused = headers_too_large(limits);
    return out;
  }
  out.room
      = std::min(buffer.max_size() - buffer.size(), limits.max_header_bytes - taken);
  return out;
}

caf::expected<server_request> parse_request(std::string_view bytes,
                                            const server_limits& limits) {
  net::memory_stream in{bytes};
  beast::flat_buffer buffer{read_buffer_size(limits)};
  request_parser parser;
  configure(parser, limits);
  auto fail = [](const refusal& r) { return to_caf_error(r.code, r.message); };
  beast::error_code ec;
  std::size_t received = 0;
  auto malformed = refusal{error_code::invalid_request, "malformed HTTP request"};
  for (;;) {
    auto step = feed_head(parser, buffer, received, limits);
    if (step.refused)
      return fail(*step.refused);
    if (step.done)
      break;
    auto n = in.read_some(buffer.prepare(step.room), ec);
    if (ec) // the input ended inside the header block
      return fail(malformed);
    buffer.commit(n);
  }
  auto head_fields = field_count(parser.get());
  while (!parser.is_done()) {
    received += http::read_some(in, buffer, parser, ec);
    if (ec)
      return fail(refusal_for(ec, true, limits).value_or(malformed));
    if (received > limits.max_request_bytes)
      return fail(too_many_bytes(limits));
  }
  if (field_count(parser.get()) != head_fields)
    return fail(trailers_refused());
  return to_server_request(parser.release(), "127.0.0.1");
}

struct http_server::impl : std::enable_shared_from_this<http_server::impl> {
  net::io_runtime* io = nullptr;
  request_handler handler;
  server_limits limits;
  std::optional<ssl::context> tls;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> backoff;
  std::shared_ptr<fault_injector> faults;
  std::mutex mtx;
  std::size_t connections = 0;
  std::unordered_map<std::string, std::size_t> per_address;

  void accept();
  void admit(tcp::socket socket);
  void back_off();

  /// Counts a connection from `ip` in; false when a cap is reached.
  bool reserve(const std::string& ip) {
    std::lock_guard guard{mtx};
    if (connections >= limits.max_connections)
      return false;
    auto& n = per_address[ip];
    if (n >= limits.max_connections_per_address)
      return false;
    ++n;
    ++connections;
    return true;
  }

  void release(const std::string& ip) {
    std::lock_guard guard{mtx};
    --connections;
    auto i = per_address.find(ip);
    if (i != per_address.end() && --i->second == 0)
      per_address.erase(i);
  }
};

namespace {

using server_impl = http_server::impl;

template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
public:
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  session(std::shared_ptr<server_impl> server, Stream stream, std::string client_ip)
      : server_(std::move(server)), stream_(std::move(stream)),
        client_ip_(std::move(client_ip)), buffer_(read_buffer_size(server_->limits)) {
  }

  ~session() {
    server_->release(client_ip_);
  }

  void start() {
    tcp_layer().expires_after(limits().unauthenticated_idle_timeout);
    if constexpr (is_tls) {
      // The first bytes tell a TLS client from one speaking plain HTTP to this
      // port: that one gets an answer it can read, not a closed connection.
      tcp_layer().async_read_some(
          buffer_.prepare(buffer_.max_size()),
          [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
            if (ec)
              return self->close();
            self->buffer_.commit(n);
            self->on_first_bytes();
          });
    } else {
      wait_for_request();
    }
  }

private:
  /// A TLS record starts with its content type, 22 for a handshake; an HTTP
  /// request line starts with a method's letter.
  void on_first_bytes() {
    auto first = static_cast<const unsigned char*>(buffer_.data().data())[0];
    if (first == tls_handshake_record)
      return handshake();
    if (first >= 'A' && first <= 'Z')
      return answer_plain_http();
    close();
  }

  void handshake() {
    if constexpr (is_tls) {
      stream_.async_handshake(
          ssl::stream_base::server, buffer_.data(),
          [self = this->shared_from_this()](beast::error_code ec, std::size_t used) {
            if (ec)
              return self->close();
            self->buffer_.consume(used);
            self->wait_for_request();
          });
    }
  }

  /// Plain HTTP reached the TLS port: a 400 in clear that says what to do,
  /// then the connection ends.
  void answer_plain_http() {
    keep_alive_ = false;
    prepare(error_response(error_code::invalid_request,
                           "this server speaks HTTPS: plain HTTP reached its TLS port; "
                           "use an https:// URL (with the server's CA certificate)"));
    tcp_layer().expires_after(limits().read_timeout);
    http::async_write(
        tcp_layer(), response_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec)
            return self->close();
          self->drain(self->tcp_layer());
        });
  }

  static constexpr unsigned char tls_handshake_record = 0x16;

  beast::tcp_stream& tcp_layer() {
    return beast::get_lowest_layer(stream_);
  }

  const server_limits& limits() const {
    return server_->limits;
  }

  /// Idle until the next request's first byte: long once the connection has
  /// authenticated, short before.
  void wait_for_request() {
    // Before the first request the deadline set at accept still runs: the TLS
    // handshake and the first byte share it.
    if (served_ > 0)
      tcp_layer().expires_after(authenticated_->load(std::memory_order_relaxed)
                                    ? limits().idle_timeout
                                    : limits().unauthenticated_idle_timeout);
    if (buffer_.size() > 0) // pipelined: the next request is already here
      return read_head();
    stream_.async_read_some(
        buffer_.prepare(buffer_.max_size() - buffer_.size()),
        [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          if (ec)
            return self->close();
          self->buffer_.commit(n);
          self->read_head();
        });
  }

  /// From the first byte on, the whole request must arrive within read_timeout.
  void read_head() {
    parser_.emplace();
    configure(*parser_, limits());
    received_ = 0;
    tcp_layer().expires_after(limits().read_timeout);
    read_head_some();
  }

  void read_head_some() {
    auto step = feed_head(*parser_, buffer_, received_, limits());
    if (step.refused)
      return refuse(*step.refused);
    if (step.done)
      return on_head();
    stream_.async_read_some(
        buffer_.prepare(step.room),
        [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          if (ec)
            return self->on_read_error(ec);
          self->buffer_.commit(n);
          self->read_head_some();
        });
  }

  void on_head() {
    head_fields_ = field_count(parser_->get());
    if (parser_->is_done())
      return on_request();
    read_body();
  }

  void read_body() {
    http::async_read_some(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          self->on_body(ec, n);
        });
  }

  void on_body(beast::error_code ec, std::size_t n) {
    received_ += n;
    if (ec)
      return on_read_error(ec);
    if (received_ > limits().max_request_bytes)
      return refuse(too_many_bytes(limits()));
    if (!parser_->is_done())
      return read_body();
    on_request();
  }

  void on_read_error(const beast::error_code& ec) {
    auto problem = refusal_for(ec, parser_->is_header_done(), limits());
    if (!problem)
      return close();
    refuse(*problem);
  }

  void on_request() {
    // A trailer would reach handlers as a header no proxy in front has seen.
    if (field_count(parser_->get()) != head_fields_)
      return refuse(trailers_refused());
    tcp_layer().expires_never();
    auto req = parser_->release();
    keep_alive_ = req.keep_alive();
    auto in = to_server_request(std::move(req), client_ip_);
    in.connection_authenticated = authenticated_;
    auto decision = server_->faults ? server_->faults->decide(net::path_of(in.target))
                                    : fault_decision{};
    switch (decision.kind) {
      case fault_kind::reset_before:
        return close();
      case fault_kind::status:
        return write(injected_status(decision));
      case fault_kind::latency:
        timer_.expires_after(decision.delay);
        timer_.async_wait([self = this->shared_from_this(),
                           in = std::move(in)](beast::error_code) mutable {
          self->dispatch(std::move(in), fault_decision{});
        });
        return;
      default:
        return dispatch(std::move(in), decision);
    }
  }

  /// Runs the handler; its answer comes back on this connection's strand. A
  /// handler that throws before answering gets a 500 written for it: nothing
  /// a handler does may end the I/O thread.
  // NOLINTNEXTLINE(performance-unnecessary-value-param): moved into the handler
  void dispatch(server_request in, fault_decision decision) {
    auto request = ++dispatched_;
    try {
      server_->handler(std::move(in), [self = this->shared_from_this(), decision,
                                       request](http_response res) {
        // The first answer to this request stands; a late one to an earlier
        // request (whose handler threw and got a 500) is dropped.
        if (!self->claim_answer(request))
          return;
        auto ex = self->stream_.get_executor();
        asio::dispatch(ex, [self, decision, res = std::move(res)]() mutable {
          self->deliver(std::move(res), decision);
        });
      });
    } catch (const std::exception&) {
      if (claim_answer(request))
        write(error_response(error_code::internal_error,
                             "the request could not be handled"));
    }
  }

  /// True for the first answer to request number `request` (requests of a
  /// connection are answered in order, one at a time).
  bool claim_answer(uint64_t request) {
    auto previous = request - 1;
    return answered_.compare_exchange_strong(previous, request);
  }

  void deliver(http_response res, const fault_decision& decision) {
    // A connection is kept only once it has authenticated: whoever has not cannot
    // hold a slot by sending one anonymous request after another.
    if (!authenticated_->load(std::memory_order_relaxed))
      keep_alive_ = false;
    switch (decision.kind) {
      case fault_kind::reset_after:
        return close();
      case fault_kind::truncate_body:
      case fault_kind::slow_body:
        return write_in_parts(std::move(res), decision);
      default:
        return write(std::move(res));
    }
  }

  static http_response injected_status(const fault_decision& d) {
    if (d.status == 502 || d.status == 504) {
      // What a gateway in front of the backend would send: no envelope.
      http_response res;
      res.status = d.status;
      res.headers.push_back({"Content-Type", "text/html"});
      res.body = "<html><body>" + std::to_string(d.status) + " gateway</body></html>";
      return res;
    }
    auto code = d.status == 429   ? error_code::rate_limited
                : d.status == 503 ? error_code::service_unavailable
                                  : error_code::internal_error;
    auto res = error_response(code, "injected fault");
    res.status = d.status;
    if (d.status == 429 || d.status == 503)
      res.headers.push_back({"Retry-After", std::to_string(d.retry_after_seconds)});
    return res;
  }

  /// Headers first, then (after a pause, or never) the body: slow or truncated.
  void write_in_parts(http_response res, const fault_decision& decision) {
    prepare(std::move(res));
    std::ostringstream head;
    head << response_.base();
    auto body = response_.body();
    bool truncate = decision.kind == fault_kind::truncate_body;
    auto rest = std::make_shared<std::string>(truncate ? body.substr(0, body.size() / 2)
                                                       : body);
    auto header = std::make_shared<std::string>(head.str());
    tcp_layer().expires_after(limits().read_timeout);
    asio::async_write(
        stream_, asio::buffer(*header),
        [self = this->shared_from_this(), header, rest, truncate,
         delay = decision.delay](beast::error_code ec, std::size_t) {
          if (ec)
            return self->close();
          self->timer_.expires_after(truncate ? std::chrono::milliseconds{0} : delay);
          self->timer_.async_wait([self, rest, truncate](beast::error_code) {
            asio::async_write(
                self->stream_, asio::buffer(*rest),
                [self, rest, truncate](beast::error_code ec, std::size_t) {
                  if (truncate)
                    return self->close();
                  self->on_write(ec);
                });
          });
        });
  }

  /// The response to write; a handler's answer with a header that could split
  /// the response is replaced by a 500 rather than sent.
  void prepare(http_response res) {
    if (!std::all_of(res.headers.begin(), res.headers.end(), is_writable_header))
      res = error_response(error_code::internal_error, "the answer was not writable");
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(res.status));
    for (auto& h : res.headers)
      response_.insert(h.name, h.value);
    response_.body() = std::move(res.body);
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
  }

  void write(http_response res) {
    try {
      prepare(std::move(res));
    } catch (const std::exception&) { // a header Beast cannot hold (over 64 KiB)
      prepare(
          error_response(error_code::internal_error, "the answer was not writable"));
    }
    tcp_layer().expires_after(limits().read_timeout);
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](
                          beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    ++served_;
    if (ec)
      return close();
    if (draining_)
      return drain(stream_);
    if (!keep_alive_)
      return close();
    wait_for_request();
  }

  /// Answers and closes; what the client still sends is drained first.
  void refuse(const refusal& r) {
    keep_alive_ = false;
    draining_ = true;
    write(error_response(r.code, r.message));
  }

  /// Lingering close: with unread bytes in its receive queue, closing would send
  /// a reset that can destroy the answer before the client reads it. What the
  /// client still sends is read from `layer`: the stream, or the TCP one below
  /// TLS after a plain-HTTP answer.
  template <class Layer>
  void drain(Layer& layer) {
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp_layer().expires_after(limits().drain_timeout);
    drain_some(layer, 0);
  }

  /// `layer` belongs to this session, which the handler keeps alive.
  template <class Layer>
  void drain_some(Layer& layer, std::size_t drained) {
    buffer_.consume(buffer_.size());
    layer.async_read_some(buffer_.prepare(buffer_.max_size()),
                          [self = this->shared_from_this(), &layer,
                           drained](beast::error_code ec, std::size_t n) {
                            if (ec || drained + n >= self->limits().drain_bytes)
                              return self->close();
                            self->drain_some(layer, drained + n);
                          });
  }

  void close() {
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp_layer().close();
  }

  std::shared_ptr<server_impl> server_;
  Stream stream_;
  std::string client_ip_;
  beast::flat_buffer buffer_;
  asio::steady_timer timer_{stream_.get_executor()};
  std::optional<request_parser> parser_;
  http::response<http::string_body> response_;
  /// Set through server_request::mark_authenticated, from any thread.
  std::shared_ptr<std::atomic<bool>> authenticated_
      = std::make_shared<std::atomic<bool>>(false);
  /// Requests dispatched on this connection, and the last one answered.
  uint64_t dispatched_ = 0;
  std::atomic<uint64_t> answered_{0};
  std::size_t head_fields_ = 0;
  std::size_t received_ = 0;
  bool keep_alive_ = true;
  bool draining_ = false;
  uint64_t served_ = 0;
};

} // namespace

void http_server::impl::accept() {
  acceptor->async_accept(
      asio::make_strand(io->context()),
      [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !self->acceptor->is_open())
          return;
        // Out of descriptors: the connection stays queued in the kernel; accepting
        // again at once would only spin.
        if (ec == asio::error::no_descriptors
            || ec == boost::system::errc::too_many_files_open_in_system) {
          return self->back_off();
        }
        if (!ec)
          self->admit(std::move(socket));
        self->accept();
      });
}

void http_server::impl::back_off() {
  backoff->expires_after(limits.accept_backoff);
  backoff->async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec && self->acceptor->is_open())
      self->accept();
  });
}

void http_server::impl::admit(tcp::socket socket) {
  beast::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  auto ip = ec ? std::string{} : peer.address().to_string();
  if (ec || !reserve(ip)) {
    socket.close(ec);
    return;
  }
  socket.set_option(tcp::no_delay{true}, ec);
  if (tls) {
    using tls_stream = beast::ssl_stream<beast::tcp_stream>;
    std::make_shared<session<tls_stream>>(
        shared_from_this(), tls_stream{beast::tcp_stream{std::move(socket)}, *tls},
        std::move(ip))
        ->start();
  } else {
    std::make_shared<session<beast::tcp_stream>>(
        shared_from_this(), beast::tcp_stream{std::move(socket)}, std::move(ip))
        ->start();
  }
}

http_server::http_server(net::io_runtime& io, request_handler handler,
                         server_limits limits, std::optional<tls_identity> tls,
                         std::shared_ptr<fault_injector> faults)
    : impl_(std::make_shared<impl>()) {
  impl_->faults = std::move(faults);
  impl_->io = &io;
  impl_->handler = std::move(handler);
  impl_->limits = limits;
  if (tls) {
    impl_->tls.emplace(ssl::context::tls_server);
    auto& ctx = *impl_->tls;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                    | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                    | ssl::context::no_tlsv1_1);
    ctx.use_certificate_chain(asio::buffer(tls->certificate_pem));
    ctx.use_private_key(asio::buffer(tls->private_key_pem), ssl::context::pem);
  }
}

http_server::~http_server() {
  stop();
}

uint16_t http_server::listen(const std::string& address, uint16_t port) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec)
    throw std::runtime_error{"cannot listen on " + address + ": not an IP address"};
  auto ep = tcp::endpoint{ip, port};
  impl_->acceptor.emplace(asio::make_strand(impl_->io->context()));
  auto& acc = *impl_->acceptor;
  // Before anything can throw: stop() cancels it once the acceptor is open.
  impl_->backoff.emplace(acc.get_executor());
  // What went wrong, said for a person: the address and port, and what to do
  // about a port in use (not Boost's message with a header's path).
  auto refuse = [&] {
    auto where = address + ":" + std::to_string(port);
    throw std::runtime_error{
        "cannot listen on " + where + ": " + ec.message()
        + (ec == asio::error::address_in_use
               ? " (another process, perhaps another alter-local, listens there: "
                 "stop it or choose another port; 0 picks a free one)"
               : "")};
  };
  if (acc.open(ep.protocol(), ec); ec)
    refuse();
  acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (acc.bind(ep, ec); ec)
    refuse();
  if (acc.listen(asio::socket_base::max_listen_connections, ec); ec)
    refuse();
  auto bound = acc.local_endpoint().port();
  impl_->accept();
  return bound;
}

void http_server::stop() {
  if (impl_->acceptor && impl_->acceptor->is_open()) {
    // Close on the acceptor's strand so no accept handler races with it.
    auto done = std::make_shared<std::promise<void>>();
    asio::dispatch(impl_->acceptor->get_executor(), [impl = impl_, done] {
      beast::error_code ignored;
      impl->acceptor->close(ignored);
      impl->backoff->cancel();
      done->set_value();
    });
    // Bounded: if the I/O threads were already stopped, nothing accepts anyway.
    done->get_future().wait_for(std::chrono::seconds{5});
  }
}

bool http_server::secure() const noexcept {
  return impl_->tls.has_value();
}

} // namespace alter::backend
