// The pool's protocol, message by message, on CAF's deterministic coordinator,
// with connections that complete only when the test says so.
#define CAF_SUITE connection_pool
#include "caf_dsl.hpp"

#include "alter/net/connection_pool.hpp"

using namespace alter;
using namespace alter::net;
using namespace std::chrono_literals;

namespace {

struct started_exchange {
  http_request request;
  std::chrono::milliseconds timeout;
  exchange_handler handler;
};

struct fake_world {
  std::vector<started_exchange> exchanges;
  int connections_made = 0;
  int connections_closed = 0;
};

class fake_connection : public http_connection {
public:
  explicit fake_connection(std::shared_ptr<fake_world> world)
      : world_(std::move(world)) {
  }

  void async_exchange(http_request req, std::chrono::milliseconds timeout,
                      exchange_handler handler) override {
    world_->exchanges.push_back({std::move(req), timeout, std::move(handler)});
  }

  bool reusable() const noexcept override {
    return open_;
  }

  void close() override {
    if (open_)
      ++world_->connections_closed;
    open_ = false;
  }

private:
  std::shared_ptr<fake_world> world_;
  bool open_ = true;
};

// Uses sched.run() (jobs only): the fixture's run() would also fire the pool's
// deadline sweep, moving virtual time until queued calls expire.
struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<fake_world> world = std::make_shared<fake_world>();
  connection_pool_actor pool;

  fixture() {
    pool_options opts;
    opts.max_connections = 1;
    opts.max_queue = 1;
    endpoint where;
    where.scheme = "http";
    where.host = "upstream.test";
    where.port = 80;
    pool = spawn_connection_pool(sys, where, opts, [w = world] {
      ++w->connections_made;
      return std::make_shared<fake_connection>(w);
    });
    sched.run();
  }

  ~fixture() {
    caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
    sched.run();
  }

  static http_request get(std::string target, int64_t timeout_ms = 0) {
    http_request r;
    r.target = std::move(target);
    r.timeout_ms = timeout_ms;
    return r;
  }

  /// Finishes the i-th started exchange as the I/O thread would.
  void complete(std::size_t i, exchange_outcome outcome) {
    world->exchanges.at(i).handler(std::move(outcome));
    sched.run();
  }

  static exchange_outcome ok(int status) {
    exchange_outcome o;
    o.ok = true;
    o.response.status = status;
    return o;
  }

  pool_stats stats() {
    pool_stats out;
    auto rh = self->request(pool, caf::infinite, credit_atom_v);
    sched.run();
    rh.receive([&](pool_stats& s) { out = s; },
               [&](caf::error& e) { CAF_FAIL("credit failed: " << to_string(e)); });
    return out;
  }
};

/// The error code a reply carries, or "value" when it carried a response.
template <class Handle>
std::string outcome_of(Handle& rh) {
  std::string out;
  rh.receive(
      [&](http_response& r) { out = "value " + std::to_string(r.status); },
      [&](caf::error& e) { out = std::string{name_of(from_caf_error(e).code)}; });
  return out;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(connection_pool_tests, fixture)

CAF_TEST(a full pool fails fast with overloaded and frees up as calls finish) {
  auto first = self->request(pool, caf::infinite, exchange_atom_v, get("/1"));
  expect((exchange_atom, http_request), from(self).to(pool));
  CAF_CHECK_EQUAL(world->exchanges.size(), 1u);
  auto second = self->request(pool, caf::infinite, exchange_atom_v, get("/2"));
  expect((exchange_atom, http_request), from(self).to(pool));
  CAF_CHECK_EQUAL(stats().credit(), 0);
  auto third = self->request(pool, caf::infinite, exchange_atom_v, get("/3"));
  expect((exchange_atom, http_request), from(self).to(pool));
  CAF_CHECK_EQUAL(outcome_of(third), "overloaded");
  CAF_CHECK_EQUAL(world->exchanges.size(), 1u);
  complete(0, ok(200));
  CAF_CHECK_EQUAL(outcome_of(first), "value 200");
  // The queued call ran on the connection the first one gave back.
  CAF_REQUIRE_EQUAL(world->exchanges.size(), 2u);
  CAF_CHECK_EQUAL(world->exchanges[1].request.target, "/2");
  CAF_CHECK_EQUAL(world->connections_made, 1);
  complete(1, ok(204));
  CAF_CHECK_EQUAL(outcome_of(second), "value 204");
  auto s = stats();
  CAF_CHECK_EQUAL(s.in_flight, 0);
  CAF_CHECK_EQUAL(s.idle, 1);
  CAF_CHECK_EQUAL(s.credit(), 2);
}

CAF_TEST(a queued call times out on its own deadline) {
  auto first = self->request(pool, caf::infinite, exchange_atom_v, get("/slow"));
  auto queued = self->request(pool, caf::infinite, exchange_atom_v, get("/q", 50));
  sched.run();
  CAF_CHECK_EQUAL(world->exchanges.size(), 1u);
  // Virtual time: the pool's sweep finds the queued call past its deadline.
  advance_time(100ms);
  sched.run();
  CAF_CHECK_EQUAL(outcome_of(queued), "timeout");
  complete(0, ok(200));
  CAF_CHECK_EQUAL(outcome_of(first), "value 200");
  CAF_CHECK_EQUAL(world->exchanges.size(), 1u);
}

CAF_TEST(failures are reported with whether the request went out and never resent) {
  // Signed requests must not be resent as they are: the retry supervisor
  // re-signs. The pool only says whether the request reached the wire.
  auto first = self->request(pool, caf::infinite, exchange_atom_v, get("/1"));
  sched.run();
  complete(0, ok(200));
  CAF_CHECK_EQUAL(outcome_of(first), "value 200");
  auto second = self->request(pool, caf::infinite, exchange_atom_v, get("/2"));
  sched.run();
  exchange_outcome stale;
  stale.reused = true;
  stale.request_sent = true;
  stale.error = make_error(error_code::network_error, "connection reset");
  complete(1, stale);
  alter_error e;
  second.receive([](http_response&) { CAF_FAIL("expected an error"); },
                 [&](caf::error& err) { e = from_caf_error(err); });
  CAF_CHECK(e.code == error_code::network_error);
  CAF_CHECK_EQUAL(e.details_json, R"({"request_sent":true})");
  CAF_CHECK_EQUAL(world->exchanges.size(), 2u);
  auto third = self->request(pool, caf::infinite, exchange_atom_v, get("/3"));
  sched.run();
  exchange_outcome refused;
  refused.error = make_error(error_code::network_error, "connection refused");
  complete(2, refused);
  third.receive([](http_response&) { CAF_FAIL("expected an error"); },
                [&](caf::error& err) { e = from_caf_error(err); });
  CAF_CHECK_EQUAL(e.details_json, R"({"request_sent":false})");
  CAF_CHECK_EQUAL(world->exchanges.size(), 3u);
}

CAF_TEST(a refused connection makes the pool back off before connecting again) {
  auto first = self->request(pool, caf::infinite, exchange_atom_v, get("/1"));
  sched.run();
  exchange_outcome refused;
  refused.error = make_error(error_code::network_error, "connection refused");
  complete(0, refused);
  CAF_CHECK_EQUAL(outcome_of(first), "network_error");
  // Within the backoff: fail at once, open nothing.
  auto during = self->request(pool, caf::infinite, exchange_atom_v, get("/2"));
  sched.run();
  CAF_CHECK_EQUAL(outcome_of(during), "network_error");
  CAF_CHECK_EQUAL(world->connections_made, 1);
  CAF_CHECK_EQUAL(stats().reconnect_backoff_ms, 25);
  // A second failure doubles the backoff.
  advance_time(25ms);
  auto retry = self->request(pool, caf::infinite, exchange_atom_v, get("/3"));
  sched.run();
  CAF_CHECK_EQUAL(world->connections_made, 2);
  complete(1, refused);
  CAF_CHECK_EQUAL(outcome_of(retry), "network_error");
  CAF_CHECK_EQUAL(stats().reconnect_backoff_ms, 50);
  // A success ends the backoff for good.
  advance_time(50ms);
  auto ok_call = self->request(pool, caf::infinite, exchange_atom_v, get("/4"));
  sched.run();
  complete(2, ok(200));
  CAF_CHECK_EQUAL(outcome_of(ok_call), "value 200");
  CAF_CHECK_EQUAL(stats().reconnect_backoff_ms, 0);
}

CAF_TEST(shutting the pool down answers every call it holds) {
  auto running = self->request(pool, caf::infinite, exchange_atom_v, get("/1"));
  auto queued = self->request(pool, caf::infinite, exchange_atom_v, get("/2"));
  sched.run();
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
  sched.run();
  CAF_CHECK_EQUAL(outcome_of(running), "client_closed");
  CAF_CHECK_EQUAL(outcome_of(queued), "client_closed");
  CAF_CHECK_EQUAL(world->connections_closed, 1);
}

CAF_TEST_FIXTURE_SCOPE_END()
