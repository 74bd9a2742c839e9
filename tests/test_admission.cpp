// Admission control and the worker pool over real loopback sockets: a request
// class at its bound is refused with 503 service_unavailable and Retry-After
// while the other classes are served; admission is given back exactly once per
// answer (after a client hangs up mid-call, after a handler throws); a thousand
// waiting long-polls hold no worker; and the store refuses to run on an I/O
// thread.
#define CAF_SUITE admission
#include "caf/test/unit_test.hpp"

#include <atomic>
#include <future>
#include <optional>
#include <thread>

#include <boost/asio/post.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/backend/api/admission.hpp"
#include "alter/backend/api/request_executor.hpp"
#include "alter/backend/store/sqlite/database.hpp"
#include "alter/backend/store/sqlite/sqlite_store.hpp"
#include "alter/backend/store/transaction.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/wire_requests.hpp"
#include "alter/net/io_runtime.hpp"

#include "backend_world.hpp"
#include "hostile_peer.hpp"
#include "raw_connection.hpp"
#include "temp_files.hpp"

using namespace alter;
using namespace alter::testing;
using namespace std::chrono_literals;
using backend::request_class;

namespace {

/// Waits (without asserting on time) until `done` holds; false after 30 s.
template <class Predicate>
bool eventually(Predicate done) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

/// A provider that reads each request and answers 200 only once released;
/// until then the proxied calls stay in flight at the backend.
struct held_provider {
  std::atomic<bool> released{false};
  hostile_peer peer{[this](tcp::socket& s, const std::atomic<bool>& stopping) {
    while (read_head(s)) {
      while (!released && !stopping)
        std::this_thread::sleep_for(2ms);
      if (stopping)
        return;
      send(s, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
              "Content-Length: 2\r\n\r\nok");
    }
  }};
};

/// The bytes of a request signed with `key` (HTTP/1.1, keep-alive).
std::string signed_bytes(const std::string& key, const std::string& signing_key,
                         const std::string& method, const std::string& target,
                         const std::string& body = {}, field_list extra = {}) {
  http_request req;
  req.method = method;
  req.target = target;
  req.body = body;
  req.headers = std::move(extra);
  if (!body.empty())
    req.headers.push_back({"Content-Type", "application/json"});
  sign_request(req, key, signing_key, unix_now(), crypto::random_hex(16));
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& h : req.headers)
    out += h.name + ": " + h.value + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return out;
}

uint16_t port_of(const std::string& base_url) {
  return static_cast<uint16_t>(std::stoi(base_url.substr(base_url.rfind(':') + 1)));
}

struct admission_world : world {
  std::string agent_key = keys.agents[0].api_key;
  std::string agent_signing_key = derive_signing_key(agent_key);
  uint16_t port = port_of(backend.base_url());

  explicit admission_world(const backend::backend_options& opts) : world(opts) {
  }

  static backend::backend_options with_credential_bound(std::size_t n) {
    auto o = options(false);
    o.admission.credential = n;
    return o;
  }

  /// Points the provider of agent 0's first grant at `url`.
  void provider_at(const std::string& url) {
    auto grant = backend.db().grants().find(keys.agents[0].grant_ids[0]);
    auto p = backend.db().grants().find_provider(grant->provider_id);
    p->base_url = url;
    backend.db().grants().put_provider(*p);
  }

  /// A proxied GET through agent 0's first grant, as bytes on the wire.
  std::string proxy_call(const std::string& provider_url) {
    proxy_request r;
    r.grant.grant_id = keys.agents[0].grant_ids[0];
    r.method = "GET";
    r.url = provider_url + "/v1/items";
    return signed_bytes(agent_key, agent_signing_key, "POST", "/v1/proxy/execute",
                        to_json(r), {{"Idempotency-Key", crypto::random_hex(12)}});
  }

  std::size_t in_flight(request_class c) const {
    return backend.admission().in_flight(c);
  }
};

/// Sends `bytes` on a fresh connection; the connection, to read the answer from.
std::unique_ptr<raw_connection> send_on_new_connection(uint16_t port,
                                                       const std::string& bytes) {
  auto c = std::make_unique<raw_connection>(port);
  CAF_REQUIRE(!c->connect_error);
  CAF_REQUIRE(!c->write(bytes));
  return c;
}

} // namespace

CAF_TEST(requests are classified from the request line alone) {
  using backend::classify_request;
  using backend::route_group;
  auto api = route_group::api;
  auto page = route_group::approval_pages;
  auto check = [](request_class got, request_class want) {
    auto g = std::string{name_of(got)};
    auto w = std::string{name_of(want)};
    CAF_CHECK_EQUAL(g, w);
  };
  check(classify_request(&api, "POST", "/v1/proxy/execute"), request_class::credential);
  check(classify_request(&api, "POST", "/v1/tokens/retrieve"),
        request_class::credential);
  check(classify_request(&api, "GET", "/v1/approvals/apr_1?wait=30"),
        request_class::long_poll);
  check(classify_request(&api, "GET", "/v1/approvals/apr_1?x=1&wait=5"),
        request_class::long_poll);
  // The millisecond form the SDK sends is a long-poll too.
  check(classify_request(&api, "GET", "/v1/approvals/apr_1?wait_ms=2500"),
        request_class::long_poll);
  // Without wait, or the result, or another method: answered at once.
  check(classify_request(&api, "GET", "/v1/approvals/apr_1"), request_class::admin);
  check(classify_request(&api, "GET", "/v1/approvals/apr_1/result?wait=3"),
        request_class::admin);
  check(classify_request(&api, "GET", "/v1/approvals/apr_1?waiting=3"),
        request_class::admin);
  check(classify_request(&api, "GET", "/v1/agents"), request_class::admin);
  check(classify_request(&page, "GET", "/approvals/apr_1"), request_class::page);
  check(classify_request(nullptr, "GET", "/nowhere"), request_class::admin);
}

CAF_TEST(a ticket is given back once whether released dropped or answered) {
  backend::admission_limits limits;
  limits.admin = 2;
  backend::admission_control control{limits};
  {
    auto a = control.try_admit(request_class::admin);
    auto b = control.try_admit(request_class::admin);
    CAF_CHECK(a && b);
    CAF_CHECK(!control.try_admit(request_class::admin));
    auto rejected = control.rejected(request_class::admin);
    CAF_CHECK_EQUAL(rejected, 1u);
    CAF_CHECK(control.try_admit(request_class::page)); // another class has room
    a.release();
    a.release(); // once only
    auto n = control.in_flight(request_class::admin);
    CAF_CHECK_EQUAL(n, 1u);
    auto moved = std::move(b);
    n = control.in_flight(request_class::admin);
    CAF_CHECK_EQUAL(n, 1u);
  }
  auto n = control.in_flight(request_class::admin);
  CAF_CHECK_EQUAL(n, 0u);
  // Held by a responder: released when it answers, even when writing throws,
  // and when its last copy is dropped unanswered.
  auto answering
      = backend::holding(control.try_admit(request_class::admin),
                         [](http_response) { throw std::runtime_error{"x"}; });
  auto copy = answering;
  n = control.in_flight(request_class::admin);
  CAF_CHECK_EQUAL(n, 1u);
  try {
    copy(http_response{});
  } catch (const std::runtime_error&) {
  }
  n = control.in_flight(request_class::admin);
  CAF_CHECK_EQUAL(n, 0u);
  {
    auto dropped = backend::holding(control.try_admit(request_class::admin),
                                    [](http_response) {});
    n = control.in_flight(request_class::admin);
    CAF_CHECK_EQUAL(n, 1u);
  }
  n = control.in_flight(request_class::admin);
  CAF_CHECK_EQUAL(n, 0u);
}

CAF_TEST(a class at its bound gets 503 with Retry After and other classes are served) {
  admission_world w{admission_world::with_credential_bound(3)};
  held_provider provider;
  w.provider_at(provider.peer.url());
  std::vector<std::unique_ptr<raw_connection>> held;
  for (int i = 0; i < 3; ++i)
    held.push_back(send_on_new_connection(w.port, w.proxy_call(provider.peer.url())));
  CAF_REQUIRE(eventually([&] { return provider.peer.connections() == 3; }));
  auto n = w.in_flight(request_class::credential);
  CAF_CHECK_EQUAL(n, 3u);
  // The fourth credential call is refused before any work.
  auto extra = send_on_new_connection(w.port, w.proxy_call(provider.peer.url()));
  auto refused = extra->read();
  CAF_CHECK_EQUAL(refused.status, 503);
  CAF_CHECK_EQUAL(refused.code(), "service_unavailable");
  CAF_CHECK_EQUAL(refused.content_type, "application/json");
  CAF_CHECK(!refused.request_id.empty());
  http_request retrieve;
  retrieve.method = "POST";
  retrieve.target = "/v1/tokens/retrieve";
  retrieve.headers = {{"Content-Type", "application/json"}};
  retrieve.body = R"({"grant":{"grant_id":")" + w.keys.agents[0].grant_ids[0] + "\"}}";
  auto also_refused = w.raw(w.agent_key, retrieve, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(also_refused.status, 503);
  const auto* retry_after = find_field(also_refused.headers, "retry-after");
  CAF_REQUIRE(retry_after != nullptr);
  CAF_CHECK_EQUAL(*retry_after, "1");
  auto rejected = w.backend.admission().rejected(request_class::credential);
  CAF_CHECK_EQUAL(rejected, 2u);
  // Admin calls have their own bound: still served.
  CAF_CHECK_EQUAL(w.agent().me().id, w.keys.agents[0].id);
  // Once the held calls are answered, credential calls are admitted again.
  provider.released = true;
  for (auto& c : held) {
    auto r = c->read();
    CAF_CHECK_EQUAL(r.status, 200);
  }
  CAF_CHECK(eventually([&] { return w.in_flight(request_class::credential) == 0; }));
  auto again = send_on_new_connection(w.port, w.proxy_call(provider.peer.url()));
  auto ok = again->read();
  CAF_CHECK_EQUAL(ok.status, 200);
  CAF_CHECK(eventually([&] { return w.in_flight(request_class::credential) == 0; }));
}

CAF_TEST(a client that hangs up mid call gives its place back once answered) {
  admission_world w{admission_world::with_credential_bound(2)};
  held_provider provider;
  w.provider_at(provider.peer.url());
  {
    auto gone = send_on_new_connection(w.port, w.proxy_call(provider.peer.url()));
    auto also_gone = send_on_new_connection(w.port, w.proxy_call(provider.peer.url()));
    CAF_REQUIRE(eventually([&] { return provider.peer.connections() == 2; }));
  } // both clients hang up while their calls wait for the provider
  auto n = w.in_flight(request_class::credential);
  CAF_CHECK_EQUAL(n, 2u);
  auto refused = send_on_new_connection(w.port, w.proxy_call(provider.peer.url()));
  CAF_CHECK_EQUAL(refused->read().status, 503);
  provider.released = true;
  CAF_CHECK(eventually([&] { return w.in_flight(request_class::credential) == 0; }));
  auto admitted = send_on_new_connection(w.port, w.proxy_call(provider.peer.url()));
  CAF_CHECK_EQUAL(admitted->read().status, 200);
}

CAF_TEST(a handler that throws gives its place back with its 500) {
  temp_dir dir;
  auto opts = world::options(false);
  opts.database_path = dir.path + "/alter.db";
  opts.admission.admin = 1;
  admission_world w{opts};
  // Another connection takes the rules table away: listing rules throws.
  {
    backend::database other{opts.database_path};
    other.exec("DROP TABLE rules");
  }
  http_request list;
  list.method = "GET";
  list.target = "/v1/rules";
  for (int i = 0; i < 3; ++i) {
    auto res = w.raw(w.keys.app_key, list, unix_now(), crypto::random_hex(16));
    CAF_CHECK_EQUAL(res.status, 500);
    auto code = parse_error_envelope(res.status, res.body).code;
    CAF_CHECK_EQUAL(code, error_code::internal_error);
  }
  CAF_CHECK(eventually([&] { return w.in_flight(request_class::admin) == 0; }));
  auto rejected = w.backend.admission().rejected(request_class::admin);
  CAF_CHECK_EQUAL(rejected, 0u);
  // With the single admin place given back each time, admin calls still run.
  CAF_CHECK_EQUAL(w.agent().me().id, w.keys.agents[0].id);
  auto escaped = w.backend.workers().escaped_exceptions();
  CAF_CHECK_EQUAL(escaped, 0u);
}

CAF_TEST(a thousand waiting long polls do not stop credential calls) {
  auto opts = world::options(false);
  opts.limits.max_connections_per_address = 2000;
  opts.worker_threads = 4; // far fewer workers than polls: waiting takes none
  opts.max_long_poll = 15s;
  admission_world w{opts};
  // A held call to wait on: every call of agent 1 needs a human.
  backend::rule_record r;
  r.id = "rule_hold";
  r.app_id = w.keys.app_id;
  r.name = "hold agent 1";
  r.target_type = "agent";
  r.target_id = w.keys.agents[1].id;
  r.rule_type = "require_approval";
  r.rule_body_json = "{}";
  r.created_at = backend::now_iso8601();
  w.backend.db().rules().insert(r);
  provider_call held;
  held.method = "POST";
  held.url = w.provider_url("sim-bearer") + "/v1/payments";
  held.json = R"({"amount": 42})";
  held.grant_id = w.keys.agents[1].grant_ids[0];
  held.reason = "needs a human";
  auto pending = w.agent(1).proxy_request(held);
  CAF_REQUIRE(pending.pending);
  auto target = "/v1/approvals/" + pending.approval.approval_id + "?wait=30";
  auto app_signing_key = derive_signing_key(w.keys.app_key);
  std::vector<std::unique_ptr<raw_connection>> polls;
  for (int i = 0; i < 1000; ++i)
    polls.push_back(send_on_new_connection(
        w.port, signed_bytes(w.keys.app_key, app_signing_key, "GET", target)));
  CAF_REQUIRE(
      eventually([&] { return w.in_flight(request_class::long_poll) == 1000; }));
  // All of them wait and none holds a worker: credential calls still run.
  auto agent = w.agent(0);
  provider_call call;
  call.url = w.provider_url("sim-bearer") + "/v1/items";
  call.grant_id = w.keys.agents[0].grant_ids[0];
  for (int i = 0; i < 5; ++i) {
    auto out = agent.proxy_request(call);
    CAF_CHECK_EQUAL(out.result.status_code, 200);
  }
  auto retrieved = agent.request(call); // retrieve mode: /v1/tokens/retrieve
  CAF_CHECK_EQUAL(retrieved.status, 200);
  auto waiting = w.in_flight(request_class::long_poll);
  CAF_CHECK_EQUAL(waiting, 1000u);
  // At the long-poll bound each is answered (its timer hops to a worker to
  // read the store) and gives its place back.
  int answered = 0;
  for (auto& p : polls) {
    auto res = p->read(60s);
    if (res.status == 200 && res.body.find("\"pending\"") != std::string::npos)
      ++answered;
  }
  CAF_CHECK_EQUAL(answered, 1000);
  CAF_CHECK(eventually([&] { return w.in_flight(request_class::long_poll) == 0; }));
  auto escaped = w.backend.workers().escaped_exceptions();
  CAF_CHECK_EQUAL(escaped, 0u);
}

CAF_TEST(a queue of work waiting longer than its bound refuses new requests) {
  auto opts = world::options(false);
  opts.worker_threads = 1;
  opts.admission.max_queue_delay = 10ms;
  admission_world w{opts};
  // The one worker blocks on the store's writer (held here), so what comes
  // next waits in the queue.
  std::optional<backend::transaction> holding_the_writer{w.backend.db().begin()};
  auto first = send_on_new_connection(
      w.port, signed_bytes(w.agent_key, w.agent_signing_key, "GET", "/v1/me"));
  auto queued = send_on_new_connection(
      w.port, signed_bytes(w.agent_key, w.agent_signing_key, "GET", "/v1/me"));
  CAF_REQUIRE(eventually([&] { return w.backend.workers().queued() == 1; }));
  // The queued request has now waited longer than the bound.
  std::this_thread::sleep_for(50ms);
  auto shed = send_on_new_connection(
      w.port, signed_bytes(w.agent_key, w.agent_signing_key, "GET", "/v1/me"));
  auto refused = shed->read();
  CAF_CHECK_EQUAL(refused.status, 503);
  CAF_CHECK_EQUAL(refused.code(), "service_unavailable");
  auto rejected = w.backend.admission().rejected(request_class::admin);
  CAF_CHECK_EQUAL(rejected, 1u);
  // Probes meanwhile: alive, and not ready while it sheds load.
  auto probe = [&](const std::string& path) {
    return send_on_new_connection(w.port, "GET " + path
                                              + " HTTP/1.1\r\nHost: localhost\r\n"
                                                "Connection: close\r\n\r\n")
        ->read();
  };
  auto alive = probe("/healthz");
  CAF_CHECK_EQUAL(alive.status, 200);
  CAF_CHECK_EQUAL(alive.body, R"({"status":"alive"})");
  auto busy = probe("/readyz");
  CAF_CHECK_EQUAL(busy.status, 503);
  CAF_CHECK_EQUAL(busy.body, R"({"status":"shedding"})");
  // A long-poll is admitted meanwhile: it would only come back sooner.
  auto poll = send_on_new_connection(
      w.port, signed_bytes(w.agent_key, w.agent_signing_key, "GET",
                           "/v1/approvals/apr_" + std::string(32, '0') + "?wait=1"));
  CAF_CHECK(eventually([&] { return w.in_flight(request_class::long_poll) == 1; }));
  // Once the writer is free the queue drains and every admitted request is
  // answered; new ones are admitted again.
  holding_the_writer->commit();
  holding_the_writer.reset();
  auto first_answer = first->read();
  CAF_CHECK_EQUAL(first_answer.status, 200);
  auto queued_answer = queued->read();
  CAF_CHECK_EQUAL(queued_answer.status, 200);
  auto poll_answer = poll->read();
  CAF_CHECK_NOT_EQUAL(poll_answer.status, 503);
  CAF_CHECK(eventually([&] { return w.backend.workers().queued() == 0; }));
  auto again = send_on_new_connection(
      w.port, signed_bytes(w.agent_key, w.agent_signing_key, "GET", "/v1/me"));
  auto again_answer = again->read();
  CAF_CHECK_EQUAL(again_answer.status, 200);
  auto ready = probe("/readyz?verbose=1");
  CAF_CHECK_EQUAL(ready.status, 200);
  CAF_CHECK_EQUAL(ready.body, R"({"status":"ready"})");
  // Only GET of the two exact paths is a probe.
  CAF_CHECK_EQUAL(send_on_new_connection(w.port, "POST /readyz HTTP/1.1\r\nHost: x\r\n"
                                                 "Content-Length: 0\r\n"
                                                 "Connection: close\r\n\r\n")
                      ->read()
                      .status,
                  404);
  CAF_CHECK_EQUAL(probe("/healthz/x").status, 404);
}

CAF_TEST(a store call on an I O thread is store misuse) {
  backend::sqlite_store db{":memory:", {}};
  net::io_runtime io{1};
  auto on_io = [&](auto f) {
    std::promise<std::string> outcome;
    boost::asio::post(io.context(), [&] {
      try {
        f();
        outcome.set_value("ran");
      } catch (const backend::store_misuse&) {
        outcome.set_value("store_misuse");
      } catch (const std::exception& e) {
        outcome.set_value(e.what());
      }
    });
    return outcome.get_future().get();
  };
  CAF_CHECK_EQUAL(on_io([&] { db.accounts().find_agent("agt_x"); }), "store_misuse");
  CAF_CHECK_EQUAL(on_io([&] { db.begin(); }), "store_misuse");
  CAF_CHECK_EQUAL(on_io([] {}), "ran");
  // The same calls on a worker run.
  backend::request_executor workers{1};
  std::promise<bool> found;
  workers.post(
      [&] { found.set_value(!db.accounts().find_agent("agt_x").has_value()); });
  CAF_CHECK(found.get_future().get());
  CAF_CHECK(!db.accounts().find_agent("agt_x").has_value()); // and on this thread
}
