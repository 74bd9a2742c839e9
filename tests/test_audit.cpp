// The audit trail: a row for every credential use with the reference's fields,
// sensitive headers stripped and bodies capped; reading it by cursor; the SDK's
// batched reports of retrieve-mode calls, drained by close(); and a write that
// fails failing the call.
#define CAF_SUITE audit
#include "caf/test/unit_test.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <vector>

#include <boost/json.hpp>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/scoped_actor.hpp"

#include "alter/actors/runtime.hpp"
#include "alter/auth/crypto.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/prometheus_text.hpp"

#include "backend_world.hpp"
#include "temp_files.hpp"

using namespace alter;
using namespace alter::testing;

namespace {

provider_call call_for(const world& w, int agent = 0) {
  provider_call c;
  c.url = w.provider_url("sim-bearer") + "/v1/items?page=2&access_token=abc";
  c.grant_id = w.keys.agents.at(agent).grant_ids.at(0);
  c.reason = "audit test";
  c.context = {{"tool", "calendar"}};
  return c;
}

std::string field_value(const field_list& xs, const std::string& name) {
  const auto* v = find_field(xs, name);
  return v ? *v : std::string{"<absent>"};
}

/// The retrieve-mode reports the backend has written.
std::size_t reports_written(world& w) {
  std::size_t n = 0;
  for (const auto& r : calls_audited(w.backend.db()))
    n += r.action == "provider_call.reported" ? 1 : 0;
  return n;
}

} // namespace

CAF_TEST(proxy rows carry who what and how with secrets stripped and bodies capped) {
  world w{false};
  auto agent = w.agent();
  auto c = call_for(w);
  c.method = "POST";
  c.headers = {{"X-Session-Token", "s3cr3t"}, {"X-Trace", "visible"}};
  c.json = "{\"blob\":\"" + std::string(std::size_t{20} * 1024, 'x') + "\"}";
  CAF_CHECK_EQUAL(agent.proxy_request(c).result.status_code, 200);
  auto page = w.app().query_audit();
  page.rows = without_bootstrap_rows(page.rows);
  CAF_REQUIRE_EQUAL(page.rows.size(), 1u);
  const auto& row = page.rows[0];
  CAF_CHECK_EQUAL(row.action, "proxy.executed");
  CAF_CHECK_EQUAL(row.outcome, "success");
  CAF_CHECK_EQUAL(row.agent_id, w.keys.agents[0].id);
  CAF_CHECK_EQUAL(row.app_id, w.keys.app_id);
  CAF_CHECK_EQUAL(row.caller_type, "agent");
  CAF_CHECK_EQUAL(row.caller_key_prefix.size(), 12u);
  CAF_CHECK_EQUAL(row.grant_id, w.keys.agents[0].grant_ids[0]);
  CAF_CHECK_EQUAL(row.provider_id, "sim-bearer");
  CAF_CHECK_EQUAL(row.principal_type, "agent");
  CAF_CHECK_EQUAL(row.grant_kind, "managed_secret");
  CAF_CHECK_EQUAL(row.method, "POST");
  CAF_CHECK_EQUAL(row.status_code, 200);
  CAF_CHECK_EQUAL(row.reason, "audit test");
  CAF_CHECK_EQUAL(field_value(row.context, "tool"), "calendar");
  CAF_CHECK(row.url.find("access_token=[redacted]") != std::string::npos);
  CAF_CHECK(row.url.find("page=2") != std::string::npos);
  CAF_CHECK_EQUAL(field_value(row.request_headers, "X-Session-Token"), "[redacted]");
  CAF_CHECK_EQUAL(field_value(row.request_headers, "X-Trace"), "visible");
  CAF_CHECK(row.body_truncated);
  CAF_CHECK_EQUAL(row.request_body.size(), 10u * 1024u);
  CAF_CHECK(!row.request_id.empty() && !row.created_at.empty());
}

CAF_TEST(the trail pages by cursor and only for keys that may read it) {
  world w{false};
  auto agent = w.agent();
  for (int i = 0; i < 5; ++i)
    agent.request(call_for(w));
  agent.close(); // sends the five reports too
  auto app = w.app();
  audit_query q;
  q.limit = 3;
  std::vector<audit_entry> all;
  std::set<std::string> cursors;
  // The bootstrap's own rows come first (13), then the calls' ten.
  for (int pages = 0; pages < 20; ++pages) {
    auto page = app.query_audit(q);
    if (page.rows.empty())
      break;
    CAF_CHECK_LESS_OR_EQUAL(page.rows.size(), 3u);
    CAF_CHECK(cursors.insert(page.next_cursor).second);
    all.insert(all.end(), page.rows.begin(), page.rows.end());
    q.after = page.next_cursor;
  }
  all = without_bootstrap_rows(all);
  CAF_REQUIRE_EQUAL(all.size(), 10u);
  for (std::size_t i = 1; i < all.size(); ++i)
    CAF_CHECK_LESS_OR_EQUAL(all[i - 1].created_at, all[i].created_at);
  auto retrieved = std::count_if(all.begin(), all.end(), [](const auto& r) {
    return r.action == "token.retrieved";
  });
  auto reported = std::count_if(all.begin(), all.end(), [](const auto& r) {
    return r.action == "provider_call.reported" && r.status_code == 200
           && r.outcome == "success";
  });
  CAF_CHECK_EQUAL(retrieved, 5);
  CAF_CHECK_EQUAL(reported, 5);
  // Agents' keys lack audit_logs:read.
  auto e = thrown_by([&] { w.agent(1).query_audit(); });
  CAF_CHECK(e.code == error_code::insufficient_scope);
  audit_query bad;
  bad.limit = 0;
  e = thrown_by([&] { app.query_audit(bad); });
  CAF_CHECK(e.code == error_code::invalid_argument);
}

CAF_TEST(a failed provider call in retrieve mode is reported as an error) {
  world w{false};
  auto agent = w.agent();
  auto c = call_for(w);
  c.url = w.provider_url("sim-bearer") + "/status/503";
  thrown_by([&] { agent.request(c); });
  c.url = "http://127.0.0.1:1/unreachable";
  thrown_by([&] { agent.request(c); });
  agent.close();
  std::vector<std::string> outcomes;
  for (const auto& r : w.backend.db().audit().rows(100))
    if (r.action == "provider_call.reported")
      outcomes.push_back(std::to_string(r.status_code) + "/"
                         + std::string{to_string(r.outcome)} + "/" + r.error_code);
  CAF_CHECK_EQUAL(outcomes.size(), 2u);
  CAF_CHECK(std::find(outcomes.begin(), outcomes.end(), "0/error/network_error")
            != outcomes.end());
}

CAF_TEST(an agent cannot report calls on grants it cannot use) {
  world w{false};
  provider_call_reports batch;
  provider_call_report ev;
  ev.grant_id = w.keys.agents[0].grant_ids[0];
  ev.status_code = 200;
  batch.events.push_back(ev);
  http_request req;
  req.method = "POST";
  req.target = "/v1/audit/events";
  req.body = to_json(batch);
  req.headers = {{"Content-Type", "application/json"}};
  auto theirs
      = w.raw(w.keys.agents[1].api_key, req, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(theirs.status, 404);
  auto own = w.raw(w.keys.agents[0].api_key, req, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(own.status, 202);
}

CAF_TEST(an audit write that fails fails the call and hands out nothing) {
  char dir_template[] = "/tmp/alter-audit-XXXXXX";
  std::string dir = ::mkdtemp(dir_template);
  auto opts = world::options(false);
  opts.database_path = dir + "/alter.db";
  {
    world w{opts};
    auto agent = w.agent();
    CAF_CHECK_EQUAL(agent.request(call_for(w)).status, 200);
    // Another connection makes every audit insert fail, as a full disk would.
    sqlite3* db = nullptr;
    CAF_REQUIRE_EQUAL(sqlite3_open(opts.database_path.c_str(), &db), SQLITE_OK);
    CAF_REQUIRE_EQUAL(sqlite3_exec(db,
                                   "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log "
                                   "BEGIN SELECT RAISE(FAIL, 'disk full'); END;",
                                   nullptr, nullptr, nullptr),
                      SQLITE_OK);
    sqlite3_close(db);
    auto hits_before = w.backend.hits().total();
    auto e = thrown_by([&] { agent.request(call_for(w)); });
    CAF_CHECK(e.code == error_code::audit_write_failed);
    e = thrown_by([&] { agent.proxy_request(call_for(w)); });
    CAF_CHECK(e.code == error_code::audit_write_failed);
    // The retrieval handed out no token, so the provider saw only the proxied call.
    CAF_CHECK_LESS_OR_EQUAL(w.backend.hits().total(), hits_before + 1);
  }
  std::string cmd = "rm -rf '" + dir + "'";
  CAF_CHECK_EQUAL(std::system(cmd.c_str()), 0);
}

namespace {

/// GET /v1/audit?after=<after> with the app key, signed by hand.
http_response audit_after(world& w, const std::string& after) {
  http_request req;
  req.method = "GET";
  req.target = "/v1/audit?after=" + after + "&limit=1000";
  return w.raw(w.keys.app_key, req, unix_now(), crypto::random_hex(16));
}

} // namespace

CAF_TEST(after accepts only a cursor or a created_at and refuses other text) {
  world w{false};
  auto agent = w.agent();
  agent.request(call_for(w));
  auto first = w.app().query_audit();
  first.rows = without_bootstrap_rows(first.rows);
  CAF_REQUIRE_EQUAL(first.rows.size(), 1u);
  const auto& created_at = first.rows[0].created_at;
  // Before the fix these were compared as text with created_at: "9" sorted after
  // every row (nothing), "0" before every row (everything).
  for (const char* bad :
       {"9", "0", "yesterday", "2024-13-01T00:00:00.000Z", "2024-01-01", "%23%23",
        "2024-01-01T00:00:00.000Z%23", "2024-01-01T00:00:00.000Z%23x"}) {
    auto res = audit_after(w, bad);
    CAF_MESSAGE("after=" << bad);
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK(res.body.find("invalid_request") != std::string::npos);
  }
  // A bare created_at starts after that time; a cursor after that row.
  auto before = audit_after(w, "2000-01-01T00:00:00.000Z");
  CAF_CHECK_EQUAL(before.status, 200);
  CAF_CHECK(before.body.find(created_at) != std::string::npos);
  auto after_it = audit_after(w, created_at);
  CAF_CHECK_EQUAL(after_it.status, 200);
  CAF_CHECK(after_it.body.find("\"rows\":[]") != std::string::npos);
  auto by_cursor = audit_after(w, net::percent_encode(first.next_cursor));
  CAF_CHECK_EQUAL(by_cursor.status, 200);
  CAF_CHECK(by_cursor.body.find("\"rows\":[]") != std::string::npos);
}

CAF_TEST(a client going out of scope writes its pending reports as close does) {
  world w{false};
  {
    auto agent = w.agent();
    for (int i = 0; i < 20; ++i)
      agent.request(call_for(w));
    // A copy shares the client: its end closes nothing while `agent` lives.
    { auto copy = agent; }
    CAF_CHECK_EQUAL(agent.request(call_for(w)).status, 200);
    // A sub-client is closed when it goes, its parent stays open.
    {
      trace_fields run;
      run.run_id = "run-1";
      auto traced = agent.trace(run);
      traced.request(call_for(w));
    }
    CAF_CHECK_EQUAL(agent.request(call_for(w)).status, 200);
  }
  // No close(): leaving the scope drained all 23 reports.
  CAF_CHECK_EQUAL(reports_written(w), 23u);
}

CAF_TEST(an actor api client drains when its runtime shuts down) {
  world w{false};
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  {
    runtime rt{sys};
    auto agent = rt.spawn_agent(w.client(w.keys.agents[0].api_key));
    CAF_REQUIRE(agent);
    caf::scoped_actor self{sys};
    auto call = [&](const auto& client) {
      int status = 0;
      self->request(client, caf::infinite, request_atom_v, call_for(w))
          .receive([&](http_response& r) { status = r.status; },
                   [](caf::error& e) { CAF_FAIL("request failed: " << to_string(e)); });
      return status;
    };
    for (int i = 0; i < 20; ++i)
      CAF_CHECK_EQUAL(call(*agent), 200);
    // A sub-client the agent made is the runtime's too.
    trace_fields run;
    run.run_id = "run-2";
    caf::actor traced;
    self->request(*agent, caf::infinite, trace_atom_v, run)
        .receive([&](caf::actor& sub) { traced = sub; },
                 [](caf::error& e) { CAF_FAIL("trace failed: " << to_string(e)); });
    CAF_CHECK_EQUAL(call(caf::actor_cast<agent_actor>(traced)), 200);
    CAF_CHECK_EQUAL(call(caf::actor_cast<agent_actor>(traced)), 200);
    // Nothing was closed: the reports wait in the clients (their batch
    // timer has not fired yet, or only for some).
    CAF_CHECK_EQUAL(rt.shutdown(), 2u);
    // After the shutdown the clients refuse calls.
    self->request(*agent, caf::infinite, request_atom_v, call_for(w))
        .receive([](http_response&) { CAF_FAIL("a drained client answered"); },
                 [](caf::error& e) {
                   CAF_CHECK(from_caf_error(e).code == error_code::client_closed);
                 });
  }
  CAF_CHECK_EQUAL(reports_written(w), 22u);
  // A client spawned just before the shutdown is drained too: it joins the
  // registry as it is spawned, not when its behavior starts.
  runtime quick{sys};
  auto fresh = quick.spawn_agent(w.client(w.keys.agents[0].api_key));
  CAF_REQUIRE(fresh);
  CAF_CHECK_EQUAL(quick.shutdown(), 1u);
  CAF_CHECK_EQUAL(quick.shutdown(), 0u);
}

CAF_TEST(the request log has one JSON line per answer with who and how but no secret) {
  temp_dir dir;
  auto path = dir.path + "/requests.log";
  auto opts = world::options(false);
  opts.request_log_path = path;
  std::string agent_key;
  std::string grant;
  {
    world w{opts};
    agent_key = w.keys.agents[0].api_key;
    grant = w.keys.agents[0].grant_ids[0];
    auto agent = w.agent(0);
    agent.me();
    provider_call c;
    c.url = w.provider_url("sim-bearer") + "/v1/items?access_token=in-the-query";
    c.grant_id = grant;
    c.reason = "logged";
    CAF_CHECK_EQUAL(agent.request(c).status, 200);
    // A request that proves nothing, and one of a route that does not exist.
    http_request bad;
    bad.target = "/v1/me";
    CAF_CHECK_EQUAL(w.raw("alter_ak_not-a-key", bad, unix_now(), "n1").status, 401);
    // An unknown API path without a key is refused before routing.
    CAF_CHECK_EQUAL(w.browse("GET", "/v1/nothing/here?secret=x").status, 401);
    CAF_CHECK_EQUAL(w.browse("GET", "/elsewhere?secret=y").status, 404);
  }
  auto text = read_file(path);
  std::vector<boost::json::object> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find('\n', at);
    CAF_REQUIRE(end != std::string::npos); // every line is whole
    lines.push_back(boost::json::parse(text.substr(at, end - at)).as_object());
    at = end + 1;
  }
  CAF_REQUIRE_GREATER_OR_EQUAL(lines.size(), 4u);
  auto find = [&](const std::string& route, int status) -> const boost::json::object* {
    for (const auto& l : lines)
      if (l.at("route").as_string() == route && l.at("status").as_int64() == status)
        return &l;
    return nullptr;
  };
  const auto* me = find("/v1/me", 200);
  CAF_REQUIRE(me != nullptr);
  CAF_CHECK_EQUAL(me->at("level").as_string(), "info");
  CAF_CHECK_EQUAL(me->at("method").as_string(), "GET");
  CAF_CHECK(me->at("request_id").as_string().starts_with("req_"));
  CAF_CHECK(!me->at("app_id").as_string().empty());
  CAF_CHECK_EQUAL(me->at("caller_type").as_string(), "agent");
  CAF_CHECK_EQUAL(me->at("client_ip").as_string(), "127.0.0.1");
  CAF_CHECK(me->at("latency_ms").is_double());
  CAF_CHECK(!me->at("time").as_string().empty());
  CAF_CHECK(find("/v1/tokens/retrieve", 200) != nullptr);
  const auto* refused = find("/v1/me", 401);
  CAF_REQUIRE(refused != nullptr);
  CAF_CHECK_EQUAL(refused->at("level").as_string(), "warning");
  CAF_CHECK(!refused->contains("app_id")); // it proved no app
  CAF_CHECK(find("-", 401) != nullptr);
  CAF_CHECK(find("-", 404) != nullptr);
  // Never a key, a credential, a query or a body.
  for (const std::string& secret :
       {agent_key, std::string{"in-the-query"}, std::string{"secret=x"},
        std::string{"secret=y"}, std::string{"elsewhere"},
        std::string{"alter_ak_not-a-key"}, std::string{"logged"}})
    CAF_CHECK_EQUAL(text.find(secret), std::string::npos);
  // At warning, only what went wrong is written.
  auto quiet_path = dir.path + "/warnings.log";
  opts.request_log_path = quiet_path;
  opts.request_log_level = backend::log_level::warning;
  {
    world w{opts};
    w.agent(0).me();
    CAF_CHECK_EQUAL(w.browse("GET", "/v1/nothing").status, 401);
  }
  auto quiet = read_file(quiet_path);
  CAF_CHECK_EQUAL(std::count(quiet.begin(), quiet.end(), '\n'), 1);
  CAF_CHECK(quiet.find("\"status\":401") != std::string::npos);
  // A log that cannot be opened stops the start, naming it.
  opts.request_log_path = dir.path + "/no/such/dir/requests.log";
  std::string why;
  try {
    world w{opts};
  } catch (const std::exception& e) {
    why = e.what();
  }
  CAF_CHECK(why.find(opts.request_log_path) != std::string::npos);
}

CAF_TEST(metrics count answers by route and status with latency and admission figures) {
  world w{world::options(false)};
  auto agent = w.agent(0);
  agent.me();
  agent.me();
  CAF_CHECK_EQUAL(w.browse("GET", "/v1/nothing").status, 401);
  auto res = w.browse("GET", "/metrics");
  CAF_REQUIRE_EQUAL(res.status, 200);
  const auto* type = find_field(res.headers, "content-type");
  CAF_REQUIRE(type != nullptr);
  CAF_CHECK(type->rfind("text/plain; version=0.0.4", 0) == 0);
  const auto& text = res.body;
  auto has = [&](const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
  };
  CAF_CHECK(has(R"(alter_requests_total{route="/v1/me",method="GET",status="200"} 2)"));
  CAF_CHECK(has(R"(alter_requests_total{route="-",method="GET",status="401"} 1)"));
  CAF_CHECK(has(
      R"(alter_request_duration_seconds_count{route="/v1/me",method="GET",status="200"} 2)"));
  CAF_CHECK(has(
      R"(alter_request_duration_seconds_bucket{route="/v1/me",method="GET",status="200",le="+Inf"} 2)"));
  CAF_CHECK(has(R"(alter_requests_in_flight{class="credential"} 0)"));
  CAF_CHECK(has(R"(alter_requests_rejected_total{class="admin"} 0)"));
  CAF_CHECK(text.find("# TYPE alter_request_duration_seconds histogram")
            != std::string::npos);
  CAF_CHECK(text.find("alter_store_flushes_total ") != std::string::npos);
  CAF_CHECK(text.find("alter_worker_queue_length ") != std::string::npos);
  // Hostile methods and paths add no series: an unknown method is "other".
  for (int i = 0; i < 20; ++i) {
    http_request odd;
    odd.method = "BREW" + std::to_string(i);
    odd.target = "/v1/x" + std::to_string(i) + "?token=t" + std::to_string(i);
    w.raw({}, odd, 0, {});
  }
  auto after = w.browse("GET", "/metrics").body;
  CAF_CHECK(after.find("BREW") == std::string::npos);
  CAF_CHECK(after.find("token=") == std::string::npos);
  CAF_CHECK(after.find("/v1/x1") == std::string::npos);
  CAF_CHECK(after.find(R"(method="other")") != std::string::npos);
}

namespace {

/// The value of an unlabelled series in a /metrics text; -1 when absent.
double metric_value(const std::string& text, const std::string& series) {
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos)
    return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

} // namespace

CAF_TEST(metrics show the flushes of the store and the provider connections) {
  world w{world::options(false)};
  auto agent = w.agent(0);
  provider_call call;
  call.url = w.provider_url("sim-bearer") + "/v1/items";
  call.grant_id = w.keys.agents[0].grant_ids[0];
  call.reason = "metrics";
  for (int i = 0; i < 3; ++i)
    agent.proxy_request(call);
  auto text = w.browse("GET", "/metrics").body;
  // Every proxied call committed durably: the flushes were timed and sized.
  auto flushes = metric_value(text, "alter_store_flushes_total");
  CAF_CHECK_GREATER_OR_EQUAL(flushes, 3);
  CAF_CHECK_EQUAL(metric_value(text, "alter_store_flush_duration_seconds_count"),
                  flushes);
  CAF_CHECK_EQUAL(metric_value(text, "alter_store_flush_transactions_count"), flushes);
  CAF_CHECK_EQUAL(metric_value(text, "alter_store_flush_transactions_sum"),
                  metric_value(text, "alter_store_transactions_total"));
  CAF_CHECK(text.find("alter_store_flush_duration_seconds_bucket{le=\"+Inf\"} ")
            != std::string::npos);
  CAF_CHECK(text.find("# TYPE alter_store_flush_transactions histogram")
            != std::string::npos);
  CAF_CHECK_EQUAL(metric_value(text, "alter_store_writers_waiting"), 0);
  // One provider endpoint: a connection opened, then kept and reused.
  CAF_CHECK_EQUAL(metric_value(text, "alter_upstream_origins"), 1);
  CAF_CHECK_EQUAL(metric_value(text, "alter_upstream_in_flight"), 0);
  CAF_CHECK_GREATER_OR_EQUAL(
      metric_value(text, "alter_upstream_connections_opened_total"), 1);
  CAF_CHECK_GREATER_OR_EQUAL(metric_value(text, "alter_upstream_reused_total"), 1);
  CAF_CHECK_EQUAL(metric_value(text, "alter_upstream_connections_opened_total")
                      + metric_value(text, "alter_upstream_reused_total"),
                  3);
  CAF_CHECK_EQUAL(metric_value(text, "alter_upstream_idle_connections"), 1);
  CAF_CHECK_EQUAL(metric_value(text, "alter_upstream_resent_total"), 0);
}

CAF_TEST(label values are escaped as the Prometheus text format says) {
  CAF_CHECK_EQUAL(prometheus_label_value(R"(a"b\c)"), R"(a\"b\\c)");
  // A newline is backslash and n, never a bare n nor a line break.
  CAF_CHECK_EQUAL(prometheus_label_value("x\ny"), "x\\ny");
  CAF_CHECK_EQUAL(prometheus_label_value("https://127.0.0.1:8080"),
                  "https://127.0.0.1:8080");
}
