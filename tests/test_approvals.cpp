// Human approval end to end: a rule holds a proxied call, an approver signs in
// on the approval page and decides, the waiting client gets the executed result
// or the typed refusal. The state machine, expiry, races and the page's
// protection, over real sockets.
#define CAF_SUITE approvals
#include "caf/test/unit_test.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/backend/bootstrap.hpp"
#include "alter/backend/http/page_origin.hpp"
#include "alter/backend/identity/local_users.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/wire_requests.hpp"

#include "backend_world.hpp"
#include "temp_files.hpp"

using namespace alter;
using namespace alter::testing;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

struct approval_world : world {
  explicit approval_world(std::chrono::seconds ttl = std::chrono::seconds{900})
      : approval_world(options_with(ttl)) {
  }

  explicit approval_world(const backend::backend_options& opts) : world(opts) {
    // Every call of agent 0 waits for a human.
    backend::rule_record r;
    r.id = "rule_hold";
    r.app_id = keys.app_id;
    r.name = "hold agent 0";
    r.target_type = "agent";
    r.target_id = keys.agents[0].id;
    r.rule_type = "require_approval";
    r.rule_body_json = "{}";
    r.created_at = backend::now_iso8601();
    backend.db().rules().insert(r);
  }

  static backend::backend_options options_with(std::chrono::seconds ttl) {
    auto o = options(false);
    o.approval_ttl = ttl;
    return o;
  }

  provider_call held_call(const std::string& reason = "needs a human") {
    provider_call c;
    c.method = "POST";
    c.url = provider_url("sim-bearer") + "/v1/payments";
    c.json = R"({"amount": 42})";
    c.grant_id = keys.agents[0].grant_ids[0];
    c.reason = reason;
    return c;
  }

  /// The approval page over HTTP, as a browser would use it (no Alter key).
  http_response page(const std::string& method, const std::string& target,
                     const std::string& cookie = {}, const std::string& form = {}) {
    return browse(method, target, cookie, form);
  }

  static std::string login_form(const std::string& token,
                                const std::string& approval_id) {
    return "token=" + net::percent_encode(token) + "&next=" + approval_id;
  }

  /// Signs in with `token` for `approval_id`; the session cookie, or "".
  std::string sign_in(const std::string& token, const std::string& approval_id) {
    auto res = page("POST", "/approvals/login", {}, login_form(token, approval_id));
    const auto* set = find_field(res.headers, "set-cookie");
    if (res.status != 303 || set == nullptr)
      return {};
    return set->substr(0, set->find(';'));
  }

  static std::string csrf_of(const std::string& html) {
    std::smatch m;
    std::regex re{R"re(name="csrf" value="([0-9a-f]+)")re"};
    return std::regex_search(html, m, re) ? m[1].str() : std::string{};
  }

  /// An approver's signed-in browser: its session cookie and CSRF token.
  struct session {
    std::string cookie;
    std::string csrf;
  };

  /// Signs in as the bootstrap approver while `approval_id` is still pending.
  session approver_for(const std::string& approval_id) {
    session s;
    s.cookie = sign_in(keys.approver_token, approval_id);
    s.csrf = csrf_of(page("GET", "/approvals/" + approval_id, s.cookie).body);
    return s;
  }

  http_response post_decision(const session& s, const std::string& approval_id,
                              const std::string& decision, const std::string& note) {
    return page("POST", "/approvals/" + approval_id + "/decision", s.cookie,
                "csrf=" + s.csrf + "&decision=" + decision
                    + "&reason=" + net::percent_encode(note));
  }

  /// Signs in and decides; the decision's answer.
  http_response decide(const std::string& approval_id, const std::string& decision,
                       const std::string& note = "ok") {
    return post_decision(approver_for(approval_id), approval_id, decision, note);
  }

  /// A page request with the browser's Origin and Referer replaced by
  /// `headers` (none: a request that says nowhere where it comes from).
  http_response page_from(const field_list& headers, const std::string& target,
                          const std::string& cookie, const std::string& form) {
    auto req = page_request("POST", target, cookie, form);
    req.headers.erase(
        std::remove_if(req.headers.begin(), req.headers.end(),
                       [](const auto& h) { return iequals(h.name, "origin"); }),
        req.headers.end());
    req.headers.insert(req.headers.end(), headers.begin(), headers.end());
    return raw({}, std::move(req), 0, {});
  }

  bool is_sign_in_page(const http_response& res) {
    return res.body.find("Approver token") != std::string::npos
           && res.body.find("/v1/payments") == std::string::npos;
  }

  int gates_added = 0;

  /// A second rule on agent 0: its held calls need a gate of `approval`'s
  /// approvers too.
  void add_gate(const std::string& id, const std::string& approval_json) {
    backend::rule_record r;
    r.id = id;
    r.app_id = keys.app_id;
    r.name = id;
    r.target_type = "agent";
    r.target_id = keys.agents[0].id;
    r.rule_type = "require_approval";
    r.rule_body_json = "{\"approval\": " + approval_json + "}";
    // Gates come in the order their rules were made: this one after rule_hold.
    r.created_at = backend::now_iso8601(std::chrono::seconds{++gates_added});
    backend.db().rules().insert(r);
  }

  /// Signs in another approver of the app, `name`, for `approval_id`.
  session approver_named(const std::string& name, const std::string& approval_id) {
    auto token = backend::add_approver(backend.db(), keys.app_id, name);
    session s;
    s.cookie = sign_in(token, approval_id);
    s.csrf = csrf_of(page("GET", "/approvals/" + approval_id, s.cookie).body);
    return s;
  }

  http_response post_gate_decision(const session& s, const std::string& approval_id,
                                   int gate, const std::string& decision) {
    return page("POST", "/approvals/" + approval_id + "/decision", s.cookie,
                "csrf=" + s.csrf + "&gate=" + std::to_string(gate)
                    + "&decision=" + decision + "&reason=gate");
  }

  static std::string id_from_url(const std::string& url) {
    return url.substr(url.rfind('/') + 1);
  }
};

} // namespace

CAF_TEST(a held call runs once after approval and the waiting client gets its result) {
  approval_world w;
  // Inside a trace scope: the execution, later, still carries the caller's trace.
  const std::string traceparent
      = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto agent = w.agent(0).trace(trace_fields{{}, {}, {}, {}, traceparent});
  auto out = agent.proxy_request(w.held_call());
  CAF_REQUIRE(out.pending);
  CAF_CHECK_EQUAL(out.approval.approval_url,
                  w.backend.base_url() + "/approvals/" + out.approval.approval_id);
  CAF_CHECK(!out.approval.expires_at.empty());
  // One rule holds it: one gate, any approver of the app.
  CAF_REQUIRE_EQUAL(out.approval.gates.size(), 1u);
  CAF_CHECK_EQUAL(out.approval.gates[0].approval_url,
                  out.approval.approval_url + "#gate-1");
  CAF_CHECK(out.approval.gates[0].approvers.empty());
  CAF_CHECK_EQUAL(out.approval.gates[0].status, "pending");
  CAF_CHECK_EQUAL(out.approval.gates[0].rule_id, "rule_hold");
  CAF_CHECK_EQUAL(agent.get_approval_status(out.approval.approval_id).status,
                  "pending");
  CAF_CHECK_EQUAL(w.backend.hits().total(), 0);
  auto approver = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(300ms);
    return w.decide(out.approval.approval_id, "approve").status;
  });
  auto result = agent.await_approval(out.approval.approval_id, 20.0);
  CAF_CHECK_EQUAL(approver.get(), 303);
  CAF_CHECK_EQUAL(result.status_code, 200);
  CAF_CHECK_EQUAL(result.approval_id, out.approval.approval_id);
  CAF_CHECK(result.body_bytes().find("amount") != std::string::npos);
  CAF_CHECK(result.body_bytes().find(traceparent) != std::string::npos);
  CAF_CHECK_EQUAL(w.backend.hits().total(), 1);
  auto status = agent.get_approval_status(out.approval.approval_id);
  CAF_CHECK_EQUAL(status.status, "executed");
  CAF_CHECK(status.has_result);
  CAF_CHECK(!status.decided_at.empty() && !status.executed_at.empty());
  // Awaiting again returns the same result, without a second execution.
  CAF_CHECK_EQUAL(agent.await_approval(out.approval.approval_id, 5.0).status_code, 200);
  CAF_CHECK_EQUAL(w.backend.hits().total(), 1);
  // The trail: requested, approved (by whom), executed.
  std::vector<std::string> actions;
  for (const auto& r : w.backend.db().audit().rows(100))
    if (r.approval_id == out.approval.approval_id) {
      actions.push_back(r.action + "/" + std::string{to_string(r.outcome)} + "/"
                        + r.decided_by);
      CAF_CHECK_EQUAL(r.traceparent, traceparent);
    }
  CAF_CHECK_EQUAL(actions,
                  (std::vector<std::string>{"approval.requested/pending/",
                                            "approval.approved/success/approver",
                                            "proxy.executed/success/"}));
}

CAF_TEST(a denied call raises ApprovalDeniedError and never runs) {
  approval_world w;
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call());
  auto approver = w.approver_for(out.approval.approval_id);
  CAF_CHECK_EQUAL(
      w.post_decision(approver, out.approval.approval_id, "deny", "not today").status,
      303);
  auto e = thrown_by([&] { agent.await_approval(out.approval.approval_id, 5.0); });
  CAF_CHECK(e.code == error_code::approval_denied);
  CAF_CHECK(e.is(error_class::ApprovalDeniedError));
  CAF_CHECK(e.is(error_class::ApprovalError));
  CAF_CHECK(e.message.find("not today") != std::string::npos);
  CAF_CHECK_EQUAL(agent.get_approval_status(out.approval.approval_id).decision_reason,
                  "not today");
  CAF_CHECK_EQUAL(w.backend.hits().total(), 0);
  // Deciding again changes nothing.
  CAF_CHECK_EQUAL(
      w.post_decision(approver, out.approval.approval_id, "approve", "").status, 409);
  CAF_CHECK_EQUAL(w.backend.hits().total(), 0);
}

CAF_TEST(an undecided call expires and a late approval cannot run it) {
  approval_world w{std::chrono::seconds{1}};
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call());
  auto approver = w.approver_for(out.approval.approval_id);
  auto e = thrown_by([&] { agent.await_approval(out.approval.approval_id, 10.0); });
  CAF_CHECK(e.code == error_code::approval_expired);
  CAF_CHECK(e.is(error_class::ApprovalExpiredError));
  CAF_CHECK_EQUAL(
      w.post_decision(approver, out.approval.approval_id, "approve", "").status, 409);
  CAF_CHECK_EQUAL(agent.get_approval_status(out.approval.approval_id).status,
                  "expired");
  CAF_CHECK_EQUAL(w.backend.hits().total(), 0);
}

CAF_TEST(a decision after the client gave up still executes once) {
  approval_world w;
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call());
  auto e = thrown_by([&] { agent.await_approval(out.approval.approval_id, 0.5); });
  CAF_CHECK(e.code == error_code::approval_timeout);
  CAF_CHECK(e.is(error_class::ApprovalTimeoutError));
  CAF_CHECK_EQUAL(w.decide(out.approval.approval_id, "approve").status, 303);
  CAF_CHECK_EQUAL(agent.await_approval(out.approval.approval_id, 10.0).status_code,
                  200);
  CAF_CHECK_EQUAL(w.backend.hits().total(), 1);
}

CAF_TEST(await approval gives up at its timeout to the millisecond) {
  approval_world w;
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call());
  auto started = std::chrono::steady_clock::now();
  auto e = thrown_by([&] { agent.await_approval(out.approval.approval_id, 0.2); });
  auto took = std::chrono::steady_clock::now() - started;
  CAF_CHECK(e.code == error_code::approval_timeout);
  // Not rounded up to a whole second, and never early: the client's deadline
  // starts when it gets the call, after `started` (steady clocks both).
  CAF_CHECK(took >= std::chrono::milliseconds{200});
  CAF_CHECK(took < std::chrono::milliseconds{800});
  // The backend's long-poll in milliseconds, and what it refuses.
  auto status_of = [&](const std::string& query) {
    http_request req;
    req.target = "/v1/approvals/" + out.approval.approval_id + query;
    return w.raw(w.keys.agents[0].api_key, req, unix_now(), crypto::random_hex(16));
  };
  CAF_CHECK_EQUAL(status_of("?wait_ms=50").status, 200);
  CAF_CHECK_EQUAL(status_of("?wait_ms=30001").status, 400);
  CAF_CHECK_EQUAL(status_of("?wait_ms=-1").status, 400);
  CAF_CHECK_EQUAL(status_of("?wait_ms=1e3").status, 400);
  CAF_CHECK_EQUAL(status_of("?wait=1&wait_ms=5").status, 400);
}

CAF_TEST(close ends an approval wait in flight instead of waiting for it) {
  approval_world w;
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call());
  // A wait in flight does not hold close(): it ends with client_closed.
  auto waiting = std::async(std::launch::async, [&] {
    return thrown_by([&] { agent.await_approval(out.approval.approval_id, 60.0); });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  auto started = std::chrono::steady_clock::now();
  agent.close();
  CAF_CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds{5});
  CAF_CHECK(waiting.get().code == error_code::client_closed);
}

CAF_TEST(a retried held call gets the same approval back) {
  approval_world w;
  proxy_request p;
  p.grant.grant_id = w.keys.agents[0].grant_ids[0];
  p.method = "POST";
  p.url = w.provider_url("sim-bearer") + "/v1/payments";
  p.reason = "retried";
  http_request req;
  req.method = "POST";
  req.target = "/v1/proxy/execute";
  req.body = to_json(p);
  req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", "pay-1"}};
  const auto& key = w.keys.agents[0].api_key;
  auto first = w.raw(key, req, unix_now(), crypto::random_hex(16));
  auto again = w.raw(key, req, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(first.status, 202);
  CAF_CHECK_EQUAL(again.status, 202);
  CAF_CHECK_EQUAL(first.body, again.body);
}

CAF_TEST(an approval runs only if access still holds when it is decided) {
  approval_world w;
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call());
  w.backend.db().grants().set_status(w.keys.agents[0].grant_ids[0],
                                     backend::grant_status::revoked);
  CAF_CHECK_EQUAL(w.decide(out.approval.approval_id, "approve").status, 303);
  auto e = thrown_by([&] { agent.await_approval(out.approval.approval_id, 10.0); });
  CAF_CHECK(e.code == error_code::approval_execution_failed);
  CAF_CHECK(e.details_json.find("grant_revoked") != std::string::npos);
  CAF_CHECK_EQUAL(w.backend.hits().total(), 0);
}

CAF_TEST(a key that expires while its call waits for approval does not execute) {
  approval_world w;
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call());
  // The agent's key expires while the call waits (a derived key's TTL, say).
  auto& db = w.backend.db();
  auto keys = db.accounts().list_agent_keys(w.keys.agents[0].id);
  CAF_REQUIRE(!keys.empty());
  for (auto k : keys) {
    k.expires_at = backend::now_iso8601(std::chrono::seconds{-1});
    db.accounts().update_key_state(k);
  }
  CAF_CHECK_EQUAL(w.decide(out.approval.approval_id, "approve").status, 303);
  auto result = w.backend.db().approvals().find(out.approval.approval_id);
  for (int i = 0; i < 200 && result && result->status != backend::approval_state::failed
                  && result->status != backend::approval_state::executed;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
    result = w.backend.db().approvals().find(out.approval.approval_id);
  }
  CAF_REQUIRE(result.has_value());
  CAF_CHECK_EQUAL(to_string(result->status), "failed");
  CAF_CHECK(result->result_json.find("invalid_key") != std::string::npos);
  CAF_CHECK_EQUAL(w.backend.hits().total(), 0);
}

CAF_TEST(a restart fails approvals that were mid execution) {
  char dir_template[] = "/tmp/alter-approvals-XXXXXX";
  std::string dir = ::mkdtemp(dir_template);
  std::string id;
  std::string agent_key;
  {
    auto opts = approval_world::options_with(std::chrono::seconds{900});
    opts.database_path = dir + "/alter.db";
    world w{opts};
    agent_key = w.keys.agents[0].api_key;
    backend::rule_record r;
    r.id = "rule_hold";
    r.app_id = w.keys.app_id;
    r.name = "hold";
    r.target_type = "agent";
    r.target_id = w.keys.agents[0].id;
    r.rule_type = "require_approval";
    r.created_at = backend::now_iso8601();
    w.backend.db().rules().insert(r);
    provider_call c;
    c.url = w.provider_url("sim-bearer") + "/x";
    c.grant_id = w.keys.agents[0].grant_ids[0];
    c.reason = "interrupted";
    id = w.agent(0).proxy_request(c).approval.approval_id;
    // As if the process died after the decision, while the call was running.
    CAF_REQUIRE(w.backend.db().approvals().decide(id, backend::approval_state::approved,
                                                  "alice", "", backend::now_iso8601()));
    CAF_REQUIRE(w.backend.db().approvals().start_execution(id));
  }
  {
    backend::backend_options opts;
    opts.tls = false;
    opts.database_path = dir + "/alter.db";
    backend::local_backend restarted{opts};
    auto a = restarted.db().approvals().find(id);
    CAF_REQUIRE(a.has_value());
    CAF_CHECK_EQUAL(to_string(a->status), "failed");
    CAF_CHECK(a->result_json.find("stopped while this call was executing")
              != std::string::npos);
  }
  std::string cmd = "rm -rf '" + dir + "'";
  CAF_CHECK_EQUAL(std::system(cmd.c_str()), 0);
}

CAF_TEST(an approval executing longer than twice the lease is failed when it is read) {
  // Its process died and no start settles it (a peer that stays down): the
  // instance a client asks answers failed instead of executing for ever.
  approval_world w;
  auto agent = w.agent(0);
  auto stuck = agent.proxy_request(w.held_call("stuck")).approval.approval_id;
  auto running = agent.proxy_request(w.held_call("running")).approval.approval_id;
  auto& approvals = w.backend.db().approvals();
  CAF_REQUIRE(approvals.decide(stuck, backend::approval_state::approved, "alice", "",
                               backend::now_iso8601(-std::chrono::seconds{121})));
  CAF_REQUIRE(approvals.start_execution(stuck));
  CAF_REQUIRE(approvals.decide(running, backend::approval_state::approved, "alice", "",
                               backend::now_iso8601()));
  CAF_REQUIRE(approvals.start_execution(running));
  auto stuck_now = agent.get_approval_status(stuck).status;
  CAF_CHECK_EQUAL(stuck_now, "failed");
  // The waiting client gets that answer, not a timeout.
  auto waited = thrown_by([&] { agent.await_approval(stuck, 5.0); });
  CAF_CHECK_NOT_EQUAL(waited.code, error_code::approval_timeout);
  auto running_now = agent.get_approval_status(running).status;
  CAF_CHECK_EQUAL(running_now, "executing");
  auto hits = w.backend.hits().total();
  CAF_CHECK_EQUAL(hits, 0);
}

CAF_TEST(two approvers racing decide exactly once) {
  approval_world w;
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call());
  auto id = out.approval.approval_id;
  auto first = w.approver_for(id);
  auto second = w.approver_for(id);
  auto a = std::async(std::launch::async,
                      [&] { return w.post_decision(first, id, "approve", "").status; });
  auto b = std::async(std::launch::async,
                      [&] { return w.post_decision(second, id, "deny", "").status; });
  auto sa = a.get();
  auto sb = b.get();
  CAF_CHECK((sa == 303) != (sb == 303));
  auto final_status = agent.get_approval_status(id);
  for (int i = 0; i < 50 && !final_status.terminal(); ++i) {
    std::this_thread::sleep_for(50ms);
    final_status = agent.get_approval_status(id);
  }
  CAF_CHECK(final_status.status == "executed" || final_status.status == "denied");
  CAF_CHECK_EQUAL(w.backend.hits().total(), final_status.status == "executed" ? 1 : 0);
}

CAF_TEST(held grants refuse retrieve mode and held calls need a reason) {
  approval_world w;
  auto agent = w.agent(0);
  auto e = thrown_by([&] { agent.request(w.held_call()); });
  CAF_CHECK(e.code == error_code::hitl_grant_requires_proxy);
  CAF_CHECK(e.is(error_class::RestrictedGrantRequiresProxyError));
  e = thrown_by([&] { agent.proxy_request(w.held_call("")); });
  CAF_CHECK(e.code == error_code::invalid_request);
  // Bad ids and waits are refused before any I/O.
  e = thrown_by([&] { agent.get_approval_status("apr_../../v1/me"); });
  CAF_CHECK(e.code == error_code::invalid_argument);
  e = thrown_by([&] { agent.await_approval("apr_" + std::string(32, 'a'), -1); });
  CAF_CHECK(e.code == error_code::invalid_argument);
  e = thrown_by([&] { agent.get_approval_status("apr_" + std::string(32, 'a')); });
  CAF_CHECK(e.code == error_code::approval_not_found);
  // Another agent cannot follow agent 0's approvals.
  auto out = agent.proxy_request(w.held_call());
  e = thrown_by([&] { w.agent(1).get_approval_status(out.approval.approval_id); });
  CAF_CHECK(e.code == error_code::approval_not_found);
}

CAF_TEST(only a signed in approver of the app sees and decides) {
  approval_world w;
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call("<script>alert('x')</script> pay"));
  auto id = out.approval.approval_id;
  // Without a session: a sign-in form, none of the request's details.
  auto anonymous = w.page("GET", "/approvals/" + id);
  CAF_CHECK_EQUAL(anonymous.status, 200);
  CAF_CHECK(anonymous.body.find("Approver token") != std::string::npos);
  CAF_CHECK(anonymous.body.find("payments") == std::string::npos);
  // The agent's own API key is not an approver token.
  CAF_CHECK_EQUAL(w.sign_in(w.keys.agents[0].api_key, id), "");
  CAF_CHECK_EQUAL(
      w.page("POST", "/approvals/login", {}, "token=wrong&next=" + id).status, 401);
  // A decision without a session decides nothing.
  auto forged = w.page("POST", "/approvals/" + id + "/decision", {},
                       "csrf=00&decision=approve");
  CAF_CHECK(forged.body.find("Approver token") != std::string::npos);
  // With a session but without its CSRF token: refused.
  auto cookie = w.sign_in(w.keys.approver_token, id);
  CAF_REQUIRE(!cookie.empty());
  CAF_CHECK_EQUAL(w.page("POST", "/approvals/" + id + "/decision", cookie,
                         "csrf=0123&decision=approve")
                      .status,
                  403);
  CAF_CHECK_EQUAL(agent.get_approval_status(id).status, "pending");
  // Signed in: the details, escaped, under a strict content security policy.
  auto view = w.page("GET", "/approvals/" + id, cookie);
  CAF_CHECK_EQUAL(view.status, 200);
  CAF_CHECK(view.body.find("/v1/payments") != std::string::npos);
  CAF_CHECK(view.body.find("<script>") == std::string::npos);
  CAF_CHECK(view.body.find("&lt;script&gt;") != std::string::npos);
  const auto* csp = find_field(view.headers, "content-security-policy");
  CAF_REQUIRE(csp != nullptr);
  CAF_CHECK(csp->find("default-src 'none'") != std::string::npos);
  CAF_CHECK(view.body.find(w.keys.agents[0].api_key) == std::string::npos);
  // An approver of another app sees nothing.
  backend::bootstrap_spec other;
  other.app_name = "other-app";
  other.agents = 0;
  auto second = backend::bootstrap(w.backend.db(), other);
  auto stranger = w.sign_in(second.approver_token, id);
  CAF_CHECK_EQUAL(w.page("GET", "/approvals/" + id, stranger).status, 404);
  // Traversal and junk under /approvals find nothing.
  CAF_CHECK_EQUAL(w.page("GET", "/approvals/../v1/me").status, 404);
  CAF_CHECK_EQUAL(w.page("GET", "/approvals/%2e%2e%2fetc%2fpasswd").status, 404);
}

namespace {

bool refused_as_cross_origin(const http_response& res) {
  const auto* code = find_field(res.headers, "x-alter-error-code");
  return res.status == 403 && code != nullptr && *code == "cross_origin_request"
         && find_field(res.headers, "set-cookie") == nullptr;
}

std::string max_age_of(const std::string& set_cookie) {
  std::smatch m;
  std::regex re{"Max-Age=([0-9]+)"};
  return std::regex_search(set_cookie, m, re) ? m[1].str() : std::string{};
}

} // namespace

CAF_TEST(a sign in posted from another site is refused and one from the page works) {
  approval_world w;
  auto id = w.agent(0).proxy_request(w.held_call()).approval.approval_id;
  // The attacker's own approver token, posted by the attacker's site into the
  // victim's browser (login CSRF): refused, no cookie set.
  backend::bootstrap_spec other;
  other.app_name = "attacker-app";
  other.agents = 0;
  auto attacker = backend::bootstrap(w.backend.db(), other);
  auto form = approval_world::login_form(attacker.approver_token, id);
  CAF_CHECK(refused_as_cross_origin(
      w.page_from({{"Origin", "https://evil.example"}}, "/approvals/login", {}, form)));
  // Same-origin: signed in, with the cookie's protective attributes.
  auto res = w.page("POST", "/approvals/login", {},
                    approval_world::login_form(w.keys.approver_token, id));
  CAF_CHECK_EQUAL(res.status, 303);
  const auto* set = find_field(res.headers, "set-cookie");
  CAF_REQUIRE(set != nullptr);
  for (auto attribute : {"; Path=/approvals", "; HttpOnly", "; SameSite=Strict"})
    CAF_CHECK(set->find(attribute) != std::string::npos);
  CAF_CHECK_EQUAL(max_age_of(*set), "3600");
  // Plain HTTP: not Secure (the browser would drop it); over TLS it is.
  CAF_CHECK(set->find("Secure") == std::string::npos);
  auto tls_opts = approval_world::options_with(std::chrono::seconds{900});
  tls_opts.tls = true;
  approval_world tls{tls_opts};
  auto tls_id = tls.agent(0).proxy_request(tls.held_call()).approval.approval_id;
  auto tls_res = tls.page("POST", "/approvals/login", {},
                          approval_world::login_form(tls.keys.approver_token, tls_id));
  CAF_CHECK_EQUAL(tls_res.status, 303);
  const auto* tls_set = find_field(tls_res.headers, "set-cookie");
  CAF_REQUIRE(tls_set != nullptr);
  CAF_CHECK(tls_set->find("; Secure") != std::string::npos);
  // The pages let the browser send Origin on their own forms (under
  // no-referrer a browser sends "Origin: null").
  auto view = w.page("GET", "/approvals/" + id);
  CAF_CHECK_EQUAL(*find_field(view.headers, "referrer-policy"), "same-origin");
}

CAF_TEST(every page form without or with a wrong origin is refused) {
  approval_world w;
  auto app = w.app();
  auto id = w.agent(0).proxy_request(w.held_call()).approval.approval_id;
  auto approver = w.approver_for(id);
  connect_request creq;
  creq.allowed_providers = {"sim-bearer"};
  auto connect = app.create_connect_session(creq);
  auto auth = app.create_auth_session();
  backend::set_local_user_password(w.backend.db(), "carol", "carol-password");
  struct form_post {
    std::string target;
    std::string cookie;
    std::string form;
  };
  std::vector<form_post> posts{
      {"/approvals/login", {}, approval_world::login_form(w.keys.approver_token, id)},
      {"/approvals/" + id + "/decision", approver.cookie,
       "csrf=" + approver.csrf + "&decision=approve&reason=x"},
      {"/approvals/logout", approver.cookie, "csrf=" + approver.csrf},
      {w.path_of_page(connect.connect_url) + "/decision",
       {},
       "decision=approve&account=carol"},
      {w.path_of_page(auth.auth_url) + "/decision",
       {},
       "username=carol&password=carol-password"}};
  auto own = w.backend.base_url();
  auto port = own.substr(own.rfind(':') + 1);
  std::vector<field_list> foreign{
      {},
      {{"Origin", "https://evil.example"}},
      {{"Origin", "null"}},
      {{"Origin", "http://127.0.0.1:1"}},
      {{"Origin", "https://127.0.0.1:" + port}},
      {{"Origin", own + ".evil.example"}},
      {{"Referer", "https://evil.example/approvals/" + id}},
      {{"Origin", "null"}, {"Referer", "http://localhost:" + port + "/"}},
      {{"Origin", "https://evil.example"}, {"Referer", own + "/approvals/" + id}}};
  for (const auto& p : posts)
    for (const auto& headers : foreign) {
      auto res = w.page_from(headers, p.target, p.cookie, p.form);
      if (!refused_as_cross_origin(res))
        CAF_FAIL(p.target << " from "
                          << (headers.empty() ? "nowhere" : headers[0].value)
                          << " answered " << res.status);
    }
  // Nothing happened: still pending, still signed in.
  CAF_CHECK_EQUAL(w.agent(0).get_approval_status(id).status, "pending");
  CAF_CHECK_EQUAL(app.poll_connect_session(connect.session_token).status, "pending");
  CAF_CHECK_EQUAL(app.poll_auth_session(auth.session_token).status, "pending");
  CAF_CHECK(!w.is_sign_in_page(w.page("GET", "/approvals/" + id, approver.cookie)));
  // "Origin: null" with the page as Referer is the page's own form.
  auto res = w.page_from({{"Origin", "null"}, {"Referer", own + "/approvals/" + id}},
                         "/approvals/login", {},
                         approval_world::login_form(w.keys.approver_token, id));
  CAF_CHECK_EQUAL(res.status, 303);
}

CAF_TEST(signing out ends the session in the store) {
  approval_world w;
  auto id = w.agent(0).proxy_request(w.held_call()).approval.approval_id;
  auto s = w.approver_for(id);
  auto view = w.page("GET", "/approvals/" + id, s.cookie);
  CAF_CHECK(view.body.find("id=\"sign-out\"") != std::string::npos);
  // Without the session's CSRF token: refused, still signed in.
  CAF_CHECK_EQUAL(
      w.page("POST", "/approvals/logout", s.cookie, "csrf=00&next=" + id).status, 403);
  CAF_CHECK(!w.is_sign_in_page(w.page("GET", "/approvals/" + id, s.cookie)));
  auto out
      = w.page("POST", "/approvals/logout", s.cookie, "csrf=" + s.csrf + "&next=" + id);
  CAF_CHECK_EQUAL(out.status, 303);
  CAF_CHECK_EQUAL(*find_field(out.headers, "location"), "/approvals/" + id);
  const auto* cleared = find_field(out.headers, "set-cookie");
  CAF_REQUIRE(cleared != nullptr);
  CAF_CHECK(cleared->rfind("alter_approver=;", 0) == 0);
  CAF_CHECK_EQUAL(max_age_of(*cleared), "0");
  // The old cookie is worth nothing now, even to a browser that kept it.
  CAF_CHECK(w.is_sign_in_page(w.page("GET", "/approvals/" + id, s.cookie)));
  CAF_CHECK(w.is_sign_in_page(w.post_decision(s, id, "approve", "late")));
  CAF_CHECK_EQUAL(w.agent(0).get_approval_status(id).status, "pending");
  // Signed in as another app's approver (e.g. after a forged sign-in): the 404
  // offers the way out.
  backend::bootstrap_spec other;
  other.app_name = "other-app";
  other.agents = 0;
  auto stranger
      = w.sign_in(backend::bootstrap(w.backend.db(), other).approver_token, id);
  auto not_found = w.page("GET", "/approvals/" + id, stranger);
  CAF_CHECK_EQUAL(not_found.status, 404);
  CAF_CHECK(not_found.body.find("id=\"sign-out\"") != std::string::npos);
  CAF_CHECK(not_found.body.find("/v1/payments") == std::string::npos);
}

CAF_TEST(an expired approver session is refused) {
  auto opts = approval_world::options_with(std::chrono::seconds{900});
  opts.approver_session_ttl = std::chrono::seconds{1};
  approval_world w{opts};
  auto id = w.agent(0).proxy_request(w.held_call()).approval.approval_id;
  auto res = w.page("POST", "/approvals/login", {},
                    approval_world::login_form(w.keys.approver_token, id));
  CAF_CHECK_EQUAL(max_age_of(*find_field(res.headers, "set-cookie")), "1");
  auto s = w.approver_for(id);
  CAF_REQUIRE(!s.csrf.empty());
  std::this_thread::sleep_for(2100ms);
  CAF_CHECK(w.is_sign_in_page(w.page("GET", "/approvals/" + id, s.cookie)));
  CAF_CHECK(w.is_sign_in_page(w.post_decision(s, id, "approve", "late")));
  CAF_CHECK_EQUAL(w.agent(0).get_approval_status(id).status, "pending");
}

CAF_TEST(origins compare with their default ports spelled out) {
  auto from = [](std::string name, std::string value) {
    backend::server_request req;
    req.headers.push_back({std::move(name), std::move(value)});
    return req;
  };
  using backend::origin_verdict;
  CAF_CHECK(backend::check_origin(from("Origin", "https://example.com"),
                                  "https://example.com:443")
            == origin_verdict::same_origin);
  CAF_CHECK(backend::check_origin(from("Referer", "http://Example.com/approvals/x"),
                                  "http://example.com:80")
            == origin_verdict::same_origin);
  CAF_CHECK(backend::check_origin(from("Origin", "https://example.com:8443"),
                                  "https://example.com:443")
            == origin_verdict::cross_origin);
  CAF_CHECK(
      backend::check_origin(from("Origin", "not a url"), "https://example.com:443")
      == origin_verdict::unknown_origin);
}

CAF_TEST(a call held by two rules runs once each gate is approved by its approvers) {
  approval_world w;
  w.add_gate("rule_finance", R"({"approvers": ["Bob@Example.com"], "channels": []})");
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call());
  CAF_REQUIRE(out.pending);
  const auto& id = out.approval.approval_id;
  CAF_REQUIRE_EQUAL(out.approval.gates.size(), 2u);
  CAF_CHECK_EQUAL(out.approval.gates[1].approval_url,
                  out.approval.approval_url + "#gate-2");
  CAF_CHECK_EQUAL(out.approval.gates[1].approvers,
                  std::vector<std::string>{"Bob@Example.com"});
  CAF_CHECK_EQUAL(out.approval.gates[1].rule_id, "rule_finance");
  // The app's approver may decide gate 1 only; it names no gate, and it is
  // the one gate it may decide.
  auto approver = w.approver_for(id);
  auto view = w.page("GET", "/approvals/" + id, approver.cookie);
  CAF_CHECK(view.body.find("id=\"gate-2\"") != std::string::npos);
  CAF_CHECK(view.body.find("You are not an approver of this gate")
            != std::string::npos);
  CAF_CHECK_EQUAL(w.post_gate_decision(approver, id, 2, "approve").status, 403);
  CAF_CHECK_EQUAL(w.post_gate_decision(approver, id, 3, "approve").status, 404);
  CAF_CHECK_EQUAL(w.post_gate_decision(approver, id, 0, "approve").status, 400);
  CAF_CHECK_EQUAL(w.post_decision(approver, id, "approve", "first").status, 303);
  auto status = agent.get_approval_status(id);
  CAF_CHECK_EQUAL(status.status, "pending");
  CAF_REQUIRE_EQUAL(status.gates.size(), 2u);
  CAF_CHECK_EQUAL(status.gates[0].status, "approved");
  CAF_CHECK_EQUAL(status.gates[1].status, "pending");
  CAF_CHECK_EQUAL(w.backend.hits().total(), 0);
  // A gate is decided once.
  CAF_CHECK_EQUAL(w.post_gate_decision(approver, id, 1, "deny").status, 409);
  // Bob, listed by another spelling of his address, decides gate 2: it runs.
  auto bob = w.approver_named("bob@example.com", id);
  CAF_CHECK_EQUAL(w.post_gate_decision(bob, id, 2, "approve").status, 303);
  CAF_CHECK_EQUAL(agent.await_approval(id, 10.0).status_code, 200);
  CAF_CHECK_EQUAL(w.backend.hits().total(), 1);
  status = agent.get_approval_status(id);
  CAF_CHECK_EQUAL(status.gates[1].status, "approved");
  std::vector<std::string> actions;
  for (const auto& r : w.backend.db().audit().rows(100))
    if (r.approval_id == id)
      actions.push_back(r.action + "/" + r.decided_by);
  CAF_CHECK_EQUAL(actions,
                  (std::vector<std::string>{
                      "approval.requested/", "approval.gate_approved/approver",
                      "approval.approved/bob@example.com", "proxy.executed/"}));
}

CAF_TEST(a denial of one gate denies the call and the other gate cannot be decided) {
  approval_world w;
  w.add_gate("rule_finance", R"({"approvers": ["bob@example.com"], "channels": []})");
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call());
  const auto& id = out.approval.approval_id;
  auto bob = w.approver_named("bob@example.com", id);
  // Bob may decide both gates (gate 1 admits any approver): he must say which.
  CAF_CHECK_EQUAL(w.post_decision(bob, id, "deny", "no").status, 409);
  CAF_CHECK_EQUAL(w.post_gate_decision(bob, id, 2, "deny").status, 303);
  auto e = thrown_by([&] { agent.await_approval(id, 5.0); });
  CAF_CHECK(e.code == error_code::approval_denied);
  CAF_CHECK_EQUAL(w.decide(id, "approve").status, 409);
  CAF_CHECK_EQUAL(w.backend.hits().total(), 0);
}

/// A copy of the held call `id` under a new id, stored with `gates_json` as
/// its gates: as migration 007 left older calls (""), or hostile bytes.
std::string stored_with_gates(approval_world& w, const std::string& id,
                              const std::string& gates_json) {
  auto a = w.backend.db().approvals().find(id);
  CAF_REQUIRE(a.has_value());
  a->id = "apr_" + crypto::random_hex(16);
  a->idempotency_key.clear();
  a->gates_json = gates_json;
  w.backend.db().approvals().insert(*a);
  return a->id;
}

CAF_TEST(a call held before gates existed is decided by any approver) {
  approval_world w;
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call());
  auto id = stored_with_gates(w, out.approval.approval_id, "");
  auto status = agent.get_approval_status(id);
  CAF_REQUIRE_EQUAL(status.gates.size(), 1u);
  CAF_CHECK_EQUAL(status.gates[0].rule_id, "rule_hold");
  CAF_CHECK_EQUAL(w.decide(id, "approve").status, 303);
  CAF_CHECK_EQUAL(agent.await_approval(id, 10.0).status_code, 200);
  CAF_CHECK_EQUAL(w.backend.hits().total(), 1);
}

CAF_TEST(gates stored unreadable cannot be decided) {
  approval_world w;
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call());
  for (const char* hostile :
       {"[{\"status\": \"approved\", \"approval\": 7}]", "[]", "{", "[{\"status\": 1}]",
        "[{\"status\": \"executed\"}]"}) {
    auto id = stored_with_gates(w, out.approval.approval_id, hostile);
    auto approver = w.approver_for(id);
    CAF_CHECK(w.page("GET", "/approvals/" + id, approver.cookie)
                  .body.find("gates cannot be read")
              != std::string::npos);
    CAF_CHECK_NOT_EQUAL(w.post_decision(approver, id, "approve", "").status, 303);
    CAF_CHECK_EQUAL(agent.get_approval_status(id).status, "pending");
  }
  CAF_CHECK_EQUAL(w.backend.hits().total(), 0);
}

CAF_TEST(the approvers of each gate are mailed to the outbox and channels none mails
             nobody) {
  temp_dir dir;
  auto opts = approval_world::options_with(std::chrono::seconds{900});
  opts.mail_outbox = dir.path + "/outbox";
  approval_world w{opts};
  // Gate 1 (rule_hold): any approver of the app, email by default; gate 2:
  // Bob and Carol, but "carol" is no address; gate 3: nobody is mailed.
  w.add_gate("rule_finance", R"({"approvers": ["bob@example.com", "carol"]})");
  w.add_gate("rule_quiet", R"({"approvers": ["dave@example.com"], "channels": []})");
  backend::add_approver(w.backend.db(), w.keys.app_id, "erin@example.com");
  auto agent = w.agent(0);
  // A reason that tries to add a header, and a body that must not be mailed.
  auto out = agent.proxy_request(
      w.held_call("pay the invoice\r\nBcc: mallory@evil.example\r\n\r\nhi"));
  CAF_REQUIRE(out.pending);
  CAF_REQUIRE_EQUAL(out.approval.gates.size(), 3u);
  namespace fs = std::filesystem;
  CAF_CHECK(fs::is_empty(opts.mail_outbox + "/tmp"));
  std::map<std::string, std::string> mailed; // To -> message
  for (const auto& entry : fs::directory_iterator(opts.mail_outbox + "/new")) {
    auto text = read_file(entry.path().string());
    auto headers = text.substr(0, text.find("\n\n"));
    std::set<std::string> names;
    std::string to;
    std::size_t at = 0;
    while (at < headers.size()) {
      auto end = headers.find('\n', at);
      auto line = headers.substr(at, end == std::string::npos ? end : end - at);
      names.insert(line.substr(0, line.find(':')));
      if (line.rfind("To: ", 0) == 0)
        to = line.substr(4);
      at = end == std::string::npos ? headers.size() : end + 1;
    }
    CAF_CHECK_EQUAL(names,
                    (std::set<std::string>{"From", "To", "Subject", "Date",
                                           "Message-ID", "MIME-Version", "Content-Type",
                                           "Content-Transfer-Encoding"}));
    mailed[to] = text;
  }
  CAF_REQUIRE_EQUAL(mailed.size(), 2u);
  CAF_REQUIRE_EQUAL(mailed.count("erin@example.com"), 1u);
  CAF_REQUIRE_EQUAL(mailed.count("bob@example.com"), 1u);
  CAF_CHECK(mailed["erin@example.com"].find(out.approval.gates[0].approval_url)
            != std::string::npos);
  CAF_CHECK(mailed["bob@example.com"].find(out.approval.gates[1].approval_url)
            != std::string::npos);
  CAF_CHECK(mailed["bob@example.com"].find("Rule: rule_finance") != std::string::npos);
  CAF_CHECK(mailed["bob@example.com"].find("pay the invoice") != std::string::npos);
  CAF_CHECK(mailed["bob@example.com"].find("amount") == std::string::npos);
  // An outbox that cannot be made stops the start, naming it.
  auto bad = approval_world::options_with(std::chrono::seconds{900});
  bad.mail_outbox
      = dir.path + "/outbox/new/"
        + fs::directory_iterator(opts.mail_outbox + "/new")->path().filename().string();
  std::string why;
  try {
    backend::local_backend refused{bad};
  } catch (const std::exception& e) {
    why = e.what();
  }
  CAF_CHECK(why.find(bad.mail_outbox) != std::string::npos);
}

CAF_TEST(the pending list shows an approver the calls waiting for them) {
  approval_world w;
  w.add_gate("finance", R"({"approvers": ["finance-lead"]})");
  auto agent = w.agent(0);
  auto first = agent.proxy_request(w.held_call("first held"));
  auto second = agent.proxy_request(w.held_call("second held"));
  CAF_REQUIRE(first.pending && second.pending);
  const auto& first_id = first.approval.approval_id;
  const auto& second_id = second.approval.approval_id;
  // Signed out: the sign-in form, leading back to the list.
  auto signed_out = w.page("GET", "/approvals/pending");
  CAF_CHECK_EQUAL(signed_out.status, 200);
  CAF_CHECK(w.is_sign_in_page(signed_out));
  CAF_CHECK(signed_out.body.find(R"(name="next" value="pending")")
            != std::string::npos);
  auto cookie = w.sign_in(w.keys.approver_token, "pending");
  CAF_REQUIRE(!cookie.empty());
  auto list = w.page("GET", "/approvals/pending", cookie);
  CAF_REQUIRE_EQUAL(list.status, 200);
  // Oldest first, each with the rule that holds it for this approver, its
  // reason and the time left; the app by name.
  auto at_first = list.body.find("/approvals/" + first_id);
  auto at_second = list.body.find("/approvals/" + second_id);
  CAF_CHECK(at_first != std::string::npos && at_second != std::string::npos
            && at_first < at_second);
  CAF_CHECK(list.body.find(R"(id="pending-count">2<)") != std::string::npos);
  CAF_CHECK(list.body.find("<td>hold agent 0</td>") != std::string::npos);
  CAF_CHECK(list.body.find("first held") != std::string::npos);
  CAF_CHECK(list.body.find("(in 14 min)") != std::string::npos);
  CAF_CHECK(list.body.find("<strong>demo-app</strong>") != std::string::npos);
  // The finance lead may decide both gates of each call.
  auto lead = w.approver_named("finance-lead", second_id);
  auto lead_list = w.page("GET", "/approvals/pending", lead.cookie);
  CAF_CHECK(lead_list.body.find("<td>hold agent 0, finance</td>") != std::string::npos);
  // A denied call leaves the list; a call whose gate the lead decided stays
  // for the lead only while another of the lead's gates is pending.
  CAF_CHECK_EQUAL(w.decide(first_id, "deny").status, 303);
  CAF_CHECK_EQUAL(w.post_gate_decision(lead, second_id, 2, "approve").status, 303);
  list = w.page("GET", "/approvals/pending", cookie);
  CAF_CHECK(list.body.find(R"(id="pending-count">1<)") != std::string::npos);
  CAF_CHECK_EQUAL(list.body.find("/approvals/" + first_id), std::string::npos);
  lead_list = w.page("GET", "/approvals/pending", lead.cookie);
  CAF_CHECK(lead_list.body.find("<td>hold agent 0</td>") != std::string::npos);
  // Every approval page links the list.
  auto view = w.page("GET", "/approvals/" + second_id, cookie);
  CAF_CHECK(view.body.find(R"(href="/approvals/pending")") != std::string::npos);
}

CAF_TEST(an approval page names the app and the time left and has one note for both
           buttons) {
  approval_world w;
  auto out = w.agent(0).proxy_request(w.held_call("note me"));
  CAF_REQUIRE(out.pending);
  const auto& id = out.approval.approval_id;
  auto s = w.approver_for(id);
  auto view = w.page("GET", "/approvals/" + id, s.cookie).body;
  CAF_CHECK(view.find("<th>App</th><td>demo-app</td>") != std::string::npos);
  CAF_CHECK(view.find("(in 14 min)</td>") != std::string::npos);
  CAF_CHECK(view.find(" ago)</td>") != std::string::npos
            || view.find("(now)</td>") != std::string::npos);
  // One form per gate: one note field, both buttons.
  auto form_at = view.find("/decision\"");
  CAF_REQUIRE(form_at != std::string::npos);
  auto form_end = view.find("</form>", form_at);
  auto form = view.substr(form_at, form_end - form_at);
  CAF_CHECK_EQUAL(view.find("/decision\"", form_end), std::string::npos);
  CAF_CHECK(form.find(R"(name="reason")") != std::string::npos);
  CAF_CHECK(form.find(R"(name="decision" value="approve")") != std::string::npos);
  CAF_CHECK(form.find(R"(name="decision" value="deny")") != std::string::npos);
  // The note goes with whichever button was pressed.
  CAF_CHECK_EQUAL(w.post_decision(s, id, "deny", "not this week").status, 303);
  auto decided = w.page("GET", "/approvals/" + id, s.cookie).body;
  CAF_CHECK(decided.find("not this week") != std::string::npos);
}

CAF_TEST(a stored traceparent that is no traceparent never reaches the provider) {
  approval_world w;
  auto agent = w.agent(0);
  auto out = agent.proxy_request(w.held_call("tampered"));
  CAF_REQUIRE(out.pending);
  // What an older or hostile writer may have left in the row: a header split.
  auto a = *w.backend.db().approvals().find(out.approval.approval_id);
  a.id = "apr_" + crypto::random_hex(16);
  a.idempotency_key.clear();
  a.traceparent
      = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nInjected: 1";
  w.backend.db().approvals().insert(a);
  CAF_REQUIRE_EQUAL(w.decide(a.id, "approve").status, 303);
  auto result = agent.await_approval(a.id, 20.0);
  CAF_CHECK_EQUAL(result.status_code, 200);
  CAF_CHECK_EQUAL(result.body_bytes().find("Injected"), std::string::npos);
  CAF_CHECK_EQUAL(result.body_bytes().find("traceparent"), std::string::npos);
  // The audit query shows no traceparent for the rows that hold those bytes.
  auto page = w.app().query_audit({});
  for (const auto& e : page.rows)
    if (e.approval_id == a.id)
      CAF_CHECK_EQUAL(e.traceparent, "");
}
