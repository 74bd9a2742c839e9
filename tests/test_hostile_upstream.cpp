// Hostile peers for the SDK: a "backend" or provider that sends garbage, resets
// mid-body, never answers, drips, or answers enormous headers and bodies. Every
// call ends with a typed error within its deadline and the pool is left with
// nothing in flight.
#define CAF_SUITE hostile_upstream
#include "caf/test/unit_test.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "alter/auth/api_key.hpp"
#include "alter/messages/atoms.hpp"
#include "alter/net/connection_pool.hpp"
#include "alter/net/transport.hpp"

#include "backend_world.hpp"
#include "hostile_peer.hpp"

using namespace alter;
using namespace alter::testing;
using namespace std::chrono_literals;

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// Answers every request on the connection with `bytes`, as often as asked.
behaviour answer(std::string bytes) {
  return [bytes](tcp::socket& s, const std::atomic<bool>&) {
    while (read_head(s))
      send(s, bytes);
  };
}

behaviour garbage() {
  return [](tcp::socket& s, const std::atomic<bool>&) {
    // Binary junk with NULs: sized by the array, not by hand (ASan caught a
    // miscounted length here once).
    static constexpr char junk[] = "\x00\x01\x02 SPDY/9 what\r\n\r\nnonsense";
    if (read_head(s))
      send(s, std::string{junk, sizeof junk - 1});
  };
}

behaviour reset_mid_body() {
  return [](tcp::socket& s, const std::atomic<bool>&) {
    if (!read_head(s))
      return;
    send(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n{\"id\":\"");
    s.set_option(asio::socket_base::linger{true, 0}); // close with RST
    boost::system::error_code ec;
    s.close(ec);
  };
}

behaviour never_answers() {
  return [](tcp::socket& s, const std::atomic<bool>& stopping) {
    read_head(s);
    while (!stopping)
      std::this_thread::sleep_for(20ms);
  };
}

behaviour drips() {
  return [](tcp::socket& s, const std::atomic<bool>& stopping) {
    if (!read_head(s))
      return;
    send(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Content-Length: 100000\r\n\r\n");
    while (!stopping) {
      boost::system::error_code ec;
      asio::write(s, asio::buffer(" ", 1), ec);
      if (ec)
        return;
      std::this_thread::sleep_for(100ms);
    }
  };
}

behaviour enormous_body(bool chunked) {
  return [chunked](tcp::socket& s, const std::atomic<bool>& stopping) {
    if (!read_head(s))
      return;
    send(s, chunked ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    : "HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n");
    std::string block(64 * 1024, 'x');
    if (chunked)
      block = "10000\r\n" + block + "\r\n";
    while (!stopping) {
      boost::system::error_code ec;
      asio::write(s, asio::buffer(block), ec);
      if (ec)
        return;
    }
  };
}

/// A chunked 200 whose trailer block is `trailer` (header lines, each ending CRLF).
behaviour chunked_with_trailer(std::string trailer) {
  return answer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n"
                + trailer + "\r\n");
}

/// A chunked 200 whose first chunk-size line never ends.
behaviour endless_chunk_extension() {
  return [](tcp::socket& s, const std::atomic<bool>& stopping) {
    if (!read_head(s))
      return;
    send(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=");
    std::string block(64 * 1024, 'e');
    while (!stopping) {
      boost::system::error_code ec;
      asio::write(s, asio::buffer(block), ec);
      if (ec)
        return;
    }
  };
}

std::string many_trailer_fields() {
  std::string out;
  for (int i = 0; i < 8000; ++i)
    out += "X-T" + std::to_string(i) + ": tttttttt\r\n";
  return out;
}

std::string http_200(const std::string& body, const std::string& extra = {}) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + extra
         + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct sdk {
  std::shared_ptr<blocking::environment> env = blocking::environment::make();

  blocking::Agent agent_for(const std::string& base_url, double timeout = 2.0) {
    client_options o;
    o.api_key = generate_key(key_type::agent);
    o.base_url = base_url;
    o.timeout = timeout;
    return blocking::Agent{o, env};
  }

  /// In flight plus queued calls on the pool for `url`'s origin.
  int64_t busy(const std::string& url) {
    auto where = net::parse_url(url)->where;
    caf::scoped_actor self{env->system()};
    int64_t out = -1;
    self->request(env->transport(), caf::infinite, credit_atom_v, where)
        .receive([&](const net::pool_stats& s) { out = s.in_flight + s.queued; },
                 [&](caf::error&) {});
    return out;
  }
};

/// Runs `call`, which must throw; returns the error and checks the deadline.
template <class F>
alter_error fails_within(std::chrono::milliseconds deadline, F&& call) {
  auto started = std::chrono::steady_clock::now();
  auto e = thrown_by(std::forward<F>(call));
  auto took = std::chrono::steady_clock::now() - started;
  CAF_CHECK(e.code != error_code::unknown_error || e.http_status != 0);
  CAF_CHECK(took < deadline);
  return e;
}

} // namespace

CAF_TEST(a backend that answers garbage or hangs up is a typed error) {
  sdk s;
  {
    hostile_peer peer{garbage()};
    auto e = fails_within(5s, [&] { s.agent_for(peer.url()).me(); });
    CAF_CHECK(e.code == error_code::malformed_response
              || e.code == error_code::network_error);
    CAF_CHECK_EQUAL(s.busy(peer.url()), 0);
  }
  {
    hostile_peer peer{reset_mid_body()};
    auto e = fails_within(5s, [&] { s.agent_for(peer.url()).me(); });
    CAF_CHECK(e.code == error_code::network_error);
    CAF_CHECK(e.is(error_class::NetworkError));
    CAF_CHECK_EQUAL(s.busy(peer.url()), 0);
  }
}

CAF_TEST(a backend that never answers or drips fails on the call deadline) {
  sdk s;
  for (auto b : {never_answers(), drips()}) {
    hostile_peer peer{b};
    auto e = fails_within(4s, [&] { s.agent_for(peer.url(), 1.0).me(); });
    CAF_CHECK(e.code == error_code::timeout);
    CAF_CHECK_EQUAL(s.busy(peer.url()), 0);
  }
}

CAF_TEST(enormous headers and bodies are refused at the limit) {
  sdk s;
  for (bool chunked : {false, true}) {
    hostile_peer peer{enormous_body(chunked)};
    auto e = fails_within(10s, [&] { s.agent_for(peer.url(), 10.0).me(); });
    CAF_CHECK(e.code == error_code::malformed_response);
    CAF_CHECK(e.message.find("exceeds") != std::string::npos);
    CAF_CHECK_EQUAL(s.busy(peer.url()), 0);
  }
  hostile_peer headers{
      answer(http_200("{}", "X-Pad: " + std::string(200000, 'p') + "\r\n"))};
  auto e = fails_within(5s, [&] { s.agent_for(headers.url()).me(); });
  CAF_CHECK(e.code == error_code::malformed_response);
}

CAF_TEST(well formed HTTP with the wrong content is malformed_response) {
  sdk s;
  for (std::string body :
       {std::string{"<html>oops</html>"}, std::string{R"({"unexpected": true})"},
        std::string(50000, '[') + std::string(50000, ']'),
        std::string{R"({"id": 42, "name": ["x"]})"}}) {
    hostile_peer peer{answer(http_200(body))};
    auto e = fails_within(5s, [&] { s.agent_for(peer.url()).me(); });
    CAF_CHECK(e.code == error_code::malformed_response);
  }
  // An error status without an envelope keeps its meaning by status.
  hostile_peer teapot{
      answer("HTTP/1.1 418 I'm a teapot\r\nContent-Length: 5\r\n\r\nshort")};
  auto e = fails_within(5s, [&] { s.agent_for(teapot.url()).me(); });
  CAF_CHECK_EQUAL(e.http_status, 418);
  CAF_CHECK(e.is(error_class::BackendError));
}

CAF_TEST(trailers and chunk extensions of any size are malformed_response) {
  sdk s;
  // One trailer field past Beast's 16-bit field length made it throw out of the
  // I/O thread, which ended the process.
  for (auto b :
       {chunked_with_trailer("X-Big: " + std::string(70 * 1024, 't') + "\r\n"),
        chunked_with_trailer(many_trailer_fields()), endless_chunk_extension()}) {
    hostile_peer peer{b};
    auto e = fails_within(5s, [&] { s.agent_for(peer.url()).me(); });
    CAF_CHECK(e.code == error_code::malformed_response);
    CAF_CHECK_EQUAL(s.busy(peer.url()), 0);
  }
  // A modest trailer is fine.
  hostile_peer fine{chunked_with_trailer("X-Checksum: abc\r\n")};
  auto e = thrown_by([&] { s.agent_for(fine.url()).me(); });
  CAF_CHECK(e.code
            == error_code::malformed_response); // "{}" is no agent: but it was read
  CAF_CHECK(e.message.find("trailer") == std::string::npos);
}

CAF_TEST(a hostile provider in retrieve mode is a typed error for the caller) {
  world w{false};
  auto options = w.client(w.keys.agents[0].api_key);
  options.timeout = 2;
  blocking::Agent agent{options, w.env};
  for (auto b : {garbage(), reset_mid_body(), never_answers(), enormous_body(false),
                 chunked_with_trailer("X-Big: " + std::string(70 * 1024, 't') + "\r\n"),
                 endless_chunk_extension()}) {
    hostile_peer provider{b};
    provider_call call;
    call.url = provider.url() + "/v1/items";
    call.grant_id = w.keys.agents[0].grant_ids[0];
    auto e = fails_within(5s, [&] { agent.request(call); });
    CAF_CHECK(e.is(error_class::NetworkError)
              || e.code == error_code::malformed_response
              || e.code == error_code::timeout);
  }
}

CAF_TEST(a hostile provider in proxy mode is an upstream error from the backend) {
  auto opts = world::options(false);
  world w{opts};
  auto agent = w.agent();
  for (auto b : {garbage(), reset_mid_body(), enormous_body(true),
                 chunked_with_trailer("X-Big: " + std::string(70 * 1024, 't') + "\r\n"),
                 endless_chunk_extension()}) {
    hostile_peer provider{b};
    // Point the provider of the agent's first grant at the hostile peer.
    auto grant = w.backend.db().grants().find(w.keys.agents[0].grant_ids[0]);
    auto p = w.backend.db().grants().find_provider(grant->provider_id);
    p->base_url = provider.url();
    w.backend.db().grants().put_provider(*p);
    provider_call call;
    call.url = provider.url() + "/v1/items";
    call.grant_id = grant->id;
    auto e = fails_within(15s, [&] { agent.proxy_request(call); });
    CAF_CHECK(e.code == error_code::upstream_unreachable
              || e.code == error_code::provider_error);
    CAF_CHECK(e.is(error_class::ProviderAPIError) || e.is(error_class::BackendError)
              || e.is(error_class::NetworkError));
  }
}

CAF_TEST(the SDK never writes a header that could split its request) {
  sdk s;
  std::atomic<int> heads{0};
  hostile_peer peer{[&heads](tcp::socket& sock, const std::atomic<bool>&) {
    if (read_head(sock))
      ++heads;
  }};
  auto where = net::parse_url(peer.url())->where;
  caf::scoped_actor self{s.env->system()};
  for (const auto& bad : {field{"X-Note", "a\r\nInjected: yes"}, field{"Bad Name", "v"},
                          field{"X-Nul", std::string("a\0b", 3)},
                          field{"X-Huge", std::string(70 * 1024, 'v')}}) {
    http_request req;
    req.target = "/";
    req.headers.push_back(bad);
    auto code = error_code::unknown_error;
    self->request(s.env->transport(), caf::infinite, exchange_atom_v, where, req)
        .receive([&](http_response&) {},
                 [&](caf::error& e) { code = from_caf_error(e).code; });
    CAF_CHECK(code == error_code::invalid_argument);
  }
  CAF_CHECK_EQUAL(heads.load(), 0);
}
