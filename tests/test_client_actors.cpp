// App and Agent protocols, message by message, against a scripted transport.
#define CAF_SUITE client_actors
#include "caf_dsl.hpp"

#include <chrono>
#include <deque>

#include "caf/actor_system_config.hpp"
#include "caf/scoped_actor.hpp"

#include "alter/actors/clients.hpp"
#include "alter/auth/api_key.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/token_response.hpp"
#include "alter/messages/wire_requests.hpp"
#include "alter/testing/scripted_transport.hpp"

using namespace alter;
using net::endpoint;

namespace {

http_response json(int status, std::string body, field_list headers = {}) {
  return http_response{status, std::move(headers), std::move(body), {}};
}

struct fixture : test_coordinator_fixture<> {
  testing::scripted_transport net{sys};
  client_context ctx = net.context();
  std::string key = generate_key(key_type::agent);

  fixture() {
  }

  client_options options() const {
    client_options o;
    o.api_key = key;
    o.base_url = "https://alter.test:8443/base";
    o.caller = "unit-test";
    return o;
  }

  agent_actor make_agent() {
    auto a = spawn_agent(sys, ctx, options());
    CAF_REQUIRE(a);
    return *a;
  }

  app_actor make_app() {
    auto o = options();
    o.api_key = generate_key(key_type::runtime);
    auto a = spawn_app(sys, ctx, o);
    CAF_REQUIRE(a);
    return *a;
  }

  static provider_call github_call() {
    provider_call c;
    c.method = "GET";
    c.url = "https://api.provider.test/user/{id}";
    c.path_params = {{"id", "7"}};
    c.query_params = {{"fields", "name"}};
    c.grant_id = "11111111-2222-3333-4444-555555555555";
    c.reason = "unit test";
    return c;
  }

  /// The error code of a reply, or "value" for a value.
  template <class T, class Handle>
  alter_error error_of(Handle& rh) {
    alter_error out;
    rh.receive([&](T&) { out.message = "value"; },
               [&](caf::error& e) { out = from_caf_error(e); });
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(client_actor_tests, fixture)

CAF_TEST(request asks the backend for the credential and then calls the provider) {
  net.respond_with([](const endpoint& where, const http_request&) {
    if (where.host == "alter.test") {
      token_response t;
      t.access_token = "provider-secret";
      t.grant_id = "11111111-2222-3333-4444-555555555555";
      return json(200, to_json(t));
    }
    return json(200, R"({"name":"octocat"})", {{"Content-Type", "application/json"}});
  });
  auto agent = make_agent();
  auto rh = self->request(agent, caf::infinite, request_atom_v, github_call());
  expect((request_atom, provider_call), from(self).to(agent));
  // The agent hands the backend call to a retry supervisor it spawns.
  CAF_CHECK(sched.has_job());
  run();
  rh.receive([](http_response& r) { CAF_CHECK_EQUAL(r.body, R"({"name":"octocat"})"); },
             [](caf::error& e) { CAF_FAIL("request failed: " << to_string(e)); });
  // Token retrieval, provider call, and (after a short delay) the report of how
  // the provider call ended.
  auto seen = net.seen();
  CAF_REQUIRE_EQUAL(seen.size(), 3u);
  // First hop: a signed token retrieval to the backend.
  const auto& [backend, retrieval] = seen[0];
  CAF_CHECK_EQUAL(backend.host, "alter.test");
  CAF_CHECK_EQUAL(retrieval.method, "POST");
  CAF_CHECK_EQUAL(retrieval.target, "/base/v1/tokens/retrieve");
  auto header = [](const http_request& r, std::string_view n) {
    const auto* v = find_field(r.headers, n);
    return v ? *v : std::string{"<absent>"};
  };
  CAF_CHECK_EQUAL(header(retrieval, "x-api-key"), key);
  CAF_CHECK_EQUAL(header(retrieval, "x-alter-caller-type"), "agent");
  CAF_CHECK_EQUAL(header(retrieval, "x-alter-caller"), "unit-test");
  CAF_CHECK(verify_signature(
      derive_signing_key(key), header(retrieval, "x-alter-signature"), retrieval.method,
      retrieval.target, retrieval.body, header(retrieval, "x-alter-timestamp"),
      header(retrieval, "x-alter-nonce"), ""));
  auto body = from_json<token_request>(retrieval.body);
  CAF_REQUIRE(body);
  CAF_CHECK_EQUAL(body->grant.grant_id, "11111111-2222-3333-4444-555555555555");
  CAF_CHECK_EQUAL(body->reason, "unit test");
  // Second hop: the provider gets the credential and nothing of Alter's.
  const auto& [provider, upstream] = seen[1];
  CAF_CHECK_EQUAL(provider.host, "api.provider.test");
  CAF_CHECK_EQUAL(upstream.target, "/user/7?fields=name");
  CAF_CHECK_EQUAL(header(upstream, "Authorization"), "Bearer provider-secret");
  for (const auto& h : upstream.headers) {
    CAF_CHECK(h.value.find(key) == std::string::npos);
    CAF_CHECK(h.name.rfind("x-alter-", 0) != 0 && !iequals(h.name, "x-api-key"));
  }
  // Third hop: the audit report, batched in the background.
  const auto& [audit, report] = seen[2];
  CAF_CHECK_EQUAL(audit.host, "alter.test");
  CAF_CHECK_EQUAL(report.target, "/base/v1/audit/events");
  auto events = from_json<provider_call_reports>(report.body);
  CAF_REQUIRE(events);
  CAF_REQUIRE_EQUAL(events->events.size(), 1u);
  CAF_CHECK_EQUAL(events->events[0].grant_id, "11111111-2222-3333-4444-555555555555");
  CAF_CHECK_EQUAL(events->events[0].status_code, 200);
  CAF_CHECK_EQUAL(events->events[0].method, "GET");
  CAF_CHECK(events->events[0].url.find("provider-secret") == std::string::npos);
}

CAF_TEST(provider errors become typed errors) {
  net.respond_with([](const endpoint& where, const http_request&) {
    if (where.host == "alter.test") {
      token_response t;
      t.access_token = "s";
      t.grant_id = "g";
      return json(200, to_json(t));
    }
    return json(401, "no");
  });
  auto agent = make_agent();
  auto rh = self->request(agent, caf::infinite, request_atom_v, github_call());
  run();
  auto e = error_of<http_response>(rh);
  CAF_CHECK(e.code == error_code::provider_unauthorized);
  CAF_CHECK(e.is(error_class::ProviderAPIError));
  CAF_CHECK_EQUAL(e.http_status, 401);
}

CAF_TEST(backend errors carry code and request id and the Retry After delay) {
  net.respond_with([](const endpoint&, const http_request&) {
    return json(
        429,
        R"({"error":{"code":"rate_limited","message":"slow down","details":{}},)"
        R"("request_id":"req_42"})",
        {{"Retry-After", "2"}});
  });
  auto agent = make_agent();
  auto rh = self->request(agent, caf::infinite, list_grants_atom_v, grant_query{});
  run();
  auto e = error_of<grant_list>(rh);
  CAF_CHECK(e.code == error_code::rate_limited);
  CAF_CHECK_EQUAL(e.message, "slow down");
  CAF_CHECK_EQUAL(e.request_id, "req_42");
  CAF_CHECK_EQUAL(e.retry_after_ms, 2000);
  CAF_CHECK_EQUAL(e.http_status, 429);
  // A GET is idempotent: retried after the backend's Retry-After, then given up.
  CAF_CHECK_EQUAL(e.retries.attempts, 3);
  CAF_CHECK_EQUAL(e.retries.total_delay_ms, 4000);
  CAF_CHECK_EQUAL(net.seen().size(), 3u);
}

CAF_TEST(proxy_request sends one idempotency key and maps 202 to a pending approval) {
  net.respond_with([](const endpoint&, const http_request&) {
    return json(202, to_json(pending_approval{"apr_1",
                                              "https://alter.test/approvals/apr_1",
                                              "2026-11-28T17:00:00.000Z",
                                              {}}));
  });
  auto agent = make_agent();
  auto call = github_call();
  call.method = "POST";
  call.json = R"({"title":"hi"})";
  auto rh = self->request(agent, caf::infinite, proxy_atom_v, call);
  run();
  rh.receive(
      [](proxy_outcome& out) {
        CAF_CHECK(out.pending);
        CAF_CHECK_EQUAL(out.approval.approval_id, "apr_1");
      },
      [](caf::error& e) { CAF_FAIL("proxy failed: " << to_string(e)); });
  CAF_REQUIRE_EQUAL(net.seen().size(), 1u);
  auto req = net.seen()[0].request;
  CAF_CHECK_EQUAL(req.target, "/base/v1/proxy/execute");
  const auto* idem = find_field(req.headers, "Idempotency-Key");
  CAF_REQUIRE(idem != nullptr);
  CAF_CHECK_EQUAL(idem->size(), 36u);
  auto body = from_json<proxy_request>(req.body);
  CAF_REQUIRE(body);
  CAF_CHECK_EQUAL(body->url, "https://api.provider.test/user/7?fields=name");
  CAF_CHECK_EQUAL(body->method, "POST");
}

CAF_TEST(invalid input fails before any message reaches the transport) {
  auto app = make_app();
  auto rh = self->request(app, caf::infinite, get_agent_atom_v, std::string{"nope"});
  expect((get_agent_atom, std::string), from(self).to(app));
  disallow((exchange_atom, endpoint, http_request), from(_).to(net.actor()));
  auto e = error_of<agent_actor>(rh);
  CAF_CHECK(e.code == error_code::invalid_argument);
  CAF_CHECK_EQUAL(e.message, "agent_id must be a UUID");
  auto bad_call = github_call();
  bad_call.grant_id = "not-a-uuid";
  auto rh2 = self->request(app, caf::infinite, request_atom_v, bad_call);
  expect((request_atom, provider_call), from(self).to(app));
  disallow((exchange_atom, endpoint, http_request), from(_).to(net.actor()));
  CAF_CHECK(error_of<http_response>(rh2).code == error_code::invalid_argument);
  auto rh3
      = self->request(app, caf::infinite, list_grants_atom_v, grant_query{"", 0, 0});
  run();
  CAF_CHECK(error_of<grant_list>(rh3).code == error_code::invalid_argument);
  CAF_CHECK(net.seen().empty());
}

CAF_TEST(get_agent pins the caller to the agent and drops the token getter) {
  net.respond_with([](const endpoint&, const http_request&) {
    return json(200, R"({"id":"a","name":"n"})");
  });
  auto app = make_app();
  std::string id = "11111111-2222-3333-4444-555555555555";
  agent_actor agent;
  auto rh = self->request(app, caf::infinite, get_agent_atom_v, id);
  run();
  rh.receive([&](agent_actor& a) { agent = a; },
             [](caf::error& e) { CAF_FAIL("get_agent failed: " << to_string(e)); });
  auto me = self->request(agent, caf::infinite, me_atom_v);
  run();
  me.receive([](agent_info& info) { CAF_CHECK_EQUAL(info.id, "a"); },
             [](caf::error& e) { CAF_FAIL("me failed: " << to_string(e)); });
  CAF_REQUIRE_EQUAL(net.seen().size(), 1u);
  auto req = net.seen()[0].request;
  CAF_CHECK_EQUAL(req.target, "/base/v1/me");
  CAF_CHECK_EQUAL(*find_field(req.headers, "x-alter-caller"), id);
  CAF_CHECK_EQUAL(*find_field(req.headers, "x-alter-caller-type"), "agent");
}

CAF_TEST(close waits for outstanding calls and then refuses new ones) {
  net.respond_with([](const endpoint&, const http_request&) { return std::nullopt; });
  auto agent = make_agent();
  auto pending = self->request(agent, caf::infinite, list_grants_atom_v, grant_query{});
  run();
  CAF_CHECK_EQUAL(net.held(), 1u);
  auto closing = self->request(agent, caf::infinite, close_atom_v);
  run();
  auto late = self->request(agent, caf::infinite, list_grants_atom_v, grant_query{});
  run();
  auto e = error_of<grant_list>(late);
  CAF_CHECK(e.code == error_code::client_closed);
  CAF_CHECK(e.cls() == error_class::AlterSDKError);
  CAF_CHECK(!sched.has_job());
  net.release(
      json(200, R"({"grants":[],"total":0,"limit":100,"offset":0,"has_more":false})"));
  run();
  CAF_CHECK_EQUAL(error_of<grant_list>(pending).message, "value");
  closing.receive([](bool drained) { CAF_CHECK(drained); },
                  [](caf::error& e) { CAF_FAIL("close failed: " << to_string(e)); });
}

CAF_TEST(bad options are refused at spawn) {
  auto o = options();
  o.api_key = "";
  auto a = spawn_agent(sys, ctx, o);
  CAF_REQUIRE(!a);
  CAF_CHECK_EQUAL(from_caf_error(a.error()).message, "api_key is required");
  o.api_key = "alter_ak_short";
  CAF_CHECK(!spawn_agent(sys, ctx, o));
  o.api_key = key;
  o.base_url = "alter.test";
  CAF_CHECK(!spawn_agent(sys, ctx, o));
  o.base_url = "https://alter.test";
  o.timeout = 0;
  CAF_CHECK(!spawn_app(sys, ctx, o));
}

CAF_TEST(last_retry_info is empty until a request needed a second attempt) {
  int retrievals = 0;
  net.respond_with([&retrievals](const endpoint& where, const http_request& req) {
    if (where.host == "alter.test" && req.target == "/base/v1/tokens/retrieve") {
      if (++retrievals == 2)
        return json(
            409, R"({"error":{"code":"token_refresh_in_progress","message":"wait"}})",
            {{"Retry-After", "1"}});
      token_response t;
      t.access_token = "provider-secret";
      t.grant_id = "11111111-2222-3333-4444-555555555555";
      return json(200, to_json(t));
    }
    return json(200, "{}");
  });
  auto agent = make_agent();
  auto last = [&] {
    retry_info out;
    auto rh = self->request(agent, caf::infinite, last_retry_info_atom_v);
    run();
    rh.receive(
        [&](retry_info& r) { out = r; },
        [](caf::error& e) { CAF_FAIL("last_retry_info failed: " << to_string(e)); });
    return out;
  };
  auto call = [&] {
    auto rh = self->request(agent, caf::infinite, request_atom_v, github_call());
    run();
    rh.receive([](http_response& r) { CAF_CHECK_EQUAL(r.status, 200); },
               [](caf::error& e) { CAF_FAIL("request failed: " << to_string(e)); });
  };
  CAF_CHECK_EQUAL(last().attempts, 0);
  call(); // answered at once
  CAF_CHECK_EQUAL(last().attempts, 0);
  call(); // a refresh in progress, then the token
  auto retried = last();
  CAF_CHECK_EQUAL(retried.attempts, 2);
  CAF_REQUIRE_EQUAL(retried.errors.size(), 1u);
  CAF_CHECK_EQUAL(retried.errors[0].code, "token_refresh_in_progress");
  CAF_CHECK_EQUAL(retried.errors[0].status, 409);
  call(); // at once again: the last request was not retried
  CAF_CHECK_EQUAL(last().attempts, 0);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(
    await approval against a server that answers at once polls every poll interval) {
  // A real scheduler and clock: the gap between polls is time, not messages.
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  testing::scripted_transport net{sys};
  const std::string id = "apr_" + std::string(32, 'a');
  // A server (or proxy) that does not hold the long-poll: "pending" at once.
  net.respond_with([&](const endpoint&, const http_request&) {
    approval_status s;
    s.approval_id = id;
    s.status = "pending";
    return testing::json_response(200, to_json(s));
  });
  client_options o;
  o.api_key = generate_key(key_type::agent);
  o.base_url = "https://alter.test:8443";
  auto agent = spawn_agent(sys, net.context(), o);
  CAF_REQUIRE(agent);
  caf::scoped_actor self{sys};
  alter_error outcome;
  auto started = std::chrono::steady_clock::now();
  self->request(*agent, std::chrono::seconds{10}, await_approval_atom_v, id,
                approval_wait{1.0, 0.2})
      .receive([&](proxy_result&) { outcome.message = "value"; },
               [&](caf::error& e) { outcome = from_caf_error(e); });
  auto took = std::chrono::steady_clock::now() - started;
  CAF_CHECK(outcome.code == error_code::approval_timeout);
  CAF_CHECK(took >= std::chrono::milliseconds{950});
  // About one poll per 0.2 s, not one per round trip (hundreds).
  auto polls = net.seen().size();
  CAF_MESSAGE("polls: " << polls);
  CAF_CHECK_GREATER_OR_EQUAL(polls, 4u);
  CAF_CHECK_LESS_OR_EQUAL(polls, 8u);
  self->send_exit(*agent, caf::exit_reason::user_shutdown);
}
