#include "benchmarks/raw_http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace alter::bench {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

struct raw_http_client::impl {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  asio::ip::tcp::resolver::results_type where;
  std::string host;

  void connect() {
    stream.connect(where);
  }
};

raw_http_client::raw_http_client(const std::string& host, unsigned short port)
    : impl_(std::make_unique<impl>()) {
  asio::ip::tcp::resolver resolver{impl_->io};
  impl_->where = resolver.resolve(host, std::to_string(port));
  impl_->host = host + ":" + std::to_string(port);
  impl_->connect();
}

raw_http_client::~raw_http_client() {
  beast::error_code ec;
  impl_->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
}

http_response raw_http_client::exchange(const http_request& in) {
  http::request<http::string_body> req{http::string_to_verb(in.method), in.target, 11};
  req.set(http::field::host, impl_->host);
  for (const auto& h : in.headers)
    req.set(h.name, h.value);
  req.body() = in.body;
  req.prepare_payload();
  req.keep_alive(true);
  for (int attempt = 0;; ++attempt) {
    beast::error_code ec;
    http::write(impl_->stream, req, ec);
    http::response<http::string_body> res;
    if (!ec)
      http::read(impl_->stream, impl_->buffer, res, ec);
    if (!ec) {
      http_response out;
      out.status = static_cast<int>(res.result_int());
      out.body = std::move(res.body());
      if (!res.keep_alive()) {
        impl_->stream.socket().close(ec);
        impl_->connect();
      }
      return out;
    }
    if (attempt > 0)
      throw beast::system_error{ec};
    // The server closed an idle connection: once more on a fresh one.
    impl_->stream.socket().close(ec);
    impl_->buffer.clear();
    impl_->connect();
  }
}

} // namespace alter::bench
