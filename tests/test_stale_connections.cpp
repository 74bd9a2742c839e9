// Kept-alive connections the peer already closed: the backend's provider pool and
// the SDK's pool neither hand them out nor lose a call to them. Providers here
// are real sockets (a scripted TCP peer, or the simulated providers with a short
// idle timeout); each counts the requests it read.
#define CAF_SUITE stale_connections
#include "caf/test/unit_test.hpp"

#include <poll.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "alter/backend/proxy/upstream_client.hpp"
#include "alter/messages/atoms.hpp"
#include "alter/net/connection_pool.hpp"
#include "alter/net/io_runtime.hpp"
#include "alter/net/url.hpp"

#include "backend_world.hpp"
#include "hostile_peer.hpp"

using namespace alter;
using namespace alter::testing;
using namespace std::chrono_literals;

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string http_200(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n\r\n" + body;
}

bool readable_within(tcp::socket& s, std::chrono::milliseconds limit) {
  pollfd p{s.native_handle(), POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(limit.count())) > 0;
}

/// Answers every request and closes a connection idle for `limit`, as servers'
/// keep-alive timers do (a FIN, no answer).
behaviour closes_when_idle(std::chrono::milliseconds limit, std::atomic<int>& heads) {
  return [limit, &heads](tcp::socket& s, const std::atomic<bool>& stopping) {
    while (!stopping && readable_within(s, limit) && read_head(s)) {
      ++heads;
      send(s, http_200("{}"));
    }
    boost::system::error_code ec;
    s.close(ec);
  };
}

/// Answers every request until the client closes the connection (counted).
behaviour keeps_connections(std::atomic<int>& heads, std::atomic<int>& client_closed) {
  return [&heads, &client_closed](tcp::socket& s, const std::atomic<bool>& stopping) {
    while (read_head(s)) {
      ++heads;
      send(s, http_200("{}"));
    }
    if (!stopping)
      ++client_closed;
  };
}

/// What a connection does with every request after its first.
enum class later_requests {
  /// Read, then the connection closes without a byte of answer.
  dropped,
  /// Part of a status line and header, then the connection closes.
  cut_mid_answer,
};

/// Answers the first request of each connection; treats later ones as `later`.
behaviour answers_first_request_only(later_requests later, std::atomic<int>& heads) {
  return [later, &heads](tcp::socket& s, const std::atomic<bool>&) {
    for (int served = 0; read_head(s); ++served) {
      ++heads;
      if (served == 0) {
        send(s, http_200("{}"));
        continue;
      }
      if (later == later_requests::cut_mid_answer)
        send(s, "HTTP/1.1 200 OK\r\nContent-Le");
      break;
    }
    boost::system::error_code ec;
    s.close(ec);
  };
}

/// Reads each request and closes without answering.
behaviour never_answers_a_request(std::atomic<int>& heads) {
  return [&heads](tcp::socket& s, const std::atomic<bool>&) {
    if (read_head(s))
      ++heads;
    boost::system::error_code ec;
    s.close(ec);
  };
}

http_request request(std::string method, field_list headers = {}) {
  http_request r;
  r.method = std::move(method);
  r.target = "/v1/items";
  r.headers = std::move(headers);
  return r;
}

/// The backend's provider pool on its own I/O thread.
struct upstream {
  std::shared_ptr<net::io_runtime> io = std::make_shared<net::io_runtime>(1);
  backend::upstream_client client;

  explicit upstream(backend::upstream_options options = {})
      : client(io, {}, {}, options) {
  }

  /// `n` calls at once; how many succeeded.
  int burst(const hostile_peer& peer, int n) {
    std::atomic<int> left{n};
    std::atomic<int> succeeded{0};
    std::promise<void> all_done;
    for (int i = 0; i < n; ++i)
      client.exchange(net::parse_url(peer.url())->where, request("GET"), 3s,
                      [&](net::exchange_outcome out) {
                        if (out.ok)
                          ++succeeded;
                        if (--left == 0)
                          all_done.set_value();
                      });
    all_done.get_future().wait();
    return succeeded;
  }

  net::exchange_outcome call(const hostile_peer& peer, http_request req) {
    std::promise<net::exchange_outcome> result;
    auto answer = result.get_future();
    client.exchange(
        net::parse_url(peer.url())->where, std::move(req), 3s,
        [&result](net::exchange_outcome out) { result.set_value(std::move(out)); });
    return answer.get();
  }
};

template <class Predicate>
bool eventually(Predicate p, std::chrono::milliseconds limit = 2s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!p()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

} // namespace

CAF_TEST(a provider connection closed by the provider while idle is not reused) {
  std::atomic<int> heads{0};
  hostile_peer provider{closes_when_idle(200ms, heads)};
  backend::upstream_options options;
  options.idle_timeout = 60s; // only the check before reuse can tell
  upstream pool{options};
  CAF_CHECK(pool.call(provider, request("GET")).ok);
  std::this_thread::sleep_for(700ms);
  auto after_idle = pool.call(provider, request("POST"));
  CAF_CHECK(after_idle.ok);
  CAF_CHECK(!after_idle.reused);
  CAF_CHECK_EQUAL(heads.load(), 2);
  CAF_CHECK_EQUAL(provider.connections(), 2);
}

CAF_TEST(a burst after the provider closed every idle connection succeeds) {
  std::atomic<int> heads{0};
  hostile_peer provider{closes_when_idle(300ms, heads)};
  backend::upstream_options options;
  options.idle_timeout = 60s; // only the check before reuse can tell
  upstream pool{options};
  CAF_CHECK_EQUAL(pool.burst(provider, 48), 48);
  auto opened = provider.connections();
  std::this_thread::sleep_for(900ms);
  CAF_CHECK_EQUAL(pool.burst(provider, 48), 48);
  CAF_CHECK_EQUAL(heads.load(), 96);
  CAF_CHECK_GREATER(provider.connections(), opened);
}

CAF_TEST(a provider connection idle past the idle limit is closed and not reused) {
  std::atomic<int> heads{0};
  std::atomic<int> client_closed{0};
  hostile_peer provider{keeps_connections(heads, client_closed)};
  backend::upstream_options options;
  options.idle_timeout = 1s;
  upstream pool{options};
  CAF_CHECK(pool.call(provider, request("GET")).ok);
  CAF_CHECK(pool.call(provider, request("GET")).reused);
  CAF_CHECK_EQUAL(provider.connections(), 1);
  std::this_thread::sleep_for(1500ms);
  auto after_idle = pool.call(provider, request("GET"));
  CAF_CHECK(after_idle.ok);
  CAF_CHECK(!after_idle.reused);
  CAF_CHECK_EQUAL(provider.connections(), 2);
  CAF_CHECK(eventually([&] { return client_closed.load() == 1; }));
  CAF_CHECK_EQUAL(heads.load(), 3);
}

CAF_TEST(a reused connection that fails before any answer byte is resent once) {
  std::atomic<int> heads{0};
  hostile_peer provider{answers_first_request_only(later_requests::dropped, heads)};
  upstream pool;
  CAF_CHECK(pool.call(provider, request("GET")).ok);
  // Dropped on the reused connection, answered on a fresh one.
  auto resent = pool.call(provider, request("GET"));
  CAF_CHECK(resent.ok);
  CAF_CHECK_EQUAL(heads.load(), 3);
  CAF_CHECK_EQUAL(provider.connections(), 2);
  // A POST is resent only with an Idempotency-Key (Go's net/http rule).
  auto keyed = pool.call(provider, request("POST", {{"Idempotency-Key", "k-1"}}));
  CAF_CHECK(keyed.ok);
  CAF_CHECK_EQUAL(heads.load(), 5);
  CAF_CHECK_EQUAL(provider.connections(), 3);
  auto unkeyed = pool.call(provider, request("POST"));
  CAF_CHECK(!unkeyed.ok);
  CAF_CHECK(unkeyed.error.code == error_code::network_error);
  CAF_CHECK(unkeyed.request_sent);
  CAF_CHECK_EQUAL(heads.load(), 6);
  CAF_CHECK_EQUAL(provider.connections(), 3);
}

CAF_TEST(a fresh connection that fails is not resent) {
  std::atomic<int> heads{0};
  hostile_peer provider{never_answers_a_request(heads)};
  upstream pool;
  auto out = pool.call(provider, request("GET"));
  CAF_CHECK(!out.ok);
  CAF_CHECK(out.error.code == error_code::network_error);
  CAF_CHECK(!out.reused);
  CAF_CHECK_EQUAL(heads.load(), 1);
  CAF_CHECK_EQUAL(provider.connections(), 1);
}

CAF_TEST(a reused connection that fails after answer bytes is not resent) {
  std::atomic<int> heads{0};
  hostile_peer provider{
      answers_first_request_only(later_requests::cut_mid_answer, heads)};
  upstream pool;
  CAF_CHECK(pool.call(provider, request("GET")).ok);
  auto cut = pool.call(provider, request("GET"));
  CAF_CHECK(!cut.ok);
  CAF_CHECK(cut.reused);
  CAF_CHECK_EQUAL(heads.load(), 2);
  CAF_CHECK_EQUAL(provider.connections(), 1);
}

CAF_TEST(a proxied call after the simulated provider closed idle connections works) {
  for (bool tls : {true, false}) {
    CAF_MESSAGE("tls = " << tls);
    auto options = world::options(tls);
    options.simulated_provider_idle_timeout = std::chrono::seconds{1};
    options.upstream_idle_timeout = 60s; // only the check before reuse can tell
    world w{options};
    auto agent = w.agent();
    provider_call call;
    call.url = w.provider_url("sim-bearer") + "/v1/items";
    call.grant_id = w.keys.agents[0].grant_ids[0];
    call.method = "POST";
    // Connections the SDK opened to the backend: a healthy one, TLS or not, is
    // reused (the check before reuse must not misjudge it), idle spell or not.
    auto sdk_opened = [&] {
      auto where = net::parse_url(w.backend.base_url())->where;
      where.tls.ca_pem = w.backend.certificate_pem();
      caf::scoped_actor self{w.env->system()};
      int64_t out = -1;
      self->request(w.env->transport(), caf::infinite, credit_atom_v, where)
          .receive([&](const net::pool_stats& s) { out = s.opened; },
                   [&](caf::error&) {});
      return out;
    };
    CAF_CHECK_EQUAL(agent.proxy_request(call).result.status_code, 200);
    auto opened = sdk_opened();
    CAF_CHECK_EQUAL(agent.proxy_request(call).result.status_code, 200);
    CAF_CHECK_EQUAL(sdk_opened(), opened);
    std::this_thread::sleep_for(1600ms);
    auto e = thrown_by(
        [&] { CAF_CHECK_EQUAL(agent.proxy_request(call).result.status_code, 200); });
    CAF_CHECK_EQUAL(e.message, "nothing was thrown");
    CAF_CHECK_EQUAL(w.backend.hits().total(), 3);
    CAF_CHECK_EQUAL(sdk_opened(), opened);
  }
}

CAF_TEST(the SDK does not reuse a connection its backend closed while idle) {
  std::atomic<int> heads{0};
  hostile_peer backend{closes_when_idle(200ms, heads)};
  auto env = blocking::environment::make();
  caf::scoped_actor self{env->system()};
  auto where = net::parse_url(backend.url())->where;
  auto exchange = [&] {
    std::string outcome = "no answer";
    self->request(env->transport(), caf::infinite, exchange_atom_v, where,
                  request("POST"))
        .receive([&](http_response& r) { outcome = std::to_string(r.status); },
                 [&](caf::error& e) { outcome = from_caf_error(e).message; });
    return outcome;
  };
  CAF_CHECK_EQUAL(exchange(), "200");
  std::this_thread::sleep_for(700ms);
  CAF_CHECK_EQUAL(exchange(), "200");
  CAF_CHECK_EQUAL(heads.load(), 2);
  CAF_CHECK_EQUAL(backend.connections(), 2);
}
