// A plain-HTTP test client that writes exactly the bytes it is given and reads
// one answer, every operation under its own deadline (hostile-input suites).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "alter/messages/alter_error.hpp"
#include "alter/messages/json_codec.hpp"

namespace alter::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct raw_reply {
  bool answered = false;
  int status = 0;
  std::string body;
  std::string content_type;
  std::string nosniff;
  std::string cache_control;
  std::string request_id;
  /// The server closed the connection (after answering, or without a word).
  bool closed = false;

  std::string code() const {
    return std::string{name_of(parse_error_envelope(status, body).code)};
  }
};

/// A plain-HTTP client that writes exactly the bytes it is given. Every
/// operation runs under its own deadline, after which it is cancelled.
class raw_connection {
public:
  /// Connects to 127.0.0.1:`port`, from `source` when given (another loopback
  /// address stands for another peer).
  explicit raw_connection(uint16_t port, const char* source = nullptr) : socket_(io_) {
    if (source != nullptr) {
      socket_.open(tcp::v4());
      socket_.bind({asio::ip::make_address(source), 0});
    }
    connect_error = run(5s, [&](auto done) {
      socket_.async_connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port},
                            done);
    });
  }

  beast::error_code connect_error;

  /// Writes what it can: a server may hang up before a huge request is sent.
  beast::error_code write(std::string_view bytes) {
    return run(10s, [&](auto done) {
      asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                        [done](beast::error_code ec, std::size_t) { done(ec); });
    });
  }

  raw_reply read(std::chrono::milliseconds timeout = 10s) {
    raw_reply out;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    auto ec = run(timeout, [&](auto done) {
      http::async_read(socket_, buffer_, parser,
                       [done](beast::error_code ec, std::size_t) { done(ec); });
    });
    if (ec) {
      out.closed = ec != asio::error::operation_aborted;
      return out;
    }
    auto res = parser.release();
    out.answered = true;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    out.content_type = std::string{res[http::field::content_type]};
    out.nosniff = std::string{res["X-Content-Type-Options"]};
    out.cache_control = std::string{res[http::field::cache_control]};
    out.request_id = std::string{res["x-alter-request-id"]};
    if (!res.keep_alive())
      out.closed = closed_by_peer(1s);
    return out;
  }

  /// True when the peer closes the connection within `within`.
  bool closed_by_peer(std::chrono::milliseconds within) {
    auto ec = run(within, [&](auto done) {
      socket_.async_read_some(asio::buffer(byte_, 1),
                              [done](beast::error_code ec, std::size_t) { done(ec); });
    });
    // operation_aborted: the deadline cancelled the read, the peer kept quiet.
    return ec && ec != asio::error::operation_aborted;
  }

private:
  template <class Start>
  beast::error_code run(std::chrono::milliseconds deadline, Start start) {
    beast::error_code result;
    asio::steady_timer timer{io_, deadline};
    timer.async_wait([&](beast::error_code ec) {
      if (!ec)
        socket_.cancel();
    });
    start([&](beast::error_code ec) {
      result = ec;
      timer.cancel();
    });
    io_.restart();
    io_.run(); // both handlers have run when this returns
    return result;
  }

  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  char byte_[1] = {};
};

} // namespace alter::testing
