// The whole path over real loopback sockets: SDK actors, signing, the Beast
// transport with TLS, the backend with SQLite, the simulated providers.
#define CAF_SUITE end_to_end
#include "caf/test/unit_test.hpp"

#include <atomic>
#include <future>
#include <vector>

#include <boost/json.hpp>

#include "caf/actor_system.hpp"
#include "caf/scoped_actor.hpp"

#include "alter/actors/async_client.hpp"
#include "alter/actors/blocking_client.hpp"
#include "alter/actors/client_environment.hpp"
#include "alter/auth/api_key.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/identity/identity_provider.hpp"
#include "alter/backend/local_backend.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/exceptions.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/wire_requests.hpp"
#include "alter/net/url.hpp"

#include "backend_world.hpp"

using namespace alter;
using namespace alter::testing;

namespace {

boost::json::object echo_of(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object())
    return {};
  return v.as_object();
}

std::string echoed_header(const boost::json::object& echo, const char* name) {
  const auto* headers = echo.if_contains("headers");
  if (headers == nullptr)
    return {};
  for (const auto& kv : headers->as_object())
    if (iequals(kv.key(), name))
      return std::string{kv.value().as_string()};
  return {};
}

/// The provider saw no Alter key, no x-alter-* header and no x-api-key from us.
void check_no_alter_secrets(const boost::json::object& echo, const world& w) {
  auto text = boost::json::serialize(echo);
  CAF_CHECK(text.find(w.keys.app_key) == std::string::npos);
  for (const auto& a : w.keys.agents)
    CAF_CHECK(text.find(a.api_key) == std::string::npos);
  CAF_CHECK(text.find("alter_ak_") == std::string::npos);
  CAF_CHECK(text.find("alter_rk_") == std::string::npos);
  CAF_CHECK(text.find("x-alter-") == std::string::npos);
}

provider_call call_to(const world& w, const std::string& provider, int grant_index,
                      int agent = 0) {
  provider_call c;
  c.url = w.provider_url(provider) + "/v1/items/{id}";
  c.path_params = {{"id", "42"}};
  c.query_params = {{"page", "2"}};
  c.grant_id = w.keys.agents.at(agent).grant_ids.at(grant_index);
  c.reason = "end-to-end test";
  return c;
}

} // namespace

CAF_TEST(retrieve and proxy mode succeed over HTTPS and plain HTTP) {
  for (bool tls : {true, false}) {
    CAF_MESSAGE("tls = " << tls);
    world w{tls};
    auto agent = w.agent();
    // Retrieve mode, three injection styles.
    auto bearer = agent.request(call_to(w, "sim-bearer", 0));
    CAF_CHECK_EQUAL(bearer.status, 200);
    auto echo = echo_of(bearer.body);
    CAF_CHECK_EQUAL(echoed_header(echo, "authorization").rfind("Bearer sim-bearer_", 0),
                    0u);
    CAF_CHECK_EQUAL(std::string{echo["path"].as_string()}, "/sim-bearer/v1/items/42");
    check_no_alter_secrets(echo, w);
    auto apikey = agent.request(call_to(w, "sim-apikey", 1));
    CAF_CHECK_EQUAL(apikey.status, 200);
    CAF_CHECK_EQUAL(
        echoed_header(echo_of(apikey.body), "x-api-key").rfind("sim-apikey_", 0), 0u);
    auto query = agent.request(call_to(w, "sim-query", 2));
    CAF_CHECK_EQUAL(query.status, 200);
    auto qecho = echo_of(query.body);
    CAF_CHECK(std::string{qecho["query"].as_string()}.find("api_key=sim-query_")
              != std::string::npos);
    check_no_alter_secrets(qecho, w);
    // Proxy mode: the backend injects and calls.
    auto call = call_to(w, "sim-apikey", 1);
    call.method = "POST";
    call.json = R"({"title":"hello"})";
    auto out = agent.proxy_request(call);
    CAF_CHECK(!out.pending);
    CAF_CHECK_EQUAL(out.result.status_code, 200);
    auto pecho = echo_of(out.result.body_bytes());
    CAF_CHECK_EQUAL(std::string{pecho["method"].as_string()}, "POST");
    CAF_CHECK_EQUAL(std::string{pecho["body"].as_string()}, R"({"title":"hello"})");
    CAF_CHECK_EQUAL(echoed_header(pecho, "content-type"), "application/json");
    check_no_alter_secrets(pecho, w);
  }
}

CAF_TEST(bodies read as text and as JSON in both modes and options come from the
             environment) {
  world w{false};
  auto agent = w.agent();
  auto direct = agent.request(call_to(w, "sim-bearer", 0));
  CAF_CHECK_EQUAL(direct.body_text(), direct.body);
  auto parsed = direct.body_json();
  CAF_REQUIRE(parsed.is_object());
  CAF_CHECK_EQUAL(std::string{parsed.as_object()["path"].as_string()},
                  "/sim-bearer/v1/items/42");
  auto proxied = agent.proxy_request(call_to(w, "sim-bearer", 0)).result;
  CAF_CHECK_EQUAL(proxied.body_text(), proxied.body_bytes());
  CAF_CHECK(proxied.body_json().is_object());
  // A body that is not JSON is AlterValueError, not a crash or a null.
  http_response text;
  text.body = "<html>not json";
  auto refused = thrown_by([&] { text.body_json(); });
  CAF_CHECK(refused.code == error_code::invalid_argument);
  proxy_result deep;
  deep.body_b64 = base64_encode(std::string(100000, '['));
  CAF_CHECK(thrown_by([&] { deep.body_json(); }).code == error_code::invalid_argument);
  // The environment, as the CLI and the other SDKs read it.
  ::setenv("ALTER_API_KEY", w.keys.agents[0].api_key.c_str(), 1);
  ::setenv("ALTER_BASE_URL", w.backend.base_url().c_str(), 1);
  ::setenv("ALTER_CA_FILE", "", 1);
  client_options base;
  base.tls.ca_file = "kept.pem";
  auto from_env = options_from_environment(base);
  ::unsetenv("ALTER_API_KEY");
  ::unsetenv("ALTER_BASE_URL");
  ::unsetenv("ALTER_CA_FILE");
  CAF_CHECK_EQUAL(from_env.api_key, w.keys.agents[0].api_key);
  CAF_CHECK_EQUAL(from_env.base_url, w.backend.base_url());
  CAF_CHECK_EQUAL(from_env.tls.ca_file, "kept.pem");
  from_env.tls.ca_file.clear();
  blocking::Agent configured{from_env, w.env};
  CAF_CHECK_EQUAL(configured.request(call_to(w, "sim-bearer", 0)).status, 200);
  CAF_CHECK_EQUAL(options_from_environment().api_key, "");
}

CAF_TEST(every credential use leaves an audit row without secrets) {
  world w{true};
  auto agent = w.agent();
  agent.request(call_to(w, "sim-bearer", 0));
  auto call = call_to(w, "sim-bearer", 0);
  agent.proxy_request(call);
  auto denied = call_to(w, "sim-bearer", 0, 1);
  thrown_by([&] { agent.request(denied); });
  agent.close(); // sends the report of the retrieve-mode provider call
  std::vector<backend::audit_record> rows;
  int reports = 0;
  for (auto& r : calls_audited(w.backend.db())) {
    if (r.action == "provider_call.reported")
      ++reports;
    else
      rows.push_back(std::move(r));
  }
  CAF_CHECK_EQUAL(reports, 1);
  CAF_REQUIRE_EQUAL(rows.size(), 3u);
  CAF_CHECK_EQUAL(rows[0].action, "token.retrieved");
  CAF_CHECK_EQUAL(to_string(rows[0].outcome), "success");
  CAF_CHECK_EQUAL(rows[0].agent_id, w.keys.agents[0].id);
  CAF_CHECK_EQUAL(rows[0].reason, "end-to-end test");
  CAF_CHECK_EQUAL(rows[1].action, "proxy.executed");
  CAF_CHECK_EQUAL(rows[1].status_code, 200);
  CAF_CHECK_EQUAL(to_string(rows[2].outcome), "error");
  CAF_CHECK_EQUAL(rows[2].error_code, "no_delegated_grant");
  for (const auto& r : rows) {
    CAF_CHECK(r.caller_key_prefix.size() == 12u);
    for (const auto& field : {r.url, r.reason, r.context_json, r.caller})
      CAF_CHECK(field.find(w.keys.agents[0].api_key) == std::string::npos);
  }
}

CAF_TEST(grants me and get_agent answer as documented) {
  world w{true};
  auto agent = w.agent();
  auto grants = agent.list_grants();
  CAF_CHECK_EQUAL(grants.total, 3);
  CAF_CHECK_EQUAL(grants.grants.size(), 3u);
  CAF_CHECK(!grants.has_more);
  for (const auto& g : grants.grants) {
    CAF_CHECK_EQUAL(g.agent_id, w.keys.agents[0].id);
    CAF_CHECK_EQUAL(g.grant_kind, "managed_secret");
    CAF_CHECK(!g.managed_secret_slug.empty());
  }
  grant_query page;
  page.limit = 2;
  auto first = agent.list_grants(page);
  CAF_CHECK_EQUAL(first.grants.size(), 2u);
  CAF_CHECK(first.has_more);
  auto app = w.app();
  auto app_grants = app.list_grants();
  CAF_CHECK_EQUAL(app_grants.total, 3);
  for (const auto& g : app_grants.grants)
    CAF_CHECK_EQUAL(g.principal_type, "system");
  grant_query by_provider;
  by_provider.provider_id = "sim-query";
  CAF_CHECK_EQUAL(app.list_grants(by_provider).total, 1);
  auto me = agent.me();
  CAF_CHECK_EQUAL(me.id, w.keys.agents[0].id);
  CAF_CHECK_EQUAL(me.name, "agent-0");
  auto impersonated = app.get_agent(w.keys.agents[1].id);
  CAF_CHECK_EQUAL(impersonated.me().id, w.keys.agents[1].id);
  auto as_agent = impersonated.request(call_to(w, "sim-bearer", 0, 1));
  CAF_CHECK_EQUAL(as_agent.status, 200);
  auto wrong = thrown_by([&] { app.get_agent("not-a-uuid"); });
  CAF_CHECK(wrong.code == error_code::invalid_argument);
  auto unknown
      = thrown_by([&] { app.get_agent("00000000-0000-4000-8000-000000000000").me(); });
  CAF_CHECK(unknown.code == error_code::agent_not_found);
  blocking::Agent app_keyed{w.client(w.keys.app_key), w.env};
  auto no_agent = thrown_by([&] { app_keyed.me(); });
  CAF_CHECK(no_agent.code == error_code::me_requires_agent_key);
  CAF_CHECK(no_agent.is(error_class::AgentError));
}

CAF_TEST(the backend checks key signature timestamp and nonce first) {
  world w{true};
  const auto& key = w.keys.agents[0].api_key;
  http_request me;
  me.method = "GET";
  me.target = "/v1/me";
  auto code_of = [](const http_response& r) {
    return std::string{name_of(parse_error_envelope(r.status, r.body).code)};
  };
  auto nonce = crypto::random_hex(16);
  CAF_CHECK_EQUAL(w.raw(key, me, unix_now(), nonce).status, 200);
  auto replay = w.raw(key, me, unix_now(), nonce);
  CAF_CHECK_EQUAL(replay.status, 401);
  CAF_CHECK_EQUAL(code_of(replay), "nonce_replayed");
  auto forged = w.raw(key, me, unix_now(), crypto::random_hex(16), true);
  CAF_CHECK_EQUAL(forged.status, 401);
  CAF_CHECK_EQUAL(code_of(forged), "invalid_signature");
  auto stale = w.raw(key, me, unix_now() - 301, crypto::random_hex(16));
  CAF_CHECK_EQUAL(code_of(stale), "timestamp_out_of_range");
  auto future = w.raw(key, me, unix_now() + 301, crypto::random_hex(16));
  CAF_CHECK_EQUAL(code_of(future), "timestamp_out_of_range");
  auto edge = w.raw(key, me, unix_now() - 290, crypto::random_hex(16));
  CAF_CHECK_EQUAL(edge.status, 200);
  auto unknown
      = w.raw(generate_key(key_type::agent), me, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(unknown.status, 401);
  CAF_CHECK_EQUAL(code_of(unknown), "invalid_key");
  auto missing = w.raw("", me, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(code_of(missing), "missing_api_key");
  // A stale request with a forged signature still reports the first failed check.
  auto both = w.raw(key, me, unix_now() - 1000, crypto::random_hex(16), true);
  CAF_CHECK_EQUAL(code_of(both), "timestamp_out_of_range");
  auto id = parse_error_envelope(replay.status, replay.body).request_id;
  CAF_CHECK(id.rfind("req_", 0) == 0);
}

CAF_TEST(revoked keys and missing scopes get their documented errors) {
  world w{true};
  auto agent = w.agent();
  agent.me();
  auto hash = crypto::sha256_hex(w.keys.agents[0].api_key);
  auto record = w.backend.db().accounts().find_key_by_hash(hash);
  CAF_REQUIRE(record.has_value());
  w.backend.db().accounts().set_key_status(record->id, backend::key_status::revoked);
  auto revoked = thrown_by([&] { agent.list_grants(); });
  CAF_CHECK(revoked.code == error_code::invalid_key);
  CAF_CHECK(revoked.is(error_class::InvalidKeyError));
  CAF_CHECK_EQUAL(revoked.http_status, 401);
  std::string expired_key;
  auto expired = backend::make_key(w.keys.app_id, w.keys.agents[1].id, {"grants:read"},
                                   expired_key);
  expired.expires_at = "2020-01-01T00:00:00.000Z";
  w.backend.db().accounts().insert_key(expired);
  blocking::Agent stale{w.client(expired_key), w.env};
  CAF_CHECK(thrown_by([&] { stale.list_grants(); }).code == error_code::invalid_key);
  std::string narrow_key;
  w.backend.db().accounts().insert_key(backend::make_key(
      w.keys.app_id, w.keys.agents[1].id, {"grants:read"}, narrow_key));
  blocking::Agent narrow{w.client(narrow_key), w.env};
  CAF_CHECK_EQUAL(narrow.list_grants().total, 3);
  auto scope = thrown_by([&] { narrow.request(call_to(w, "sim-bearer", 0, 1)); });
  CAF_CHECK(scope.code == error_code::insufficient_scope);
  CAF_CHECK(scope.is(error_class::InsufficientScopeError));
  CAF_CHECK(scope.details_json.find("tokens:retrieve") != std::string::npos);
  auto proxy = thrown_by([&] { narrow.proxy_request(call_to(w, "sim-bearer", 0, 1)); });
  CAF_CHECK(proxy.code == error_code::insufficient_scope);
}

CAF_TEST(grant and provider failures are typed) {
  world w{true};
  auto agent = w.agent();
  auto other = thrown_by([&] { agent.request(call_to(w, "sim-bearer", 0, 1)); });
  CAF_CHECK(other.code == error_code::no_delegated_grant);
  auto missing_grant = call_to(w, "sim-bearer", 0);
  missing_grant.grant_id = "00000000-0000-4000-8000-000000000000";
  CAF_CHECK(thrown_by([&] { agent.request(missing_grant); }).code
            == error_code::grant_not_found);
  w.backend.db().grants().set_status(w.keys.agents[0].grant_ids[0],
                                     backend::grant_status::revoked);
  auto revoked = thrown_by([&] { agent.request(call_to(w, "sim-bearer", 0)); });
  CAF_CHECK(revoked.code == error_code::grant_revoked);
  CAF_CHECK(revoked.is(error_class::ReAuthRequiredError));
  auto status = call_to(w, "sim-apikey", 1);
  status.url = w.provider_url("sim-apikey") + "/status/404";
  status.path_params.clear();
  auto provider = thrown_by([&] { agent.request(status); });
  CAF_CHECK(provider.code == error_code::provider_error);
  CAF_CHECK_EQUAL(provider.http_status, 404);
  auto proxied = agent.proxy_request(status);
  CAF_CHECK_EQUAL(proxied.result.status_code, 404);
  auto outside = call_to(w, "sim-apikey", 1);
  outside.url = w.provider_url("sim-bearer") + "/steal";
  outside.path_params.clear();
  auto policy = thrown_by([&] { agent.proxy_request(outside); });
  CAF_CHECK(policy.code == error_code::url_not_allowed);
  CAF_CHECK(policy.is(error_class::PolicyViolationError));
  outside.url = w.provider_url("sim-apikey") + "/a/%2e%2e/b";
  CAF_CHECK(thrown_by([&] { agent.proxy_request(outside); }).code
            == error_code::url_not_allowed);
}

CAF_TEST(an idempotency key executes once and never stands for another request) {
  world w{true};
  const auto& key = w.keys.agents[0].api_key;
  auto proxy = [&](const std::string& idem, const std::string& grant,
                   const std::string& api_key, const std::string& path) {
    http_request req;
    req.method = "POST";
    req.target = "/v1/proxy/execute";
    req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", idem}};
    proxy_request body;
    body.grant.grant_id = grant;
    body.method = "POST";
    body.url = w.provider_url("sim-bearer") + path;
    req.body = to_json(body);
    return w.raw(api_key, req, unix_now(), crypto::random_hex(16));
  };
  auto code_of = [](const http_response& r) {
    return std::string{name_of(parse_error_envelope(r.status, r.body).code)};
  };
  const auto& grant = w.keys.agents[0].grant_ids[0];
  auto first = proxy("key-1", grant, key, "/once");
  CAF_CHECK_EQUAL(first.status, 200);
  auto replay = proxy("key-1", grant, key, "/once");
  CAF_CHECK_EQUAL(replay.status, 200);
  CAF_CHECK_EQUAL(replay.body, first.body);
  CAF_CHECK_EQUAL(w.backend.hits().count("/sim-bearer/once"), 1);
  auto other_body = proxy("key-1", grant, key, "/twice");
  CAF_CHECK_EQUAL(other_body.status, 422);
  CAF_CHECK_EQUAL(code_of(other_body), "idempotency_key_body_mismatch");
  auto other_agent = proxy("key-1", w.keys.agents[1].grant_ids[0],
                           w.keys.agents[1].api_key, "/once");
  CAF_CHECK_EQUAL(code_of(other_agent), "idempotency_key_body_mismatch");
  auto bad = proxy("has space", grant, key, "/x");
  CAF_CHECK_EQUAL(code_of(bad), "idempotency_key_invalid");
  CAF_CHECK_EQUAL(w.backend.hits().count("/sim-bearer/twice"), 0);
}

CAF_TEST(TLS verification is on unless switched off explicitly) {
  world w{true};
  auto options = w.client(w.keys.agents[0].api_key);
  options.tls.ca_pem.clear();
  blocking::Agent untrusting{options, w.env};
  auto e = thrown_by([&] { untrusting.me(); });
  CAF_CHECK(e.code == error_code::tls_error);
  CAF_CHECK(e.is(error_class::NetworkError));
  options.tls.insecure_skip_verify = true;
  blocking::Agent insecure{options, w.env};
  CAF_CHECK_EQUAL(insecure.me().id, w.keys.agents[0].id);
}

CAF_TEST(the wrong scheme for the server gets an error that names the right one) {
  world tls_backend{true};
  auto plain_to_tls = tls_backend.client(tls_backend.keys.agents[0].api_key);
  plain_to_tls.base_url.replace(0, 5, "http"); // https://... -> http://...
  auto e = thrown_by([&] { blocking::Agent{plain_to_tls, tls_backend.env}.me(); });
  CAF_CHECK(e.code == error_code::invalid_request);
  CAF_CHECK_NOT_EQUAL(e.message.find("use an https:// URL"), std::string::npos);
  world plain_backend{false};
  auto tls_to_plain = plain_backend.client(plain_backend.keys.agents[0].api_key);
  tls_to_plain.base_url.replace(0, 4, "https");
  e = thrown_by([&] { blocking::Agent{tls_to_plain, plain_backend.env}.me(); });
  CAF_CHECK(e.code == error_code::tls_error);
  CAF_CHECK_NOT_EQUAL(e.message.find("use an http:// URL"), std::string::npos);
  // Both still serve clients that use the right scheme.
  CAF_CHECK_EQUAL(tls_backend.agent().me().id, tls_backend.keys.agents[0].id);
  CAF_CHECK_EQUAL(plain_backend.agent().me().id, plain_backend.keys.agents[0].id);
}

CAF_TEST(new TLS connections resume the session of an earlier one) {
  world w{true};
  // Idle connections expire at once: every call opens a new connection.
  net::transport_options no_reuse;
  no_reuse.pool.idle_timeout = std::chrono::milliseconds{0};
  auto env = blocking::environment::make(no_reuse);
  blocking::Agent agent{w.client(w.keys.agents[0].api_key), env};
  for (int i = 0; i < 5; ++i)
    agent.me();
  auto where = net::parse_url(w.backend.base_url())->where;
  where.tls.ca_pem = w.backend.certificate_pem();
  caf::scoped_actor self{env->system()};
  net::pool_stats stats;
  self->request(env->transport(), caf::infinite, credit_atom_v, where)
      .receive([&](net::pool_stats& s) { stats = s; },
               [&](caf::error& e) { CAF_FAIL(to_string(e)); });
  CAF_CHECK_EQUAL(stats.opened, 5);
  // The first handshake is a full one; the others resume its session.
  CAF_CHECK_EQUAL(stats.tls_resumed, 4);
}

CAF_TEST(a closed client refuses calls and a dead backend is a network error) {
  auto env = blocking::environment::make();
  std::string key;
  client_options options;
  {
    world w{false};
    options = w.client(w.keys.agents[0].api_key);
    blocking::Agent agent{options, env};
    agent.me();
    agent.close();
    auto closed = thrown_by([&] { agent.me(); });
    CAF_CHECK(closed.code == error_code::client_closed);
  }
  blocking::Agent orphan{options, env};
  auto down = thrown_by([&] { orphan.me(); });
  CAF_CHECK(down.code == error_code::network_error);
}

CAF_TEST(the asynchronous client keeps many calls in flight from one thread) {
  world w{false};
  auto agent = w.agent();
  async::Agent calls{agent};
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.grant_id = w.keys.agents[0].grant_ids[0];
  c.reason = "async";
  // 200 calls started before the first answer is read: nothing blocks.
  std::vector<async::future<http_response>> pending;
  for (int i = 0; i < 200; ++i)
    pending.push_back(i % 2 == 0 ? calls.request(c) : calls.request(c));
  std::vector<async::future<proxy_outcome>> proxied;
  for (int i = 0; i < 50; ++i)
    proxied.push_back(calls.proxy_request(c));
  int ok = 0;
  for (auto& f : pending)
    ok += f.get().value().status == 200 ? 1 : 0;
  for (auto& f : proxied)
    ok += f.get()->result.status_code == 200 ? 1 : 0;
  CAF_CHECK_EQUAL(ok, 250);
  // The callback form, answered on the actor system's threads.
  std::promise<int> statuses;
  auto seen = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < 20; ++i)
    calls.request(c, [&statuses, seen](result<http_response> r) {
      if (r && r->status == 200 && ++*seen == 20)
        statuses.set_value(20);
    });
  CAF_CHECK_EQUAL(statuses.get_future().get(), 20);
  // Errors come back as values: .get() is the non-throwing blocking form.
  auto bad = c;
  bad.grant_id = "00000000-0000-4000-8000-000000000000";
  auto refused = calls.request(bad).get();
  CAF_CHECK(!refused);
  CAF_CHECK(refused.error().code == error_code::no_delegated_grant
            || refused.error().code == error_code::grant_not_found);
  // value() of an error throws the SDK's exception of its class.
  auto e = thrown_by([&] { (void) calls.request(bad).get().value(); });
  CAF_CHECK(e.code == refused.error().code);
  // Invalid input fails the future, before any I/O.
  auto no_grant = c;
  no_grant.grant_id.clear();
  CAF_CHECK(calls.request(no_grant).get().error().code == error_code::invalid_argument);
  auto me = calls.me().get();
  CAF_CHECK_EQUAL(me->id, w.keys.agents[0].id);
  auto listed = calls.list_grants().get();
  CAF_CHECK_EQUAL(listed->total, 3);
  // close() through the future; the shared client refuses later calls.
  CAF_CHECK(calls.close().get().value());
  CAF_CHECK(calls.request(c).get().error().code == error_code::client_closed);
  e = thrown_by([&] { agent.request(c); });
  CAF_CHECK(e.code == error_code::client_closed);
}

CAF_TEST(an asynchronous app answers the app only calls) {
  world w{false};
  async::App app{w.client(w.keys.app_key), w.env};
  auto grants = app.list_grants().get();
  CAF_REQUIRE(grants);
  CAF_CHECK(grants->total >= 1);
  auto verified = app.verify_user_token("not.a.jwt").get();
  CAF_REQUIRE(verified);
  CAF_CHECK(!verified->valid);
  auto jwt = w.backend.identity().issue(w.keys.app_id, "ada");
  auto ada = app.verify_user_token(jwt).get();
  CAF_CHECK(ada->valid);
  CAF_CHECK_EQUAL(ada->sub, "ada");
  auto revoked = app.revoke_grant("00000000-0000-4000-8000-000000000000").get();
  CAF_CHECK(!revoked);
  CAF_CHECK(revoked.error().is(error_class::GrantNotFoundError));
}
