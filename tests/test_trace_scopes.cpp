// Trace scopes: every call issued inside carries the fields into the audit
// trail; scopes nest and the inner fields win. Also the small discovery surface:
// scopes.list(), actor_id and base_url.
#define CAF_SUITE trace_scopes
#include "caf/test/unit_test.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "alter/messages/base64.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/traceparent.hpp"
#include "alter/messages/wire_requests.hpp"

#include "backend_world.hpp"

using namespace alter;
using namespace alter::testing;

namespace {

provider_call call_for(const world& w, const std::string& reason) {
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items";
  c.grant_id = w.keys.agents[0].grant_ids[0];
  c.reason = reason;
  return c;
}

/// The audit row of the call with this reason and action.
backend::audit_record row_of(world& w, const std::string& action,
                             const std::string& reason) {
  for (const auto& r : w.backend.db().audit().rows(500))
    if (r.action == action && r.reason == reason)
      return r;
  CAF_FAIL("no " << action << " row with reason " << reason);
  return {};
}

/// The traceparent the simulated provider received, from its echo.
std::string traceparent_seen(const boost::json::value& echo) {
  for (const auto& h : echo.at("headers").as_object())
    if (iequals(h.key(), "traceparent"))
      return std::string{h.value().as_string()};
  return {};
}

const std::string host_span = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

} // namespace

CAF_TEST(calls inside a trace scope carry its fields into the audit trail) {
  world w{false};
  auto agent = w.agent();
  auto run
      = agent.trace(trace_fields{"run-7", "thread-3", {}, {{"tool", "search"}}, {}});
  run.proxy_request(call_for(w, "traced proxy"));
  auto proxied = row_of(w, "proxy.executed", "traced proxy");
  CAF_CHECK_EQUAL(proxied.run_id, "run-7");
  CAF_CHECK_EQUAL(proxied.thread_id, "thread-3");
  CAF_CHECK(proxied.trace_json.find("\"tool\":\"search\"") != std::string::npos);
  // Nested: the inner scope adds and overrides, the outer one is unchanged.
  auto step = run.trace(
      trace_fields{{}, {}, "call-1", {{"tool", "fetch"}, {"step", "2"}}, {}});
  step.request(call_for(w, "traced retrieve"));
  auto retrieved = row_of(w, "token.retrieved", "traced retrieve");
  CAF_CHECK_EQUAL(retrieved.run_id, "run-7");
  CAF_CHECK_EQUAL(retrieved.tool_call_id, "call-1");
  CAF_CHECK(retrieved.trace_json.find("\"tool\":\"fetch\"") != std::string::npos);
  CAF_CHECK(retrieved.trace_json.find("\"step\":\"2\"") != std::string::npos);
  run.proxy_request(call_for(w, "outer again"));
  CAF_CHECK(row_of(w, "proxy.executed", "outer again").tool_call_id.empty());
  // The SDK's report of the provider call carries the ids too.
  step.close();
  auto rows = w.backend.db().audit().rows(500);
  CAF_CHECK(std::any_of(rows.begin(), rows.end(), [](const auto& r) {
    return r.action == "provider_call.reported" && r.tool_call_id == "call-1";
  }));
  // The audit query shows the extra fields.
  auto page = w.app().query_audit({});
  CAF_CHECK(std::any_of(page.rows.begin(), page.rows.end(), [](const audit_entry& e) {
    return find_field(e.trace, "step") != nullptr;
  }));
  // Outside the scope, nothing is added.
  agent.proxy_request(call_for(w, "untraced"));
  CAF_CHECK(row_of(w, "proxy.executed", "untraced").run_id.empty());
  // App sub-clients trace the same way.
  auto app_run = w.app().trace(trace_fields{"app-run", {}, {}, {}, {}});
  auto c = call_for(w, "app traced");
  c.grant_id = w.keys.system_grant_ids[0];
  app_run.request(c);
  CAF_CHECK_EQUAL(row_of(w, "token.retrieved", "app traced").run_id, "app-run");
}

CAF_TEST(bad trace fields are refused before any I / O) {
  world w{false};
  auto agent = w.agent();
  auto refused
      = [&](trace_fields t) { return thrown_by([&] { agent.trace(t); }).code; };
  CAF_CHECK(refused({}) == error_code::invalid_argument);
  CAF_CHECK(refused({std::string(201, 'r'), {}, {}, {}, {}})
            == error_code::invalid_argument);
  CAF_CHECK(refused({"run\nx", {}, {}, {}, {}}) == error_code::invalid_argument);
  CAF_CHECK(refused({{}, {}, {}, {{"Bad Name", "v"}}, {}})
            == error_code::invalid_argument);
  CAF_CHECK(refused({{}, {}, {}, {{"a", "1"}, {"a", "2"}}, {}})
            == error_code::invalid_argument);
  field_list many;
  for (int i = 0; i < 17; ++i)
    many.push_back({"f" + std::to_string(i), "v"});
  CAF_CHECK(refused({{}, {}, {}, many, {}}) == error_code::invalid_argument);
  // Nesting may not exceed the limit either.
  many.resize(10);
  auto outer = agent.trace({{}, {}, {}, many, {}});
  field_list more;
  for (int i = 10; i < 17; ++i)
    more.push_back({"f" + std::to_string(i), "v"});
  CAF_CHECK(thrown_by([&] {
              outer.trace({{}, {}, {}, more, {}});
            }).code
            == error_code::invalid_argument);
  CAF_CHECK_EQUAL(calls_audited(w.backend.db()).size(), 0u);
  // The backend refuses a malformed header sent by hand.
  http_request req;
  req.method = "GET";
  req.target = "/v1/grants";
  req.headers = {{"x-alter-trace", base64url_encode("[1,2]")}};
  auto res = w.raw(w.keys.agents[0].api_key, req, unix_now(),
                   "00112233445566778899aabbccddeeff");
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK(res.body.find("invalid_request") != std::string::npos);
}

CAF_TEST(the traceparent of a trace scope reaches the audit row and the provider) {
  world w{false};
  auto traced = w.agent().trace(trace_fields{{}, {}, {}, {}, host_span});
  // Proxy mode: the backend keeps it in the row and passes it on.
  // A traceparent header of the caller's own is replaced in both modes.
  auto own = "00-" + std::string(32, 'a') + "-" + std::string(16, 'b') + "-00";
  auto pc = call_for(w, "w3c proxy");
  pc.headers.push_back({"traceparent", own});
  auto proxied = traced.proxy_request(pc);
  CAF_CHECK_EQUAL(traceparent_seen(proxied.result.body_json()), host_span);
  CAF_CHECK_EQUAL(row_of(w, "proxy.executed", "w3c proxy").traceparent, host_span);
  // Retrieve mode: the SDK sends it with the retrieval and to the provider, and
  // reports it with the call; a header of the caller's own is replaced.
  auto c = call_for(w, "w3c retrieve");
  c.headers.push_back({"Traceparent", own});
  auto direct = traced.request(c);
  CAF_CHECK_EQUAL(traceparent_seen(direct.body_json()), host_span);
  CAF_CHECK_EQUAL(row_of(w, "token.retrieved", "w3c retrieve").traceparent, host_span);
  traced.close();
  CAF_CHECK_EQUAL(row_of(w, "provider_call.reported", "w3c retrieve").traceparent,
                  host_span);
  // The audit query shows it.
  auto page = w.app().query_audit({});
  CAF_CHECK(std::any_of(page.rows.begin(), page.rows.end(), [](const audit_entry& e) {
    return e.traceparent == host_span && e.action == "proxy.executed";
  }));
  // Without a scope every call starts a trace of its own, seen alike by the
  // row and the provider; retries of one call share it.
  auto agent = w.agent();
  auto first = agent.proxy_request(call_for(w, "w3c fresh 1"));
  auto second = agent.proxy_request(call_for(w, "w3c fresh 2"));
  auto fresh = traceparent_seen(first.result.body_json());
  CAF_CHECK(is_valid_traceparent(fresh));
  CAF_CHECK_NOT_EQUAL(fresh.substr(3, 32),
                      host_span.substr(3, 32)); // a trace of its own
  CAF_CHECK_NOT_EQUAL(fresh, traceparent_seen(second.result.body_json()));
  CAF_CHECK_EQUAL(row_of(w, "proxy.executed", "w3c fresh 1").traceparent, fresh);
}

CAF_TEST(a traceparent that is not W3C version 00 is refused by the SDK
         and replaced by the backend) {
  world w{false};
  auto agent = w.agent();
  auto refused = [&](std::string t) {
    return thrown_by([&] { agent.trace({{}, {}, {}, {}, t}); }).code;
  };
  auto valid_ids = std::string(32, 'a') + "-" + std::string(16, 'b');
  for (const auto& bad :
       {std::string{"garbage"}, "01-" + valid_ids + "-00", "00-" + valid_ids + "-0",
        "00-" + valid_ids + "-0G",
        "00-" + std::string(32, 'A') + "-" + std::string(16, 'b') + "-00",
        "00-" + std::string(32, '0') + "-" + std::string(16, 'b') + "-00",
        "00-" + std::string(32, 'a') + "-" + std::string(16, '0') + "-00",
        "00-" + valid_ids + "-00\n"})
    CAF_CHECK(refused(bad) == error_code::invalid_argument);
  // Sent by hand, a malformed one does not fail the call: the backend starts a
  // new trace (W3C Trace Context), and the provider never sees the bad value.
  proxy_request body;
  body.grant.grant_id = w.keys.agents[0].grant_ids[0];
  body.method = "GET";
  body.url = w.provider_url("sim-bearer") + "/v1/items";
  body.reason = "bad traceparent";
  http_request req;
  req.method = "POST";
  req.target = "/v1/proxy/execute";
  req.headers = {{"Content-Type", "application/json"},
                 {"Idempotency-Key", "bad-traceparent-1"},
                 {"traceparent", "00-zz-yy-01"}};
  req.body = to_json(body);
  auto res = w.raw(w.keys.agents[0].api_key, req, unix_now(),
                   "00112233445566778899aabbccddeeff");
  CAF_REQUIRE_EQUAL(res.status, 200);
  auto row = row_of(w, "proxy.executed", "bad traceparent");
  CAF_CHECK(is_valid_traceparent(row.traceparent));
  auto result = from_json<proxy_result>(res.body);
  CAF_REQUIRE(result);
  CAF_CHECK_EQUAL(traceparent_seen(result->body_json()), row.traceparent);
}

CAF_TEST(scopes list actor id and base url describe the client) {
  world w{false};
  auto app = w.app();
  CAF_CHECK_EQUAL(app.actor_id(), "");
  auto catalog = app.list_scopes();
  auto has_resource = [&](const std::string& name) {
    return std::any_of(catalog.resources.begin(), catalog.resources.end(),
                       [&](const resource_scopes& r) { return r.resource == name; });
  };
  CAF_CHECK(has_resource("agents"));
  CAF_CHECK(has_resource("audit_logs"));
  CAF_CHECK_EQUAL(catalog.actions.size(), 5u);
  CAF_CHECK_EQUAL(app.actor_id(), w.keys.app_id);
  CAF_CHECK_EQUAL(app.base_url(), w.backend.base_url());
  auto agent = w.agent();
  agent.list_scopes();
  CAF_CHECK_EQUAL(agent.actor_id(), w.keys.agents[0].id);
  auto as_agent = app.get_agent(w.keys.agents[1].id);
  as_agent.me();
  CAF_CHECK_EQUAL(as_agent.actor_id(), w.keys.agents[1].id);
  auto opts = w.client(w.keys.app_key);
  opts.base_url = w.backend.base_url() + "/";
  CAF_CHECK_EQUAL(blocking::App(opts, w.env).base_url(), w.backend.base_url());
}
