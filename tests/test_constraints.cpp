// with_constraints: a sub-client that narrows its parent's authority with scopes
// and a one-off rule, checked locally before any I/O and enforced by the backend
// on every request; and the property that a constrained client may never do
// what its parent may not.
#define CAF_SUITE constraints
#include "caf/test/unit_test.hpp"

#include <algorithm>
#include <random>

#include "alter/auth/constraints.hpp"
#include "alter/auth/scope.hpp"
#include "alter/backend/access/caller_identity.hpp"

#include "backend_world.hpp"

using namespace alter;
using namespace alter::testing;

namespace {

constraints scopes_only(std::vector<std::string> scopes) {
  constraints c;
  c.scopes = std::move(scopes);
  return c;
}

constraints deny_method(std::string method) {
  constraints c;
  c.rule = constraint_rule{"json_match", {{"method", {std::move(method)}}}};
  return c;
}

provider_call call_for(const world& w, const std::string& method = "GET") {
  provider_call c;
  c.method = method;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.grant_id = w.keys.agents[0].grant_ids[0];
  c.reason = "constrained";
  return c;
}

} // namespace

CAF_TEST(bad constraints are refused before any I / O) {
  world w{false};
  auto agent = w.agent();
  auto refused = [&](const constraints& c) {
    return thrown_by([&] { agent.with_constraints(c); });
  };
  auto e = refused(constraints{});
  CAF_CHECK(e.code == error_code::invalid_argument);
  CAF_CHECK(e.is(error_class::AlterValueError));
  CAF_CHECK(refused(scopes_only({"not a scope"})).code == error_code::invalid_argument);
  CAF_CHECK(refused(scopes_only({""})).code == error_code::invalid_argument);
  constraints unknown_attribute;
  unknown_attribute.rule = constraint_rule{"json_match", {{"colour", {"red"}}}};
  CAF_CHECK(refused(unknown_attribute).code == error_code::invalid_argument);
  constraints unknown_type;
  unknown_type.rule = constraint_rule{"allow_everything", {{"method", {"GET"}}}};
  CAF_CHECK(refused(unknown_type).code == error_code::invalid_argument);
  // Narrowing happens once: a constrained client cannot be constrained again.
  auto narrow = agent.with_constraints(scopes_only({"grants:read"}));
  e = thrown_by([&] { narrow.with_constraints(scopes_only({"grants:read"})); });
  CAF_CHECK(e.code == error_code::invalid_argument);
  // A closed client: the SDK's own error.
  agent.close();
  e = refused(scopes_only({"grants:read"}));
  CAF_CHECK(e.code == error_code::client_closed);
  CAF_CHECK(!e.is(error_class::AlterValueError));
  // None of this reached the backend.
  CAF_CHECK_EQUAL(calls_audited(w.backend.db()).size(), 0u);
}

CAF_TEST(constraint scopes narrow every request of the sub client) {
  world w{false};
  auto agent = w.agent();
  auto readonly = agent.with_constraints(scopes_only({"grants:read"}));
  CAF_CHECK_EQUAL(readonly.list_grants().total, 3);
  auto e = thrown_by([&] { readonly.request(call_for(w)); });
  CAF_CHECK(e.code == error_code::insufficient_scope);
  CAF_CHECK(e.is(error_class::InsufficientScopeError));
  e = thrown_by([&] { readonly.proxy_request(call_for(w)); });
  CAF_CHECK(e.code == error_code::insufficient_scope);
  // The parent keeps its authority.
  CAF_CHECK_EQUAL(agent.request(call_for(w)).status, 200);
  // Scopes the key does not have cannot be claimed.
  auto wider = agent.with_constraints(scopes_only({"agents:admin"}));
  e = thrown_by([&] { wider.list_grants(); });
  CAF_CHECK(e.code == error_code::constraint_not_narrowing);
  // An App's constrained sub-client passes its constraints to the agents it
  // acts as.
  auto app = w.app().with_constraints(scopes_only({"grants:read"}));
  auto as_agent = app.get_agent(w.keys.agents[0].id);
  CAF_CHECK_EQUAL(as_agent.list_grants().total, 3);
  e = thrown_by([&] { as_agent.request(call_for(w)); });
  CAF_CHECK(e.code == error_code::insufficient_scope);
}

CAF_TEST(a constraint rule denies what it matches) {
  world w{false};
  auto agent = w.agent();
  auto no_deletes = agent.with_constraints(deny_method("DELETE"));
  CAF_CHECK_EQUAL(no_deletes.proxy_request(call_for(w, "GET")).result.status_code, 200);
  auto e = thrown_by([&] { no_deletes.proxy_request(call_for(w, "DELETE")); });
  CAF_CHECK(e.code == error_code::policy_denied);
  CAF_CHECK(e.details_json.find("constraint_rule_denied") != std::string::npos);
  // A token retrieval has no method, so the method condition holds: denied.
  e = thrown_by([&] { no_deletes.request(call_for(w)); });
  CAF_CHECK(e.code == error_code::policy_denied);
  CAF_CHECK_EQUAL(agent.proxy_request(call_for(w, "DELETE")).result.status_code, 200);
}

CAF_TEST(the documented rule form narrows like the typed one) {
  world w{false};
  auto agent = w.agent();
  // As the Python SDK's page writes it, with the method in lower case: a
  // method matches whatever its case.
  auto no_posts = agent.with_constraints({}, R"({"rule_type": "json_match",
              "rule_body": {"when": {"method": "post"}, "effect": "deny"}})");
  CAF_CHECK_EQUAL(no_posts.proxy_request(call_for(w, "GET")).result.status_code, 200);
  auto e = thrown_by([&] { no_posts.proxy_request(call_for(w, "POST")); });
  CAF_CHECK(e.code == error_code::policy_denied);
  CAF_CHECK(e.details_json.find("constraint_rule_denied") != std::string::npos);
  // The typed form takes any case too.
  auto typed = agent.with_constraints(deny_method("delete"));
  e = thrown_by([&] { typed.proxy_request(call_for(w, "DELETE")); });
  CAF_CHECK(e.code == error_code::policy_denied);
  // A require_approval rule without `when` holds every credential call.
  auto held = agent.with_constraints(
      {},
      R"({"rule_type": "require_approval", "rule_body": {"effect": "require_approval"}})");
  auto outcome = held.proxy_request(call_for(w, "GET"));
  CAF_CHECK(outcome.pending);
  CAF_CHECK(outcome.approval.approval_id.rfind("apr_", 0) == 0);
  e = thrown_by([&] { held.request(call_for(w)); });
  CAF_CHECK(e.code == error_code::hitl_grant_requires_proxy);
}

CAF_TEST(a malformed documented rule is refused before any I / O and says why) {
  world w{false};
  auto agent = w.agent();
  auto refused = [&](std::string_view rule) {
    return thrown_by([&] { agent.with_constraints({}, rule); });
  };
  auto expect = [&](std::string_view rule, std::string_view says) {
    auto e = refused(rule);
    CAF_CHECK(e.is(error_class::AlterValueError));
    if (e.message.find(says) == std::string::npos)
      CAF_FAIL("for " << rule << ": '" << e.message << "' does not say " << says);
  };
  expect("not json", "JSON object");
  expect(R"({"rule_type": "json_match"})", "rule_body is required");
  expect(R"({"rule_type": "allow_all", "rule_body": {}})",
         "json_match or require_approval");
  expect(
      R"({"rule_type": "json_match", "rule_body": {"when": {"method": "GET"}, "effect": "allow"}})",
      "can only be deny");
  expect(R"({"rule_type": "json_match", "rule_body": {"effect": "deny"}})",
         "needs at least one condition");
  expect(R"({"rule_type": "json_match", "rule_body": {"when": {"method": "FETCH"}}})",
         "must be an HTTP method");
  expect(R"({"rule_type": "json_match", "rule_body": {"when": {"colour": "red"}}})",
         "unknown attribute");
  expect(
      R"({"rule_type": "json_match", "rule_body": {"when": {"method": "GET"}, "wen": {}}})",
      "unknown field");
  expect(R"({"rule_type": "require_approval", "rule_body": {"effect": "deny"}})",
         "can only be require_approval");
  expect(
      R"({"rule_type": "json_match", "rule_body": {"when": {"method": "GET"}}, "x": 1})",
      "unknown field");
  // The typed form refuses a method that does not exist too.
  auto e = thrown_by([&] { agent.with_constraints(deny_method("FETCH")); });
  CAF_CHECK(e.code == error_code::invalid_argument);
  CAF_CHECK_EQUAL(calls_audited(w.backend.db()).size(), 0u);
}

CAF_TEST(a narrowed client still reports its retrieve mode calls) {
  world w{false};
  auto narrow = w.agent().with_constraints(scopes_only({"tokens:retrieve"}));
  CAF_CHECK_EQUAL(narrow.request(call_for(w)).status, 200);
  narrow.close();
  auto rows = w.backend.db().audit().rows(100);
  CAF_CHECK(std::any_of(rows.begin(), rows.end(), [](const auto& r) {
    return r.action == "provider_call.reported" && r.status_code == 200;
  }));
}

CAF_TEST(whatever a constrained client may do its parent may do too) {
  std::mt19937_64 rng{7};
  const std::vector<std::string> pool
      = {"tokens:retrieve", "proxy:execute", "grants:read",    "grants:write",
         "grants:admin",    "agents:read",   "agents:admin",   "keys:derive",
         "*:read",          "*:write",       "grants:read:g1", "audit:emit"};
  auto pick = [&](std::size_t max) {
    std::vector<std::string> out;
    auto n = rng() % (max + 1);
    for (std::size_t i = 0; i < n; ++i)
      out.push_back(pool[rng() % pool.size()]);
    return out;
  };
  int constrained_allowed = 0;
  for (int round = 0; round < 3000; ++round) {
    backend::caller_identity parent;
    parent.key.scopes = pick(5);
    auto child = parent;
    child.constraints = constraints{pick(3), std::nullopt};
    // The backend accepts constraints only when they narrow.
    if (!set_implies_all(parent.key.scopes, child.constraints->scopes))
      continue;
    for (const auto& required : pool) {
      if (!child.permits(required))
        continue;
      ++constrained_allowed;
      CAF_CHECK(parent.permits(required));
    }
  }
  CAF_CHECK_GREATER(constrained_allowed, 100); // the property was exercised
}
