// The backend end to end on a PostgreSQL database (postgres_server.hpp): a
// proxied call, an agent made over the API, a call held for approval and
// decided on the approval page, and a retried call replayed from its
// Idempotency-Key without running twice.
#define CAF_SUITE backend_postgres
#include "caf/test/unit_test.hpp"

#include <chrono>
#include <future>
#include <regex>
#include <string>
#include <thread>

#include "auth/crypto.hpp"
#include "messages/base64.hpp"
#include "messages/json_codec.hpp"
#include "messages/wire_requests.hpp"

#include "backend_world.hpp"
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

std::string csrf_of(const std::string& html) {
  std::smatch m;
  std::regex re{R"re(name="csrf" value="([0-9a-f]+)")re"};
  return std::regex_search(html, m, re) ? m[1].str() : std::string{};
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
  provider_call c;
  c.method = "POST";
  c.url = w.provider_url("sim-bearer") + "/v1/payments";
  c.json = R"({"amount": 42})";
  c.grant_id = w.keys.agents[0].grant_ids[0];
  c.reason = "needs a human";
  auto agent = w.agent(0);
  auto out = agent.proxy_request(c);
  CAF_REQUIRE(out.pending);
  CHECK_VALUE(w.backend.hits().total(), 0);
  auto id = out.approval.approval_id;
  auto approver = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(300ms);
    auto login = w.browse("POST", "/approvals/login", {},
                          "token=" + net::percent_encode(w.keys.approver_token)
                              + "&next=" + id);
    const auto* set = find_field(login.headers, "set-cookie");
    if (set == nullptr)
      return 0;
    auto cookie = set->substr(0, set->find(';'));
    auto csrf = csrf_of(w.browse("GET", "/approvals/" + id, cookie, {}).body);
    return w
        .browse("POST", "/approvals/" + id + "/decision", cookie,
                "csrf=" + csrf + "&decision=approve&reason=ok")
        .status;
  });
  auto result = agent.await_approval(id, 20.0);
  CHECK_VALUE(approver.get(), 303);
  CHECK_VALUE(result.status_code, 200);
  CHECK_VALUE(w.backend.hits().total(), 1);
  CHECK_VALUE(agent.get_approval_status(id).status, "executed");
  CHECK_VALUE(agent.await_approval(id, 5.0).status_code, 200);
  CHECK_VALUE(w.backend.hits().total(), 1);
}
