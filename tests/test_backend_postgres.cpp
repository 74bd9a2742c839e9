// The backend end to end on a PostgreSQL database (postgres_server.hpp): a
// proxied call, an agent made over the API, a call held for approval and
// decided on the approval page, and a retried call replayed from its
// Idempotency-Key without running twice; a database outage answered 503 and
// waited out by the SDK; text PostgreSQL cannot hold refused with 400. Then two
// instances on one database: a call held through one is decided on the other's
// page, a key claimed on one runs once across both, a nonce accepted by one is
// a replay for the other.
#define CAF_SUITE backend_postgres
#include "caf/test/unit_test.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <regex>
#include <string>
#include <thread>

#include "alter/auth/crypto.hpp"
#include "alter/backend/api/admission.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/http/http_server.hpp"
#include "alter/backend/sim/oauth_authorization_server.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/wire_requests.hpp"
#include "alter/net/io_runtime.hpp"

#include "backend_world.hpp"
#include "hostile_text.hpp"
#include "postgres_server.hpp"

using namespace alter;
using namespace alter::testing;
using namespace std::chrono_literals;

/// CAF_CHECK_EQUAL keeps references to its operands: the value is held here.
#define CHECK_VALUE(expr, expected)                                                    \
  do {                                                                                 \
    auto actual_value = (expr);                                                        \
    CAF_CHECK_EQUAL(actual_value, expected);                                           \
  } while (false)

namespace {

backend::backend_options on_postgres() {
  auto o = world::options(false);
  o.database_path = fresh_postgres_database();
  o.master_key.base64 = backend::master_key::generate().to_base64();
  return o;
}

http_request proxy_call(const world& w, const std::string& path,
                        const std::string& idem) {
  proxy_request body;
  body.grant.grant_id = w.keys.agents[0].grant_ids[0];
  body.method = "POST";
  body.url = w.provider_url("sim-bearer") + path;
  body.body_b64 = base64_encode("{\"amount\":1}");
  body.reason = "on postgres";
  http_request req;
  req.method = "POST";
  req.target = "/v1/proxy/execute";
  req.body = to_json(body);
  req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", idem}};
  return req;
}

/// A password the test server ignores (it trusts local connections): it is in
/// the connection URL, and must be in no answer.
constexpr const char* url_password = "hunter2-in-the-url";

/// The database name of a test server URL ("postgresql:///NAME?host=...").
std::string database_name(const std::string& url) {
  auto name = url.substr(std::string{"postgresql:///"}.size());
  return name.substr(0, name.find('?'));
}

/// What a stopped server looks like to the backend, without stopping the server
/// the other tests share: the database refuses connections and its sessions end.
void take_database_down(const std::string& url) {
  auto name = database_name(url);
  postgres_exec(postgres_admin_url(),
                "ALTER DATABASE " + name + " WITH ALLOW_CONNECTIONS false");
  for (int i = 0; i < 100; ++i) {
    auto left = postgres_exec(postgres_admin_url(),
                              "SELECT count(pg_terminate_backend(pid)) FROM "
                              "pg_stat_activity WHERE datname = '"
                                  + name + "' AND pid <> pg_backend_pid()");
    if (left == "0")
      return;
    std::this_thread::sleep_for(20ms);
  }
  CAF_FAIL("the sessions of " << name << " did not end");
}

void bring_database_back(const std::string& url) {
  postgres_exec(postgres_admin_url(), "ALTER DATABASE " + database_name(url)
                                          + " WITH ALLOW_CONNECTIONS true");
}

http_request get(const std::string& target) {
  http_request req;
  req.method = "GET";
  req.target = target;
  return req;
}

std::string csrf_of(const std::string& html) {
  std::smatch m;
  std::regex re{R"re(name="csrf" value="([0-9a-f]+)")re"};
  return std::regex_search(html, m, re) ? m[1].str() : std::string{};
}

/// Every call of agent 0 is held for a human.
void hold_agent_0(world& w) {
  backend::rule_record r;
  r.id = "rule_hold";
  r.app_id = w.keys.app_id;
  r.name = "hold agent 0";
  r.target_type = "agent";
  r.target_id = w.keys.agents[0].id;
  r.rule_type = "require_approval";
  r.rule_body_json = "{}";
  r.created_at = backend::now_iso8601();
  w.backend.db().rules().insert(r);
}

/// Signs in on `w`'s approval page and approves `id`: the decision's status.
int approve_on_page(world& w, const std::string& id) {
  auto login
      = w.browse("POST", "/approvals/login", {},
                 "token=" + net::percent_encode(w.keys.approver_token) + "&next=" + id);
  const auto* set = find_field(login.headers, "set-cookie");
  if (set == nullptr)
    return 0;
  auto cookie = set->substr(0, set->find(';'));
  auto csrf = csrf_of(w.browse("GET", "/approvals/" + id, cookie, {}).body);
  return w
      .browse("POST", "/approvals/" + id + "/decision", cookie,
              "csrf=" + csrf + "&decision=approve&reason=ok")
      .status;
}

/// A second instance on the database of `first`: the same master key, and the
/// first one's simulated providers (the store names one URL per provider).
backend::backend_options second_instance(backend::backend_options first) {
  first.simulated_providers = false;
  return first;
}

std::string code_of(const http_response& res) {
  return std::string{name_of(parse_error_envelope(res.status, res.body).code)};
}

http_request get_me() {
  http_request req;
  req.method = "GET";
  req.target = "/v1/me";
  return req;
}

/// A payment through agent 0's first grant, to `w`'s simulated provider.
provider_call payment_of_agent_0(const world& w, const std::string& reason) {
  provider_call c;
  c.method = "POST";
  c.url = w.provider_url("sim-bearer") + "/v1/payments";
  c.json = R"({"amount": 42})";
  c.grant_id = w.keys.agents[0].grant_ids[0];
  c.reason = reason;
  return c;
}

} // namespace

CAF_TEST(a proxied call runs once and its retry replays the stored answer) {
  world w{on_postgres()};
  auto req = proxy_call(w, "/v1/charges", "charge-1");
  auto first = w.raw(w.keys.agents[0].api_key, req, unix_now(), crypto::random_hex(16));
  CHECK_VALUE(first.status, 200);
  CHECK_VALUE(w.backend.hits().total(), 1);
  auto again = w.raw(w.keys.agents[0].api_key, req, unix_now(), crypto::random_hex(16));
  CHECK_VALUE(again.status, 200);
  CHECK_VALUE(again.body, first.body);
  CHECK_VALUE(w.backend.hits().total(), 1);
  // The call is in the trail once, with its grant's last use.
  int executed = 0;
  for (const auto& r : w.backend.db().audit().rows(100))
    if (r.action == "proxy.executed")
      ++executed;
  CHECK_VALUE(executed, 1);
  auto grant = w.backend.db().grants().find(w.keys.agents[0].grant_ids[0]);
  CAF_REQUIRE(grant.has_value());
  CAF_CHECK(!grant->last_used_at.empty());
  // The blocking client's own call (it makes its Idempotency-Key itself).
  provider_call c;
  c.method = "GET";
  c.url = w.provider_url("sim-bearer") + "/v1/me";
  c.grant_id = w.keys.agents[0].grant_ids[0];
  c.reason = "read";
  auto res = w.agent(0).request(c);
  CHECK_VALUE(res.status, 200);
}

CAF_TEST(an agent made over the API is stored and its key works) {
  world w{on_postgres()};
  agent_create spec;
  spec.name = "researcher";
  spec.display_name = "Researcher";
  spec.scopes = {{"sim-bearer", {"read"}}};
  auto created = w.app().agents().create(spec, "create-1");
  CAF_CHECK(!created.api_key.empty());
  auto replay = w.app().agents().create(spec, "create-1");
  CHECK_VALUE(replay.agent.id, created.agent.id);
  CAF_CHECK(replay.api_key.empty());
  auto stored = w.backend.db().accounts().find_agent(created.agent.id);
  CAF_REQUIRE(stored.has_value());
  CHECK_VALUE(stored->name, "researcher");
  CHECK_VALUE(w.app().agents().list().total, 3);
}

CAF_TEST(a held call is decided on the approval page and runs once) {
  world w{on_postgres()};
  hold_agent_0(w);
  auto agent = w.agent(0);
  auto out = agent.proxy_request(payment_of_agent_0(w, "needs a human"));
  CAF_REQUIRE(out.pending);
  CHECK_VALUE(w.backend.hits().total(), 0);
  auto id = out.approval.approval_id;
  auto approver = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(300ms);
    return approve_on_page(w, id);
  });
  auto result = agent.await_approval(id, 20.0);
  CHECK_VALUE(approver.get(), 303);
  CHECK_VALUE(result.status_code, 200);
  CHECK_VALUE(w.backend.hits().total(), 1);
  CHECK_VALUE(agent.get_approval_status(id).status, "executed");
  CHECK_VALUE(agent.await_approval(id, 5.0).status_code, 200);
  CHECK_VALUE(w.backend.hits().total(), 1);
}

CAF_TEST(a call held through one instance is approved on the other and runs once) {
  auto opts = on_postgres();
  world one{opts};
  hold_agent_0(one);
  world two{second_instance(opts), one.keys};
  auto agent = two.agent(0);
  auto out = agent.proxy_request(payment_of_agent_0(one, "held on two"));
  CAF_REQUIRE(out.pending);
  auto id = out.approval.approval_id;
  // Decided on instance one once instance two's long-poll is waiting for it.
  auto approver = std::async(std::launch::async, [&] {
    auto until = std::chrono::steady_clock::now() + 10s;
    while (two.backend.admission().in_flight(backend::request_class::long_poll) == 0
           && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(20ms);
    return approve_on_page(one, id);
  });
  auto started = std::chrono::steady_clock::now();
  // A 21 s long-poll: without the decision crossing instances it would end
  // only then.
  auto result = agent.await_approval(id, 20.0);
  auto waited = std::chrono::steady_clock::now() - started;
  CHECK_VALUE(approver.get(), 303);
  CHECK_VALUE(result.status_code, 200);
  CAF_CHECK(waited < 10s);
  CHECK_VALUE(one.backend.hits().total(), 1);
  CHECK_VALUE(two.backend.hits().total(), 0);
  CHECK_VALUE(agent.get_approval_status(id).status, "executed");
  CHECK_VALUE(one.agent(0).get_approval_status(id).status, "executed");
  CHECK_VALUE(agent.await_approval(id, 5.0).status_code, 200);
  CHECK_VALUE(one.backend.hits().total(), 1);
}

CAF_TEST(an Idempotency - Key claimed on one instance executes once across both) {
  auto opts = on_postgres();
  world one{opts};
  world two{second_instance(opts), one.keys};
  auto key = one.keys.agents[0].api_key;
  auto req = proxy_call(one, "/v1/charges/shared", "shared-key");
  auto first = two.raw(key, req, unix_now(), crypto::random_hex(16));
  CHECK_VALUE(first.status, 200);
  auto again = one.raw(key, req, unix_now(), crypto::random_hex(16));
  CHECK_VALUE(again.status, 200);
  CHECK_VALUE(again.body, first.body);
  CHECK_VALUE(one.backend.hits().count("/sim-bearer/v1/charges/shared"), 1);
  // The key with another body is refused, not run.
  auto other = proxy_call(one, "/v1/charges/other", "shared-key");
  auto mismatch = two.raw(key, other, unix_now(), crypto::random_hex(16));
  CHECK_VALUE(mismatch.status, 422);
  CHECK_VALUE(code_of(mismatch), "idempotency_key_body_mismatch");
  CHECK_VALUE(one.backend.hits().total(), 1);
}

CAF_TEST(a nonce accepted by one instance is a replay for the other) {
  auto opts = on_postgres();
  world one{opts};
  world two{second_instance(opts), one.keys};
  auto key = one.keys.agents[0].api_key;
  auto req = proxy_call(one, "/v1/charges/signed-once", "signed-once");
  auto ts = unix_now();
  auto nonce = crypto::random_hex(16);
  auto accepted = one.raw(key, req, ts, nonce);
  CHECK_VALUE(accepted.status, 200);
  // The same timestamp, nonce and signature on the other instance.
  auto replayed = two.raw(key, req, ts, nonce);
  CHECK_VALUE(replayed.status, 401);
  CHECK_VALUE(code_of(replayed), "nonce_replayed");
  CHECK_VALUE(one.backend.hits().total(), 1);
  // And the other way round.
  auto other = crypto::random_hex(16);
  CHECK_VALUE(two.raw(key, get_me(), ts, other).status, 200);
  auto back = one.raw(key, get_me(), ts, other);
  CHECK_VALUE(back.status, 401);
  CHECK_VALUE(code_of(back), "nonce_replayed");
}

CAF_TEST(a database outage answers 503 with Retry After and names no secret) {
  auto o = on_postgres();
  o.database_path += std::string{"&password="} + url_password;
  const auto url = o.database_path;
  world w{o};
  const auto& key = w.keys.agents[0].api_key;
  auto call = [&](http_request req) {
    return w.raw(key, std::move(req), unix_now(), crypto::random_hex(16));
  };
  CHECK_VALUE(call(get("/v1/me")).status, 200);
  CHECK_VALUE(w.browse("GET", "/readyz").status, 200);
  take_database_down(url);
  // Not ready while the database is away, and alive all along.
  auto not_ready = w.browse("GET", "/readyz");
  CHECK_VALUE(not_ready.status, 503);
  CHECK_VALUE(not_ready.body, R"({"status":"database_unavailable"})");
  CHECK_VALUE(w.browse("GET", "/healthz").status, 200);
  auto says_nothing_of_the_database = [&](const http_response& r) {
    for (const std::string& secret :
         {std::string{url_password}, database_name(url), std::string{"postgres"},
          url.substr(url.find("host=") + 5, url.find('&') - url.find("host=") - 5)})
      CAF_CHECK_EQUAL(r.body.find(secret), std::string::npos);
  };
  auto check_unavailable = [&](const http_response& r) {
    CHECK_VALUE(r.status, 503);
    const auto* retry = find_field(r.headers, "retry-after");
    CAF_REQUIRE(retry != nullptr);
    CHECK_VALUE(*retry, "1");
    says_nothing_of_the_database(r);
  };
  // An admin call, a credential call (nothing runs: the provider sees nothing).
  auto me = call(get("/v1/me"));
  check_unavailable(me);
  CHECK_VALUE(std::string{name_of(parse_error_envelope(me.status, me.body).code)},
              "service_unavailable");
  auto proxied = call(proxy_call(w, "/v1/charges", "outage-1"));
  check_unavailable(proxied);
  CHECK_VALUE(
      std::string{name_of(parse_error_envelope(proxied.status, proxied.body).code)},
      "service_unavailable");
  CHECK_VALUE(w.backend.hits().total(), 0);
  // The pages: the approver sign-in and a Connect link read the store too.
  check_unavailable(w.browse("POST", "/approvals/login", {},
                             "token=" + net::percent_encode(w.keys.approver_token)
                                 + "&next=apr_" + std::string(32, '0')));
  check_unavailable(w.browse("GET", "/connect/cs_" + std::string(32, 'a')));
  // Back again: served as before, and the refused proxied call runs when retried.
  bring_database_back(url);
  CHECK_VALUE(call(get("/v1/me")).status, 200);
  CHECK_VALUE(w.browse("GET", "/readyz").status, 200);
  CHECK_VALUE(call(proxy_call(w, "/v1/charges", "outage-1")).status, 200);
  CHECK_VALUE(w.backend.hits().total(), 1);
}

CAF_TEST(the SDK waits out a database outage and the proxied call runs once) {
  auto o = on_postgres();
  const auto url = o.database_path;
  world w{o};
  auto agent = w.agent(0);
  provider_call c;
  c.method = "POST";
  c.url = w.provider_url("sim-bearer") + "/v1/charges";
  c.json = R"({"amount": 7})";
  c.grant_id = w.keys.agents[0].grant_ids[0];
  c.reason = "through an outage";
  take_database_down(url);
  // Back well after the first attempt and well before the Retry-After second
  // has passed.
  auto back = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(500ms);
    bring_database_back(url);
  });
  proxy_outcome out;
  auto thrown = thrown_by([&] { out = agent.proxy_request(c); });
  back.get();
  CAF_REQUIRE_EQUAL(thrown.message, "nothing was thrown");
  CHECK_VALUE(out.result.status_code, 200);
  CAF_CHECK_GREATER_OR_EQUAL(out.retries.attempts, 2);
  CAF_REQUIRE(!out.retries.errors.empty());
  CHECK_VALUE(out.retries.errors[0].status, 503);
  CHECK_VALUE(out.retries.errors[0].code, "service_unavailable");
  CHECK_VALUE(w.backend.hits().total(), 1);
}

CAF_TEST(text PostgreSQL cannot hold is refused with 400 and nothing is written) {
  world w{on_postgres()};
  check_hostile_text_refused(w);
  check_hostile_decision_refused(w);
}

CAF_TEST(a database outage while the provider answers still gets an answer) {
  auto o = on_postgres();
  const auto url = o.database_path;
  world w{o};
  // A provider that holds its first request until the test answers it.
  net::io_runtime io{1};
  std::atomic<int> seen{0};
  std::promise<backend::responder> arrived;
  auto held = arrived.get_future();
  backend::http_server provider{
      io, [&](const backend::server_request&, const backend::responder& respond) {
        if (seen++ == 0)
          return arrived.set_value(respond);
        http_response res;
        res.status = 200;
        res.body = "{}";
        respond(std::move(res));
      }};
  auto base
      = "http://127.0.0.1:" + std::to_string(provider.listen("127.0.0.1", 0)) + "/held";
  w.backend.db().grants().put_provider({"sim-bearer", base, "sim-bearer"});
  proxy_request body;
  body.grant.grant_id = w.keys.agents[0].grant_ids[0];
  body.method = "POST";
  body.url = base + "/v1/charges";
  body.body_b64 = base64_encode("{}");
  body.reason = "the database goes away meanwhile";
  http_request req;
  req.method = "POST";
  req.target = "/v1/proxy/execute";
  req.body = to_json(body);
  req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", "held-1"}};
  req.timeout_ms = 15000;
  const auto& key = w.keys.agents[0].api_key;
  auto answer = std::async(std::launch::async, [&] {
    return w.raw(key, req, unix_now(), crypto::random_hex(16));
  });
  CAF_REQUIRE(held.wait_for(10s) == std::future_status::ready);
  take_database_down(url);
  http_response ok;
  ok.status = 200;
  ok.headers = {{"Content-Type", "application/json"}};
  ok.body = R"({"id":"ch_1"})";
  held.get()(std::move(ok));
  // The provider ran, the store could not record it: the caller is told so
  // (not left waiting, not told to retry something that ran).
  CAF_REQUIRE(answer.wait_for(10s) == std::future_status::ready);
  auto r = answer.get();
  CHECK_VALUE(r.status, 500);
  CHECK_VALUE(std::string{name_of(parse_error_envelope(r.status, r.body).code)},
              "audit_write_failed");
  bring_database_back(url);
  // A retry of the key never runs it again.
  auto again = w.raw(key, req, unix_now(), crypto::random_hex(16));
  CAF_CHECK_NOT_EQUAL(again.status, 200);
  CHECK_VALUE(seen.load(), 1);
  provider.stop();
  io.stop();
}

CAF_TEST(an expired OAuth token is refreshed once across two instances) {
  auto opts = on_postgres();
  opts.refresh.max_wait = 10s;
  world one{opts};
  world two{second_instance(opts), one.keys};
  // The first token lives a second: dead at the provider when the calls come.
  auto* server = one.backend.oauth_server();
  server->set_access_token_ttl(1s);
  backend::bootstrap_spec spec;
  spec.agents = 0;
  spec.providers = {"sim-oauth"};
  spec.consent = one.backend.simulated_consent();
  auto made = backend::bootstrap(one.backend.db(), spec);
  server->set_access_token_ttl(3600s);
  std::this_thread::sleep_for(1100ms);
  provider_call call;
  call.grant_id = made.system_grant_ids[0];
  call.url = one.provider_url("sim-oauth") + "/v1/items";
  std::vector<std::future<int>> ok;
  for (int t = 0; t < 16; ++t)
    ok.push_back(std::async(std::launch::async, [&, t] {
      client_options o;
      o.api_key = made.app_key;
      o.base_url = (t % 2 == 0 ? one : two).backend.base_url();
      blocking::App app{o};
      int n = 0;
      for (int i = 0; i < 4; ++i)
        n += (i % 2 == 0 ? app.request(call).status
                         : app.proxy_request(call).result.status_code)
                     == 200
                 ? 1
                 : 0;
      return n;
    }));
  int succeeded = 0;
  for (auto& f : ok)
    succeeded += f.get();
  CHECK_VALUE(succeeded, 64);
  CHECK_VALUE(server->token_requests(backend::oauth_grant_type::refresh_token), 1);
  CHECK_VALUE(server->expired_presentations(), 0);
  CHECK_VALUE(one.backend.tokens().counts().refreshed
                  + two.backend.tokens().counts().refreshed,
              1);
}
