// The retry supervisor on virtual time: exact delays, what is retried, and the
// budget's arithmetic.
#define CAF_SUITE retry_supervisor
#include "caf_dsl.hpp"

#include <deque>
#include <variant>

#include "alter/actors/retry_supervisor.hpp"
#include "alter/auth/api_key.hpp"

using namespace alter;
using namespace std::chrono_literals;

namespace {

using answer = std::variant<http_response, alter_error>;

struct script {
  std::deque<answer> answers;
  std::vector<http_request> seen;
};

caf::behavior scripted_transport(caf::event_based_actor*, std::shared_ptr<script> s) {
  return {
      [=](exchange_atom, const net::endpoint&,
          http_request& req) -> caf::result<http_response> {
        s->seen.push_back(req);
        if (s->answers.empty())
          return to_caf_error(error_code::internal_error, "script ran out");
        auto next = std::move(s->answers.front());
        s->answers.pop_front();
        if (auto* e = std::get_if<alter_error>(&next))
          return to_caf_error(std::move(*e));
        return std::get<http_response>(std::move(next));
      },
  };
}

http_response status(int code, field_list headers = {}) {
  return http_response{code,
                       std::move(headers),
                       R"({"error":{"code":"service_unavailable","message":"x"}})",
                       {}};
}

alter_error transport_error(error_code code, bool sent) {
  auto e = make_error(code, "connection trouble",
                      sent ? R"({"request_sent":true})" : R"({"request_sent":false})");
  return e;
}

struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<script> s = std::make_shared<script>();
  std::shared_ptr<supervision> sup = std::make_shared<supervision>();

  fixture() {
    auto impl = sys.spawn(scripted_transport, s);
    sup->transport = caf::actor_cast<net::transport_actor>(impl);
    client_options o;
    o.api_key = generate_key(key_type::agent);
    o.base_url = "https://alter.test";
    sup->settings = *make_client_settings(o);
    sup->budget = std::make_shared<net::retry_budget>();
    sup->options.jitter_seed = 42;
  }

  /// Starts one call; its reply lands in self's mailbox.
  auto start(call_kind kind = call_kind::idempotent,
             std::chrono::milliseconds timeout = 30s) {
    backend_call call{"GET", "/v1/grants", {}, {}, {}, timeout};
    auto supervisor = spawn_retry_supervisor(
        caf::actor_cast<caf::local_actor*>(self.ptr()), sup, call, kind);
    auto rh = self->request(supervisor, caf::infinite, run_atom::value);
    sched.run();
    return rh;
  }

  /// The reply of a finished call: the HTTP answer, or the error as a response
  /// with status -1 and the error's retry info.
  template <class Handle>
  http_response result_of(Handle& rh) {
    http_response out;
    rh.receive([&](http_response& r) { out = std::move(r); },
               [&](caf::error& err) {
                 auto e = from_caf_error(err);
                 out.status = -1;
                 out.body = std::string{name_of(e.code)};
                 out.retries = e.retries;
               });
    return out;
  }

  /// Moves virtual time and runs what became due.
  void wait(std::chrono::milliseconds d) {
    advance_time(d);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(retry_supervisor_tests, fixture)

CAF_TEST(a 503 is retried after full jitter delays within the exponential ceiling) {
  s->answers = {status(503), status(503), status(200)};
  jitter_rng rng{42};
  auto first = std::uniform_int_distribution<int64_t>{0, 100}(rng);
  auto second = std::uniform_int_distribution<int64_t>{0, 200}(rng);
  auto rh = start();
  CAF_CHECK_EQUAL(s->seen.size(), 1u);
  if (first > 0)
    wait(std::chrono::milliseconds{first - 1});
  CAF_CHECK_EQUAL(s->seen.size(), 1u);
  wait(1ms);
  CAF_CHECK_EQUAL(s->seen.size(), 2u);
  if (second > 0)
    wait(std::chrono::milliseconds{second - 1});
  CAF_CHECK_EQUAL(s->seen.size(), 2u);
  wait(1ms);
  CAF_CHECK_EQUAL(s->seen.size(), 3u);
  auto r = result_of(rh);
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK_EQUAL(r.retries.attempts, 3);
  CAF_CHECK_EQUAL(r.retries.total_delay_ms, first + second);
  CAF_REQUIRE_EQUAL(r.retries.errors.size(), 2u);
  CAF_CHECK_EQUAL(r.retries.errors[0].status, 503);
  CAF_CHECK_EQUAL(r.retries.errors[0].delay_ms, first);
  CAF_CHECK_EQUAL(r.retries.errors[1].delay_ms, second);
  // Every attempt is signed afresh: a replayed nonce would be refused.
  auto nonce
      = [](const http_request& r) { return *find_field(r.headers, "x-alter-nonce"); };
  CAF_CHECK(nonce(s->seen[0]) != nonce(s->seen[1]));
}

CAF_TEST(Retry After is honoured but never past the deadline) {
  s->answers = {status(429, {{"Retry-After", "3"}}), status(200)};
  auto rh = start();
  wait(2999ms);
  CAF_CHECK_EQUAL(s->seen.size(), 1u);
  wait(1ms);
  CAF_CHECK_EQUAL(s->seen.size(), 2u);
  auto r = result_of(rh);
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK_EQUAL(r.retries.total_delay_ms, 3000);
  // A wait that would end after the deadline ends the call at once instead.
  s->answers = {status(503, {{"Retry-After", "120"}})};
  s->seen.clear();
  auto late = start(call_kind::idempotent, 10s);
  CAF_CHECK(!sched.has_pending_timeout());
  auto r2 = result_of(late);
  CAF_CHECK_EQUAL(r2.status, 503);
  CAF_CHECK_EQUAL(r2.retries.attempts, 1);
}

CAF_TEST(an overloaded backend is waited out for its Retry After within the budget) {
  // The backend's admission control answers 503 service_unavailable with
  // Retry-After: 1 (docs/resilience.md): the retry comes after exactly that
  // long and costs the budget a retry; with no budget left there is no retry.
  net::retry_budget_options o;
  o.capacity = 12;
  sup->budget = std::make_shared<net::retry_budget>(o);
  s->answers = {status(503, {{"Retry-After", "1"}}), status(200)};
  auto rh = start();
  wait(999ms);
  CAF_CHECK_EQUAL(s->seen.size(), 1u);
  wait(1ms);
  CAF_CHECK_EQUAL(s->seen.size(), 2u);
  auto r = result_of(rh);
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK_EQUAL(r.retries.total_delay_ms, 1000);
  CAF_CHECK_EQUAL(sup->budget->tokens(), 7);
  o.capacity = 4; // less than one retry costs
  sup->budget = std::make_shared<net::retry_budget>(o);
  s->answers = {status(503, {{"Retry-After", "1"}})};
  s->seen.clear();
  auto broke = start();
  CAF_CHECK(!sched.has_pending_timeout());
  auto r2 = result_of(broke);
  CAF_CHECK_EQUAL(r2.status, 503);
  CAF_CHECK_EQUAL(r2.retries.attempts, 1);
}

CAF_TEST(only what decisions allow is retried) {
  s->answers = {status(400)};
  auto bad_request = start();
  CAF_CHECK_EQUAL(result_of(bad_request).retries.attempts, 1);
  s->answers = {status(503)};
  auto post = start(call_kind::non_idempotent);
  CAF_CHECK_EQUAL(result_of(post).retries.attempts, 1);
  // A connection that failed before the request was written: always retried.
  s->answers = {transport_error(error_code::network_error, false), status(200)};
  auto unsent = start(call_kind::non_idempotent);
  wait(100ms);
  CAF_CHECK_EQUAL(result_of(unsent).retries.attempts, 2);
  // After the request went out, only idempotent calls retry.
  s->answers = {transport_error(error_code::network_error, true)};
  auto sent = start(call_kind::non_idempotent);
  auto r = result_of(sent);
  CAF_CHECK_EQUAL(r.status, -1);
  CAF_CHECK_EQUAL(r.body, "network_error");
  CAF_CHECK_EQUAL(r.retries.attempts, 1);
  // A 502 that says the provider failed is final: a retry would replay it.
  s->answers = {http_response{
      502, {}, R"({"error":{"code":"upstream_unreachable","message":"x"}})", {}}};
  auto provider_down = start();
  CAF_CHECK_EQUAL(result_of(provider_down).retries.attempts, 1);
  s->answers = {status(409)}; // a conflict other than a refresh in progress
  auto conflict = start();
  CAF_CHECK_EQUAL(result_of(conflict).retries.attempts, 1);
}

CAF_TEST(the budget pays for retries and refunds clean successes) {
  net::retry_budget_options o;
  o.capacity = 12;
  sup->budget = std::make_shared<net::retry_budget>(o);
  // A: 503 then 200 costs 5, refunds nothing (it retried).
  s->answers = {status(503), status(200)};
  auto a = start();
  wait(100ms);
  CAF_CHECK_EQUAL(result_of(a).status, 200);
  CAF_CHECK_EQUAL(sup->budget->tokens(), 7);
  // B: a first-attempt success refunds 1.
  s->answers = {status(200)};
  auto b = start();
  CAF_CHECK_EQUAL(result_of(b).status, 200);
  CAF_CHECK_EQUAL(sup->budget->tokens(), 8);
  // C: a retry after a timeout costs 10: not affordable, fail at once.
  s->answers = {transport_error(error_code::timeout, true)};
  auto c = start();
  auto rc = result_of(c);
  CAF_CHECK_EQUAL(rc.body, "timeout");
  CAF_CHECK_EQUAL(rc.retries.attempts, 1);
  CAF_CHECK_EQUAL(sup->budget->tokens(), 8);
  // D: one retry (8 -> 3), then the bucket is too low for another.
  s->answers = {status(503), status(503)};
  auto d = start();
  wait(100ms);
  auto rd = result_of(d);
  CAF_CHECK_EQUAL(rd.status, 503);
  CAF_CHECK_EQUAL(rd.retries.attempts, 2);
  CAF_CHECK_EQUAL(sup->budget->tokens(), 3);
  // Refunds stop at capacity.
  for (int i = 0; i < 20; ++i)
    sup->budget->refund();
  CAF_CHECK_EQUAL(sup->budget->tokens(), 12);
}

CAF_TEST_FIXTURE_SCOPE_END()
