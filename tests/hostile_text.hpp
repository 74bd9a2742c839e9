// Text no store can hold as it is (a NUL; bytes that are not UTF-8, which
// PostgreSQL's TEXT refuses and SQLite keeps) in the places a request carries
// text towards a store: JSON strings (\u0000 in a value or a name, in a
// handler decoded by from_json or parsed by hand), path parameters and query
// values (percent-decoded). Each must be refused at the request boundary with
// 400 invalid_request on either store, and nothing of it written. Shared by
// hostile_input (SQLite) and backend_postgres.
#pragma once

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/messages/agents.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/utf8.hpp"
#include "alter/messages/wire_requests.hpp"

#include "backend_world.hpp"

namespace alter::testing {

inline http_request hostile_json_request(std::string target, std::string body,
                                         field_list headers = {}) {
  http_request req;
  req.method = "POST";
  req.target = std::move(target);
  req.headers = std::move(headers);
  req.headers.push_back({"Content-Type", "application/json"});
  req.body = std::move(body);
  return req;
}

inline http_request hostile_get(std::string target) {
  http_request req;
  req.method = "GET";
  req.target = std::move(target);
  return req;
}

/// True when any text column of the trail holds a NUL or bytes that are not UTF-8.
inline bool trail_holds_hostile_text(backend::store& db) {
  auto bad = [](const std::string& s) {
    return s.find('\0') != std::string::npos || !is_valid_utf8(s);
  };
  for (const auto& r : db.audit().rows(100000))
    if (bad(r.reason) || bad(r.url) || bad(r.context_json) || bad(r.caller)
        || bad(r.grant_id))
      return true;
  return false;
}

inline void check_hostile_text_refused(world& w) {
  const std::string nul{"a\0b", 3};
  const auto& agent_key = w.keys.agents.at(0).api_key;
  const auto& app_key = w.keys.app_key;
  const auto& grant = w.keys.agents.at(0).grant_ids.at(0);
  auto send = [&](const std::string& key, http_request req) {
    return w.raw(key, std::move(req), unix_now(), crypto::random_hex(16));
  };
  struct hostile_case {
    std::string what;
    const std::string* key;
    http_request req;
  };
  std::vector<hostile_case> cases;
  token_request retrieve;
  retrieve.grant.grant_id = grant;
  retrieve.reason = nul; // to_json writes the NUL as \u0000
  cases.push_back({"a reason", &agent_key,
                   hostile_json_request("/v1/tokens/retrieve", to_json(retrieve))});
  retrieve.reason = "fine";
  retrieve.context.push_back({nul, "v"});
  cases.push_back({"a context name", &agent_key,
                   hostile_json_request("/v1/tokens/retrieve", to_json(retrieve))});
  proxy_request proxied;
  proxied.grant.grant_id = grant;
  proxied.method = "GET";
  proxied.url = w.provider_url("sim-bearer") + "/v1/" + nul;
  proxied.reason = "fine";
  cases.push_back({"a proxied URL", &agent_key,
                   hostile_json_request("/v1/proxy/execute", to_json(proxied),
                                        {{"Idempotency-Key", "hostile-proxy"}})});
  agent_create agent;
  agent.name = "hostile-text";
  agent.display_name = nul;
  cases.push_back({"an agent's display name", &app_key,
                   hostile_json_request("/v1/agents", to_json(agent),
                                        {{"Idempotency-Key", "hostile-agent"}})});
  // Rules are parsed by hand, not by from_json: the boundary holds for them too.
  boost::json::object rule{{"name", nul},
                           {"target", {{"type", "app"}, {"id", w.keys.app_id}}},
                           {"rule_type", "rate_limit"},
                           {"rule_body", {{"max_calls", 5}, {"per_seconds", 60}}}};
  cases.push_back({"a rule name", &app_key,
                   hostile_json_request("/v1/rules", boost::json::serialize(rule))});
  provider_call_reports reports;
  provider_call_report report;
  report.grant_id = grant;
  report.method = "GET";
  report.url = "https://example.test/";
  report.status_code = 200;
  report.reason = nul;
  reports.events.push_back(report);
  cases.push_back({"a reported call's reason", &agent_key,
                   hostile_json_request("/v1/audit/events", to_json(reports))});
  // Percent-decoded: path parameters and query values.
  for (std::string target :
       {"/v1/agents/%00", "/v1/agents/%FF", "/v1/agents/by-name/a%C0%AF",
        "/v1/grants?provider_id=%00", "/v1/grants?provider_id=%ED%A0%80"})
    cases.push_back({target, &app_key, hostile_get(target)});
  int64_t agents_before = w.app().agents().list().total;
  auto rules_before = w.backend.db().rules().list(w.keys.app_id).size();
  for (auto& c : cases) {
    CAF_MESSAGE("hostile text in " << c.what);
    auto r = send(*c.key, std::move(c.req));
    CAF_CHECK_EQUAL(r.status, 400);
    auto code = std::string{name_of(parse_error_envelope(r.status, r.body).code)};
    CAF_CHECK_EQUAL(code, "invalid_request");
  }
  // Nothing of it was written: no agent, no rule, no audit row with the text,
  // no claim left on the Idempotency-Keys (the same key with a clean body runs).
  int64_t agents_after = w.app().agents().list().total;
  CAF_CHECK_EQUAL(agents_after, agents_before);
  auto rules_after = w.backend.db().rules().list(w.keys.app_id).size();
  CAF_CHECK_EQUAL(rules_after, rules_before);
  CAF_CHECK(!trail_holds_hostile_text(w.backend.db()));
  CAF_CHECK_EQUAL(w.backend.hits().total(), 0);
  agent.display_name = "clean";
  auto created
      = send(app_key, hostile_json_request("/v1/agents", to_json(agent),
                                           {{"Idempotency-Key", "hostile-agent"}}));
  CAF_CHECK_EQUAL(created.status, 201);
}

/// A call held for approval and an approver signed in to decide it.
struct held_call {
  std::string approval_id;
  std::string cookie;
  std::string csrf;
};

inline held_call hold_a_call(world& w) {
  backend::rule_record r;
  r.id = "rule_hold_" + crypto::random_hex(4);
  r.app_id = w.keys.app_id;
  r.name = "hold agent 0";
  r.target_type = "agent";
  r.target_id = w.keys.agents.at(0).id;
  r.rule_type = "require_approval";
  r.rule_body_json = "{}";
  r.created_at = backend::now_iso8601();
  w.backend.db().rules().insert(r);
  provider_call c;
  c.method = "POST";
  c.url = w.provider_url("sim-bearer") + "/v1/payments";
  c.json = R"({"amount": 42})";
  c.grant_id = w.keys.agents.at(0).grant_ids.at(0);
  c.reason = "needs a human";
  auto out = w.agent(0).proxy_request(c);
  CAF_REQUIRE(out.pending);
  held_call h;
  h.approval_id = out.approval.approval_id;
  auto login = w.browse("POST", "/approvals/login", {},
                        "token=" + net::percent_encode(w.keys.approver_token)
                            + "&next=" + h.approval_id);
  const auto* set = find_field(login.headers, "set-cookie");
  CAF_REQUIRE(set != nullptr);
  h.cookie = set->substr(0, set->find(';'));
  auto view = w.browse("GET", "/approvals/" + h.approval_id, h.cookie, {});
  std::smatch m;
  std::regex re{R"re(name="csrf" value="([0-9a-f]+)")re"};
  CAF_REQUIRE(std::regex_search(view.body, m, re));
  h.csrf = m[1].str();
  return h;
}

/// A decision whose note is not text is refused (400 page) and decides
/// nothing; a clean one then decides.
inline void check_hostile_decision_refused(world& w) {
  auto h = hold_a_call(w);
  for (std::string note : {"a%00b", "a%FFb"}) {
    CAF_MESSAGE("decision note " << note);
    auto r = w.browse("POST", "/approvals/" + h.approval_id + "/decision", h.cookie,
                      "csrf=" + h.csrf + "&decision=deny&reason=" + note);
    CAF_CHECK_EQUAL(r.status, 400);
    auto a = w.backend.db().approvals().find(h.approval_id);
    CAF_REQUIRE(a.has_value());
    CAF_CHECK(a->status == backend::approval_state::pending);
  }
  CAF_CHECK(!trail_holds_hostile_text(w.backend.db()));
  auto ok = w.browse("POST", "/approvals/" + h.approval_id + "/decision", h.cookie,
                     "csrf=" + h.csrf + "&decision=deny&reason=no");
  CAF_CHECK_EQUAL(ok.status, 303);
}

} // namespace alter::testing
