// Policy rules end to end: managed through the API, each type allowing and
// denying what it should on real calls, failing closed, and (property tests on
// the evaluator) only ever narrowing.
#define CAF_SUITE policies
#include "caf/test/unit_test.hpp"

#include <ctime>
#include <mutex>
#include <random>

#include <boost/json.hpp>

#include "alter/auth/constraints.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/backend/policy/policy_engine.hpp"
#include "alter/backend/policy/rule_book.hpp"
#include "alter/backend/store/sqlite/ledgers.hpp"
#include "alter/backend/store/sqlite/migrations.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/wire_requests.hpp"

#include "backend_world.hpp"

using namespace alter;
using namespace alter::testing;
namespace json = boost::json;

namespace {

struct policy_world : world {
  policy_world() : world(false) {
  }

  explicit policy_world(const backend::backend_options& opts) : world(opts) {
  }

  http_response api(const std::string& key, const std::string& method,
                    const std::string& target, const std::string& body = {}) {
    http_request req;
    req.method = method;
    req.target = target;
    req.body = body;
    if (!body.empty())
      req.headers.push_back({"Content-Type", "application/json"});
    return raw(key, std::move(req), unix_now(), crypto::random_hex(16));
  }

  /// Adds a rule through the API with the app key; returns its id.
  std::string add_rule(const std::string& type, const std::string& target_type,
                       const std::string& target_id, json::object body) {
    json::object rule{{"name", type + " rule"},
                      {"target", {{"type", target_type}, {"id", target_id}}},
                      {"rule_type", type},
                      {"rule_body", std::move(body)}};
    auto res = api(keys.app_key, "POST", "/v1/rules", json::serialize(rule));
    CAF_REQUIRE_EQUAL(res.status, 201);
    return std::string{json::parse(res.body).at("id").as_string()};
  }

  std::string agent_id(int i = 0) const {
    return keys.agents.at(i).id;
  }

  /// An agent client that does not retry (rate limits answer 429).
  blocking::Agent single_shot(int i = 0) {
    auto o = client(keys.agents.at(i).api_key);
    o.retry.max_attempts = 1;
    return blocking::Agent{o, env};
  }

  provider_call call(int agent = 0, const std::string& method = "GET") {
    provider_call c;
    c.method = method;
    c.url = provider_url("sim-bearer") + "/v1/items";
    c.grant_id = keys.agents.at(agent).grant_ids.at(0);
    c.reason = "policy test";
    return c;
  }
};

std::string code_of(const alter_error& e) {
  return std::string{name_of(e.code)};
}

std::string policy_error_of(const alter_error& e) {
  boost::system::error_code ec;
  auto v = json::parse(e.details_json, ec);
  if (ec || !v.is_object() || !v.as_object().contains("policy_error"))
    return {};
  return std::string{v.at("policy_error").as_string()};
}

/// "HH:MM" of the UTC time `minutes` from now.
std::string utc_clock_in(int minutes) {
  auto t = std::time(nullptr) + minutes * 60;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", tm.tm_hour, tm.tm_min);
  return buf;
}

} // namespace

CAF_TEST(the rules API validates adds changes and removes rules) {
  policy_world w;
  auto bad = [&](const std::string& body, int status, const char* code) {
    auto res = w.api(w.keys.app_key, "POST", "/v1/rules", body);
    CAF_CHECK_EQUAL(res.status, status);
    CAF_CHECK_EQUAL(code_of(parse_error_envelope(res.status, res.body)), code);
  };
  bad(R"({"name":"x","target":{"type":"app","id":")" + w.keys.app_id
          + R"("},"rule_type":"nope","rule_body":{}})",
      400, "invalid_request");
  bad(R"({"name":"x","target":{"type":"agent","id":"00000000-0000-4000-8000-000000000000"},"rule_type":"json_match","rule_body":{}})",
      404, "not_found");
  bad(R"({"name":"x","target":{"type":"app","id":")" + w.keys.app_id
          + R"("},"rule_type":"ip_allowlist","rule_body":{"cidrs":["300.1.1.1/8"]}})",
      400, "invalid_request");
  bad(R"({"name":"x","target":{"type":"app","id":")" + w.keys.app_id
          + R"("},"rule_type":"time_window","rule_body":{"start":"25:00","end":"10:00"}})",
      400, "invalid_request");
  for (const char* cidr : {"10.0.0.0/33", "10.0.0.0/x", "::1/129", "10.0.0.0/"})
    bad(R"({"name":"x","target":{"type":"app","id":")" + w.keys.app_id
            + R"("},"rule_type":"ip_allowlist","rule_body":{"cidrs":[")" + cidr
            + R"("]}})",
        400, "invalid_request");
  bad(R"({"name":"x","target":{"type":"app","id":")" + w.keys.app_id
          + R"("},"rule_type":"rate_limit","rule_body":{"max_calls":0,"per_seconds":1}})",
      400, "invalid_request");
  bad(R"({"name":"x","target":{"type":"app","id":"someone-elses-app"},"rule_type":"json_match","rule_body":{}})",
      400, "invalid_request");
  bad("[1]", 400, "malformed_json");
  // Agents cannot write rules: their keys lack policies:write.
  auto agent_try = w.api(w.keys.agents[0].api_key, "POST", "/v1/rules", "{}");
  CAF_CHECK_EQUAL(code_of(parse_error_envelope(agent_try.status, agent_try.body)),
                  "insufficient_scope");
  auto id = w.add_rule("json_match", "agent", w.agent_id(),
                       {{"when", {{"method", "DELETE"}}}});
  auto listed = json::parse(w.api(w.keys.app_key, "GET", "/v1/rules").body);
  CAF_REQUIRE_EQUAL(listed.at("rules").as_array().size(), 1u);
  CAF_CHECK_EQUAL(listed.at("rules").at(0).at("id").as_string(), id);
  auto patched
      = w.api(w.keys.app_key, "PATCH", "/v1/rules/" + id, R"({"enabled":false})");
  CAF_CHECK_EQUAL(patched.status, 200);
  // A local copy: CAF's check macros would read a destroyed temporary (ASan).
  bool enabled = json::parse(patched.body).at("enabled").as_bool();
  CAF_CHECK_EQUAL(enabled, false);
  CAF_CHECK_EQUAL(
      w.api(w.keys.app_key, "PATCH", "/v1/rules/" + id, R"({"rule_type":"x"})").status,
      400);
  CAF_CHECK_EQUAL(w.api(w.keys.app_key, "DELETE", "/v1/rules/" + id).status, 200);
  CAF_CHECK_EQUAL(w.api(w.keys.app_key, "DELETE", "/v1/rules/" + id).status, 404);
}

CAF_TEST(json_match denies the calls it matches and no others) {
  policy_world w;
  w.add_rule(
      "json_match", "agent", w.agent_id(0),
      {{"when",
        {{"method", json::array{"DELETE", "PUT"}}, {"provider_id", "sim-bearer"}}}});
  auto agent = w.agent(0);
  CAF_CHECK_EQUAL(agent.proxy_request(w.call(0, "GET")).result.status_code, 200);
  auto e = thrown_by([&] { agent.proxy_request(w.call(0, "DELETE")); });
  CAF_CHECK_EQUAL(code_of(e), "policy_denied");
  CAF_CHECK(e.is(error_class::PolicyViolationError));
  CAF_CHECK_EQUAL(policy_error_of(e), "json_match");
  // A token retrieval has no method: the method condition counts as satisfied.
  e = thrown_by([&] { agent.request(w.call(0)); });
  CAF_CHECK_EQUAL(code_of(e), "policy_denied");
  // Another provider, or another agent: the rule does not match.
  auto other = w.call(0, "DELETE");
  other.url = w.provider_url("sim-apikey") + "/v1/items";
  other.grant_id = w.keys.agents[0].grant_ids[1];
  CAF_CHECK_EQUAL(agent.proxy_request(other).result.status_code, 200);
  CAF_CHECK_EQUAL(w.agent(1).proxy_request(w.call(1, "DELETE")).result.status_code,
                  200);
  // The denial has its audit row, and the provider never saw the call.
  auto rows = w.backend.db().audit().rows(100);
  auto denied = std::count_if(rows.begin(), rows.end(), [](const auto& r) {
    return r.outcome == backend::audit_outcome::denied
           && r.error_code == "policy_denied";
  });
  CAF_CHECK_EQUAL(denied, 2);
}

CAF_TEST(ip_allowlist admits listed networks only) {
  policy_world w;
  auto id = w.add_rule("ip_allowlist", "app", w.keys.app_id,
                       {{"cidrs", json::array{"10.0.0.0/8", "192.168.1.7"}}});
  auto agent = w.agent();
  auto e = thrown_by([&] { agent.proxy_request(w.call()); });
  CAF_CHECK_EQUAL(policy_error_of(e), "ip_not_allowed");
  w.api(w.keys.app_key, "PATCH", "/v1/rules/" + id,
        R"({"rule_body":{"cidrs":["10.0.0.0/8","127.0.0.0/8"]}})");
  CAF_CHECK_EQUAL(agent.proxy_request(w.call()).result.status_code, 200);
}

CAF_TEST(time_window admits calls inside the window only) {
  policy_world w;
  // Windows two hours away from now in either direction, so no boundary is near.
  auto id = w.add_rule("time_window", "agent", w.agent_id(),
                       {{"start", utc_clock_in(120)}, {"end", utc_clock_in(180)}});
  auto agent = w.agent();
  auto e = thrown_by([&] { agent.proxy_request(w.call()); });
  CAF_CHECK_EQUAL(policy_error_of(e), "outside_time_window");
  w.api(w.keys.app_key, "PATCH", "/v1/rules/" + id,
        R"({"rule_body":{"start":")" + utc_clock_in(-120) + R"(","end":")"
            + utc_clock_in(120) + R"("}})");
  CAF_CHECK_EQUAL(agent.proxy_request(w.call()).result.status_code, 200);
  // No day listed for today: denied whatever the hour.
  w.api(w.keys.app_key, "PATCH", "/v1/rules/" + id,
        R"({"rule_body":{"start":"00:00","end":"24:00","days":[]}})");
  e = thrown_by([&] { agent.proxy_request(w.call()); });
  CAF_CHECK_EQUAL(policy_error_of(e), "outside_time_window");
}

CAF_TEST(rate_limit counts per agent and answers 429 with a retry delay) {
  policy_world w;
  w.add_rule("rate_limit", "app", w.keys.app_id,
             {{"max_calls", 3}, {"per_seconds", 60}, {"per", "agent"}});
  auto first = w.single_shot(0);
  for (int i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(first.proxy_request(w.call(0)).result.status_code, 200);
  auto e = thrown_by([&] { first.proxy_request(w.call(0)); });
  CAF_CHECK_EQUAL(code_of(e), "rate_limited");
  CAF_CHECK(e.is(error_class::PolicyViolationError));
  CAF_CHECK_EQUAL(e.http_status, 429);
  CAF_CHECK_GREATER(e.retry_after_ms, 50000);
  // Another agent has its own budget.
  CAF_CHECK_EQUAL(w.single_shot(1).proxy_request(w.call(1)).result.status_code, 200);
}

CAF_TEST(a call one rate limit refuses uses up no other limit) {
  policy_world w;
  w.add_rule("rate_limit", "app", w.keys.app_id,
             {{"max_calls", 1}, {"per_seconds", 60}, {"per", "agent"}});
  w.add_rule("rate_limit", "app", w.keys.app_id,
             {{"max_calls", 2}, {"per_seconds", 60}, {"per", "app"}});
  auto first = w.single_shot(0);
  CAF_CHECK_EQUAL(first.proxy_request(w.call(0)).result.status_code, 200);
  // Refused by the per-agent limit: must not count against the per-app one.
  CAF_CHECK_EQUAL(code_of(thrown_by([&] { first.proxy_request(w.call(0)); })),
                  "rate_limited");
  CAF_CHECK_EQUAL(w.single_shot(1).proxy_request(w.call(1)).result.status_code, 200);
  // Now the app's two calls are used, whoever calls next.
  auto o = w.client(w.keys.app_key);
  o.retry.max_attempts = 1;
  blocking::App app{o, w.env};
  auto system_call = w.call(0);
  system_call.grant_id = w.keys.system_grant_ids[0];
  CAF_CHECK_EQUAL(code_of(thrown_by([&] { app.proxy_request(system_call); })),
                  "rate_limited");
}

CAF_TEST(parameter rules check fields of the proxied JSON body) {
  policy_world w;
  w.add_rule("parameter", "grant", w.keys.agents[0].grant_ids[0],
             {{"field", "order.amount"}, {"max", 100}, {"required", true}});
  auto agent = w.agent();
  auto with = [&](const std::string& json) {
    auto c = w.call(0, "POST");
    c.json = json;
    return c;
  };
  CAF_CHECK_EQUAL(
      agent.proxy_request(with(R"({"order":{"amount":99.5}})")).result.status_code,
      200);
  auto e = thrown_by([&] { agent.proxy_request(with(R"({"order":{"amount":101}})")); });
  CAF_CHECK_EQUAL(policy_error_of(e), "parameter_not_allowed");
  e = thrown_by([&] { agent.proxy_request(with(R"({"order":{"amount":"99"}})")); });
  CAF_CHECK_EQUAL(policy_error_of(e), "parameter_not_allowed");
  e = thrown_by([&] { agent.proxy_request(with(R"({"other":1})")); });
  CAF_CHECK_EQUAL(policy_error_of(e), "parameter_missing");
  auto text = w.call(0, "POST");
  text.body = "amount=5";
  text.headers.push_back({"Content-Type", "text/plain"});
  e = thrown_by([&] { agent.proxy_request(text); });
  CAF_CHECK_EQUAL(policy_error_of(e), "parameter_unreadable");
  // No body at all: the field is missing, which only a required rule refuses.
  e = thrown_by([&] { agent.proxy_request(w.call(0, "GET")); });
  CAF_CHECK_EQUAL(policy_error_of(e), "parameter_missing");
  // Retrieve mode would hand the credential out unchecked: refused.
  e = thrown_by([&] { agent.request(w.call(0)); });
  CAF_CHECK_EQUAL(policy_error_of(e), "parameter_rule_requires_proxy");
}

CAF_TEST(a rule that cannot be evaluated denies) {
  policy_world w;
  backend::rule_record broken;
  broken.id = "rule_broken";
  broken.app_id = w.keys.app_id;
  broken.name = "hand-edited";
  broken.target_type = "agent";
  broken.target_id = w.agent_id();
  broken.rule_type = "ip_allowlist";
  broken.rule_body_json = R"({"cidrs": ["not-a-network"]})";
  broken.created_at = backend::now_iso8601();
  w.backend.db().rules().insert(broken);
  auto e = thrown_by([&] { w.agent().proxy_request(w.call()); });
  CAF_CHECK_EQUAL(code_of(e), "policy_denied");
  CAF_CHECK_EQUAL(policy_error_of(e), "rule_unevaluable");
  broken.id = "rule_unknown";
  broken.rule_type = "from_the_future";
  w.backend.db().rules().insert(broken);
  // Agent 1 is no target of either rule.
  CAF_CHECK_EQUAL(w.agent(1).proxy_request(w.call(1)).result.status_code, 200);
}

CAF_TEST(a refused rule body names the field that is wrong) {
  policy_world w;
  // The refusal of `type` with `body`: 400 invalid_request, its message.
  auto refusal = [&](const std::string& type, const std::string& body) {
    auto res
        = w.api(w.keys.app_key, "POST", "/v1/rules",
                R"({"name":"x","target":{"type":"app","id":")" + w.keys.app_id
                    + R"("},"rule_type":")" + type + R"(","rule_body":)" + body + "}");
    auto e = parse_error_envelope(res.status, res.body);
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(code_of(e), "invalid_request");
    return e.message;
  };
  auto names = [](const std::string& message, const std::string& field) {
    if (message.rfind(field + ": ", 0) == 0)
      return true;
    CAF_MESSAGE("'" << message << "' does not start with '" << field << ": '");
    return false;
  };
  CAF_CHECK(names(refusal("json_match", R"({"when":{"method":7}})"),
                  "rule_body.when.method"));
  CAF_CHECK(names(refusal("require_approval", R"({"when":{"method":["GET",3]}})"),
                  "rule_body.when.method[1]"));
  CAF_CHECK(names(refusal("ip_allowlist", R"({"cidrs":["10.0.0.0/8","300.1.1.1/8"]})"),
                  "rule_body.cidrs[1]"));
  CAF_CHECK(names(refusal("time_window", R"({"start":"09:00","end":"25:00"})"),
                  "rule_body.end"));
  CAF_CHECK(names(refusal("time_window",
                          R"({"start":"09:00","end":"17:00","days":["mon","funday"]})"),
                  "rule_body.days[1]"));
  CAF_CHECK(names(refusal("rate_limit", R"({"max_calls":5,"per_seconds":0})"),
                  "rule_body.per_seconds"));
  CAF_CHECK(names(refusal("parameter", R"({"field":"amount"})"), "rule_body"));
  CAF_CHECK(names(refusal("nope", "{}"), "rule_type"));
  CAF_CHECK(names(refusal("ip_allowlist", "[]"), "rule_body"));
  // Accepted before, silently: a flag that is no bool (the field was then
  // optional), and a misspelt field (its check was then never made).
  CAF_CHECK(
      names(refusal("parameter", R"({"field":"amount","max":10,"required":"yes"})"),
            "rule_body.required"));
  auto misspelt
      = refusal("time_window", R"({"start":"09:00","end":"17:00","day":["mon"]})");
  CAF_CHECK(names(misspelt, "rule_body"));
  CAF_CHECK(misspelt.find("unknown field 'day'") != std::string::npos);
  CAF_CHECK_EQUAL(json::parse(w.api(w.keys.app_key, "GET", "/v1/rules").body)
                      .at("rules")
                      .as_array()
                      .size(),
                  0u);
}

CAF_TEST(a corrupt rule body in the database denies without a crash) {
  policy_world w;
  // Bytes no API would store, written straight into the database.
  std::string nested(100000, '[');
  std::vector<std::string> corrupt{
      std::string{"\xff\x00{\"when\"", 8},
      nested,
      std::string(1 << 20, ' ') + "{}",
      R"({"cidrs":"10.0.0.0/8"})",
      R"({"cidrs":[{"deep":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}]})",
      "null"};
  for (std::size_t i = 0; i < corrupt.size(); ++i) {
    backend::rule_record r;
    r.id = "rule_corrupt_" + std::to_string(i);
    r.app_id = w.keys.app_id;
    r.name = "corrupt " + std::to_string(i);
    r.target_type = "agent";
    r.target_id = w.agent_id(0);
    r.rule_type = "ip_allowlist";
    r.rule_body_json = corrupt[i];
    r.created_at = backend::now_iso8601();
    w.backend.db().rules().insert(r);
    auto e = thrown_by([&] { w.agent(0).proxy_request(w.call(0)); });
    CAF_CHECK_EQUAL(code_of(e), "policy_denied");
    CAF_CHECK_EQUAL(policy_error_of(e), "rule_unevaluable");
    w.backend.db().rules().remove(w.keys.app_id, r.id);
  }
  // The backend still serves, and agent 1 was never a target.
  CAF_CHECK_EQUAL(w.agent(0).proxy_request(w.call(0)).result.status_code, 200);
  CAF_CHECK_EQUAL(w.agent(1).proxy_request(w.call(1)).result.status_code, 200);
}

CAF_TEST(the constraint rule of a client runs through the same evaluator) {
  policy_world w;
  auto with_constraints = [&](const constraints& c, const std::string& method) {
    proxy_request p;
    p.grant.grant_id = w.keys.agents[0].grant_ids[0];
    p.method = method;
    p.url = w.provider_url("sim-bearer") + "/x";
    p.reason = "constrained";
    http_request req;
    req.method = "POST";
    req.target = "/v1/proxy/execute";
    req.body = to_json(p);
    req.headers = {{"Content-Type", "application/json"},
                   {"Idempotency-Key", crypto::random_hex(8)},
                   {"x-alter-constraints", encode_constraints_header(c)}};
    return w.raw(w.keys.agents[0].api_key, req, unix_now(), crypto::random_hex(16));
  };
  constraints deny_deletes;
  deny_deletes.rule = constraint_rule{"json_match", {{"method", {"DELETE"}}}};
  CAF_CHECK_EQUAL(with_constraints(deny_deletes, "GET").status, 200);
  auto res = with_constraints(deny_deletes, "DELETE");
  CAF_CHECK_EQUAL(res.status, 403);
  CAF_CHECK_EQUAL(policy_error_of(parse_error_envelope(res.status, res.body)),
                  "constraint_rule_denied");
  constraints hold_posts;
  hold_posts.rule = constraint_rule{"require_approval", {{"method", {"POST"}}}};
  res = with_constraints(hold_posts, "POST");
  CAF_CHECK_EQUAL(res.status, 202);
  CAF_CHECK(res.body.find("apr_") != std::string::npos);
}

namespace {

/// A random rule of any type, sometimes malformed, sometimes disabled.
backend::rule_record random_rule(std::mt19937_64& rng, int n) {
  static const std::vector<std::string> types
      = {"json_match", "require_approval", "ip_allowlist", "time_window",
         "rate_limit", "parameter",        "bogus"};
  static const std::vector<std::string> bodies[] = {
      {R"({"when":{"method":"DELETE"}})", R"({"when":{"provider_id":["p1","p2"]}})",
       R"({"when":{"agent_id":"a1","method":["GET","POST"]}})", R"({})",
       R"({"when":{"nope":"x"}})"},
      {R"({"when":{"method":"POST"}})", R"({})",
       R"({"when":{"resource_kind":"oauth"}})"},
      {R"({"cidrs":["127.0.0.0/8"]})", R"({"cidrs":["10.0.0.0/8"]})",
       R"({"cidrs":["x"]})"},
      {R"({"start":"00:00","end":"24:00"})", R"({"start":"10:00","end":"09:00"})",
       R"({"start":"x","end":"y"})"},
      {R"({"max_calls":1,"per_seconds":60})", R"({"max_calls":100,"per_seconds":1})"},
      {R"({"field":"amount","max":10})", R"({"field":"kind","allowed":["a"]})",
       R"({"field":"x"})"},
      {R"({})"}};
  std::uniform_int_distribution<std::size_t> type_of(0, types.size() - 1);
  backend::rule_record r;
  auto t = type_of(rng);
  r.id = "r" + std::to_string(n);
  r.name = r.id;
  r.rule_type = types[t];
  const auto& options = bodies[t];
  r.rule_body_json
      = options[std::uniform_int_distribution<std::size_t>(0, options.size() - 1)(rng)];
  r.enabled = rng() % 5 != 0;
  return r;
}

backend::policy_facts random_facts(std::mt19937_64& rng) {
  backend::policy_facts f;
  f.attributes = {{"provider_id", rng() % 2 ? "p1" : "p3"},
                  {"agent_id", rng() % 2 ? "a1" : "a2"},
                  {"client_ip", rng() % 2 ? "127.0.0.1" : "10.1.2.3"},
                  {"resource_kind", rng() % 2 ? "oauth" : "managed_secret"}};
  if (rng() % 3)
    f.attributes.emplace_back("method", rng() % 2 ? "GET" : "DELETE");
  if (rng() % 3)
    f.body = rng() % 2 ? R"({"amount":5,"kind":"a"})" : R"({"amount":50,"kind":"b"})";
  f.now = 1'800'000'000 + static_cast<int64_t>(rng() % 86400);
  return f;
}

/// The store's rate-limit ledger on a private in-memory database.
struct private_ledger {
  backend::sqlite_connections connections{":memory:", {}};
  backend::sqlite_rate_limits limits{backend::sqlite_scope{&connections, nullptr}};

  private_ledger() {
    backend::migrate(connections.writer.connection().db(), ":memory:");
  }

  /// Forgets every call counted so far.
  void clear() {
    connections.writer.acquire_flushed();
    connections.writer.connection().db().exec("DELETE FROM rate_limit_calls");
    connections.writer.release();
  }
};

int severity(backend::policy_effect e) {
  return e == backend::policy_effect::allow              ? 0
         : e == backend::policy_effect::require_approval ? 1
                                                         : 2;
}

} // namespace

CAF_TEST(adding a rule or a constraint never widens what a call may do) {
  std::mt19937_64 rng{20261128};
  // One book for every round: rule ids repeat with other bodies, which must
  // never evaluate an earlier round's parse.
  backend::rule_book book{{}};
  // Counters of their own per evaluation, forgotten every round.
  private_ledger ledger_a;
  private_ledger ledger_b;
  private_ledger ledger_c;
  auto& fresh_a = ledger_a.limits;
  auto& fresh_b = ledger_b.limits;
  auto& fresh_c = ledger_c.limits;
  for (int round = 0; round < 2000; ++round) {
    ledger_a.clear();
    ledger_b.clear();
    ledger_c.clear();
    std::vector<backend::rule_record> rules;
    auto count = rng() % 4;
    for (std::size_t i = 0; i < count; ++i)
      rules.push_back(random_rule(rng, static_cast<int>(i)));
    auto facts = random_facts(rng);
    auto before
        = backend::evaluate_policy(book.load(rules), std::nullopt, facts, fresh_a);
    auto more = rules;
    more.push_back(random_rule(rng, 99));
    auto after
        = backend::evaluate_policy(book.load(more), std::nullopt, facts, fresh_b);
    CAF_CHECK_GREATER_OR_EQUAL(severity(after.effect), severity(before.effect));
    // A constrained client: whatever it may do, its parent may do too.
    constraint_rule c{rng() % 2 ? "json_match" : "require_approval",
                      {{"method", {rng() % 2 ? "GET" : "DELETE"}}},
                      {}};
    auto constrained = backend::evaluate_policy(book.load(rules), c, facts, fresh_c);
    CAF_CHECK_GREATER_OR_EQUAL(severity(constrained.effect), severity(before.effect));
    if (after.effect == backend::policy_effect::deny)
      CAF_CHECK(after.refusal.has_value());
  }
}

CAF_TEST(every rule that holds a call is a gate with its own approvers) {
  backend::rule_book book{{}};
  private_ledger ledger;
  auto rule = [](std::string id, std::string type, std::string body) {
    backend::rule_record r;
    r.id = id;
    r.name = "name of " + id;
    r.app_id = "app";
    r.rule_type = std::move(type);
    r.rule_body_json = std::move(body);
    return r;
  };
  std::vector<backend::rule_record> rules{
      rule("r1", "require_approval", R"({"approval":{"approvers":["a@example.com"]}})"),
      rule("r2", "require_approval", R"({"when":{"method":"DELETE"}})"),
      rule("r3", "require_approval",
           R"({"when":{"method":"GET"},"approval":{"channels":[]}})")};
  constraint_rule c{"require_approval", {}, {}};
  c.approval.approvers = {"boss@example.com"};
  backend::policy_facts facts;
  facts.attributes = {{"method", "GET"}, {"agent_id", "a1"}};
  auto d = backend::evaluate_policy(book.load(rules), c, facts, ledger.limits);
  CAF_CHECK(d.effect == backend::policy_effect::require_approval);
  CAF_CHECK_EQUAL(d.rule_id, "r1");
  CAF_REQUIRE_EQUAL(d.holds.size(), 3u);
  CAF_CHECK_EQUAL(d.holds[0].rule_id, "r1");
  CAF_CHECK_EQUAL(d.holds[0].rule_name, "name of r1");
  CAF_CHECK_EQUAL(d.holds[0].approval.approvers,
                  std::vector<std::string>{"a@example.com"});
  CAF_CHECK_EQUAL(d.holds[1].rule_id, "r3");
  CAF_CHECK(d.holds[1].approval.channels.empty());
  CAF_CHECK_EQUAL(d.holds[2].rule_id, "");
  CAF_CHECK_EQUAL(d.holds[2].approval.approvers,
                  std::vector<std::string>{"boss@example.com"});
  // A denial still wins over every hold.
  rules.push_back(rule("r4", "json_match", R"({"when":{"method":"GET"}})"));
  auto denied = backend::evaluate_policy(book.load(rules), c, facts, ledger.limits);
  CAF_CHECK(denied.effect == backend::policy_effect::deny);
  CAF_CHECK_EQUAL(denied.rule_id, "r4");
}

namespace {

/// Warnings a backend reports, from whichever thread reports them.
struct warning_log {
  std::mutex mtx;
  std::vector<std::string> lines;

  std::vector<std::string> taken() {
    std::lock_guard<std::mutex> guard{mtx};
    return lines;
  }
};

backend::backend_options logging_to(const std::shared_ptr<warning_log>& log) {
  auto o = world::options(false);
  o.log_warning = [log](const std::string& line) {
    std::lock_guard<std::mutex> guard{log->mtx};
    log->lines.push_back(line);
  };
  return o;
}

backend::rule_record stored_rule(policy_world& w, const std::string& id,
                                 const std::string& type, const std::string& body) {
  backend::rule_record r;
  r.id = id;
  r.app_id = w.keys.app_id;
  r.name = id;
  r.target_type = "app";
  r.target_id = w.keys.app_id;
  r.rule_type = type;
  r.rule_body_json = body;
  r.created_at = backend::now_iso8601();
  return r;
}

} // namespace

CAF_TEST(calls parse no rule that was parsed before) {
  policy_world w;
  auto& book = w.backend.rules();
  // Written straight into the database: parsed when first loaded.
  const std::vector<std::pair<std::string, std::string>> rules{
      {"json_match", R"({"when":{"method":"DELETE"}})"},
      {"ip_allowlist", R"({"cidrs":["127.0.0.0/8","::1/128"]})"},
      {"time_window", R"({"start":"00:00","end":"24:00"})"},
      {"rate_limit", R"({"max_calls":1000,"per_seconds":60})"},
      {"parameter", R"({"field":"amount","max":100})"}};
  for (std::size_t i = 0; i < rules.size(); ++i)
    w.backend.db().rules().insert(stored_rule(w, "rule_db_" + std::to_string(i),
                                              rules[i].first, rules[i].second));
  auto before = book.parses();
  auto agent = w.agent(0);
  constexpr int calls = 20;
  for (int i = 0; i < calls; ++i)
    CAF_CHECK_EQUAL(agent.proxy_request(w.call(0)).result.status_code, 200);
  CAF_CHECK_EQUAL(book.parses() - before, rules.size());
  // Stored through the API: parsed by the validation, never again by calls.
  auto id = w.add_rule("json_match", "agent", w.agent_id(0),
                       {{"when", {{"method", "PUT"}}}});
  auto stored = book.parses();
  for (int i = 0; i < calls; ++i)
    CAF_CHECK_EQUAL(agent.proxy_request(w.call(0)).result.status_code, 200);
  CAF_CHECK_EQUAL(book.parses(), stored);
  // Changed through the API: the new body is in force at once, unparsed by calls.
  w.api(w.keys.app_key, "PATCH", "/v1/rules/" + id,
        R"({"rule_body":{"when":{"method":"GET"}}})");
  auto patched = book.parses();
  CAF_CHECK_EQUAL(code_of(thrown_by([&] { agent.proxy_request(w.call(0)); })),
                  "policy_denied");
  CAF_CHECK_EQUAL(book.parses(), patched);
}

CAF_TEST(a rule another backend changed in the shared database is parsed again) {
  policy_world w;
  auto& book = w.backend.rules();
  auto r = stored_rule(w, "rule_shared", "ip_allowlist", R"({"cidrs":["10.0.0.0/8"]})");
  w.backend.db().rules().insert(r);
  auto agent = w.agent(0);
  CAF_CHECK_EQUAL(policy_error_of(thrown_by([&] { agent.proxy_request(w.call(0)); })),
                  "ip_not_allowed");
  auto parsed = book.parses();
  // What another instance's PATCH leaves in the database.
  r.rule_body_json = R"({"cidrs":["127.0.0.0/8"]})";
  CAF_REQUIRE(w.backend.db().rules().update(r));
  CAF_CHECK_EQUAL(agent.proxy_request(w.call(0)).result.status_code, 200);
  CAF_CHECK_EQUAL(agent.proxy_request(w.call(0)).result.status_code, 200);
  CAF_CHECK_EQUAL(book.parses(), parsed + 1);
}

CAF_TEST(a stored rule that does not parse is reported once and denies every call) {
  auto log = std::make_shared<warning_log>();
  policy_world w{logging_to(log)};
  w.backend.db().rules().insert(
      stored_rule(w, "rule_bad", "time_window", R"({"start":"09:00","end":"9pm"})"));
  auto agent = w.agent(0);
  for (int i = 0; i < 5; ++i) {
    auto e = thrown_by([&] { agent.proxy_request(w.call(0)); });
    CAF_CHECK_EQUAL(policy_error_of(e), "rule_unevaluable");
    CAF_CHECK(e.message.find("rule_body.end") != std::string::npos);
  }
  auto lines = log->taken();
  CAF_REQUIRE_EQUAL(lines.size(), 1u);
  CAF_CHECK(lines[0].find("'rule_bad'") != std::string::npos);
  CAF_CHECK(lines[0].find("rule_body.end") != std::string::npos);
}
