#include "backend/http_server.hpp"

#include <atomic>
#include <future>
#include <sstream>
#include <system_error>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "messages/json_codec.hpp"
#include "net/io_runtime.hpp"
#include "net/url.hpp"

namespace alter::backend {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

http_response error_response(error_code code, std::string message) {
  http_response res;
  res.status = http_status_of(code);
  res.headers.push_back({"Content-Type", "application/json"});
  res.body = error_envelope(make_error(code, std::move(message)));
  return res;
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

caf::expected<server_request> parse_request(std::string_view bytes,
                                            const server_limits& limits) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  boost::system::error_code ec;
  auto used = parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
  if (!ec && !parser.is_done() && used == bytes.size())
    parser.put_eof(ec); // a body that runs to the end of the input
  if (ec == http::error::header_limit)
    return to_caf_error(error_code::headers_too_large, "request headers too large");
  if (ec == http::error::body_limit)
    return to_caf_error(error_code::payload_too_large, "request body too large");
  if (ec || !parser.is_done())
    return to_caf_error(error_code::invalid_request, "malformed HTTP request");
  return to_server_request(parser.release(), "127.0.0.1");
}

struct http_server::impl : std::enable_shared_from_this<http_server::impl> {
  net::io_runtime* io = nullptr;
  request_handler handler;
  server_limits limits;
  std::optional<ssl::context> tls;
  std::optional<tcp::acceptor> acceptor;
  std::shared_ptr<fault_injector> faults;
  std::atomic<std::size_t> connections{0};

  void accept();
};

namespace {

using server_impl = http_server::impl;

template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
public:
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  session(std::shared_ptr<server_impl> server, Stream stream, std::string client_ip)
      : server_(std::move(server)), stream_(std::move(stream)),
        client_ip_(std::move(client_ip)) {
  }

  ~session() {
    --server_->connections;
  }

  void start() {
    if constexpr (is_tls) {
      tcp_layer().expires_after(server_->limits.read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec)
                                  self->read();
                              });
    } else {
      read();
    }
  }

private:
  beast::tcp_stream& tcp_layer() {
    return beast::get_lowest_layer(stream_);
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->limits.max_header_bytes));
    parser_->body_limit(server_->limits.max_body_bytes);
    // The first request of a connection and every later one share the read
    // deadline; idle keep-alive connections get the longer idle timeout.
    tcp_layer().expires_after(served_ == 0 ? server_->limits.read_timeout
                                           : server_->limits.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](
                         beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::header_limit)
      return reply_and_close(error_response(
          error_code::headers_too_large,
          "request headers exceed " + std::to_string(server_->limits.max_header_bytes)
              + " bytes"));
    if (ec == http::error::body_limit)
      return reply_and_close(error_response(
          error_code::payload_too_large,
          "request body exceeds " + std::to_string(server_->limits.max_body_bytes)
              + " bytes"));
    if (ec == http::error::end_of_stream || ec == beast::error::timeout
        || ec == asio::error::eof || ec == asio::error::connection_reset
        || ec == asio::error::operation_aborted)
      return close();
    if (ec)
      return reply_and_close(
          error_response(error_code::invalid_request, "malformed HTTP request"));
    tcp_layer().expires_never();
    auto req = parser_->release();
    keep_alive_ = req.keep_alive();
    auto in = to_server_request(std::move(req), client_ip_);
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

  /// Runs the handler; its answer comes back on this connection's strand.
  void dispatch(const server_request& in, fault_decision decision) {
    server_->handler(
        std::move(in), [self = this->shared_from_this(), decision](http_response res) {
          auto ex = self->stream_.get_executor();
          asio::dispatch(ex, [self, decision, res = std::move(res)]() mutable {
            self->deliver(std::move(res), decision);
          });
        });
  }

  void deliver(http_response res, const fault_decision& decision) {
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
    http_response res;
    res.status = d.status;
    auto code = d.status == 429   ? error_code::rate_limited
                : d.status == 503 ? error_code::service_unavailable
                                  : error_code::internal_error;
    if (d.status == 502 || d.status == 504) {
      // What a gateway in front of the backend would send: no envelope.
      res.headers.push_back({"Content-Type", "text/html"});
      res.body = "<html><body>" + std::to_string(d.status) + " gateway</body></html>";
      return res;
    }
    res.headers.push_back({"Content-Type", "application/json"});
    if (d.status == 429 || d.status == 503)
      res.headers.push_back({"Retry-After", std::to_string(d.retry_after_seconds)});
    res.body = error_envelope(make_error(code, "injected fault"));
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
    tcp_layer().expires_after(server_->limits.read_timeout);
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

  void prepare(http_response res) {
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
    prepare(std::move(res));
    tcp_layer().expires_after(server_->limits.read_timeout);
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](
                          beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    ++served_;
    if (ec || !keep_alive_)
      return close();
    read();
  }

  void reply_and_close(http_response res) {
    keep_alive_ = false;
    write(std::move(res));
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
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  bool keep_alive_ = true;
  uint64_t served_ = 0;
};

} // namespace

void http_server::impl::accept() {
  acceptor->async_accept(
      asio::make_strand(io->context()),
      [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !self->acceptor->is_open())
          return;
        if (!ec) {
          if (self->connections.load() >= self->limits.max_connections) {
            beast::error_code ignored;
            socket.close(ignored);
          } else {
            ++self->connections;
            beast::error_code ep_ec;
            auto peer = socket.remote_endpoint(ep_ec);
            auto ip = ep_ec ? std::string{} : peer.address().to_string();
            socket.set_option(tcp::no_delay{true}, ep_ec);
            if (self->tls) {
              using tls_stream = beast::ssl_stream<beast::tcp_stream>;
              std::make_shared<session<tls_stream>>(
                  self, tls_stream{beast::tcp_stream{std::move(socket)}, *self->tls},
                  std::move(ip))
                  ->start();
            } else {
              std::make_shared<session<beast::tcp_stream>>(
                  self, beast::tcp_stream{std::move(socket)}, std::move(ip))
                  ->start();
            }
          }
        }
        self->accept();
      });
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
  auto ep = tcp::endpoint{asio::ip::make_address(address), port};
  impl_->acceptor.emplace(asio::make_strand(impl_->io->context()));
  auto& acc = *impl_->acceptor;
  acc.open(ep.protocol());
  acc.set_option(asio::socket_base::reuse_address(true));
  acc.bind(ep);
  acc.listen(asio::socket_base::max_listen_connections);
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
