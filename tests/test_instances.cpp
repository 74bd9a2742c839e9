// Several instances on one database: what one instance records (nonces, calls
// counted by rate limits, decisions) holds on every other, and nothing an
// instance does at start treats a live peer's work as abandoned. Two store
// objects or two backends on one SQLite file stand in for two processes.
#define CAF_SUITE instances
#include "caf/test/unit_test.hpp"

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "alter/auth/crypto.hpp"
#include "alter/backend/api/idempotency_guard.hpp"
#include "alter/backend/store/local_change_feed.hpp"
#include "alter/backend/store/sqlite/database.hpp"
#include "alter/backend/store/sqlite/sqlite_store.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/wire_requests.hpp"

#include "backend_world.hpp"
#include "temp_files.hpp"

using namespace alter;
using namespace alter::testing;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

backend::backend_options on_file(const std::string& path, bool shared = false) {
  auto o = world::options(false);
  o.database_path = path;
  o.shared_database = shared;
  return o;
}

std::string code_of(const http_response& res) {
  return std::string{name_of(parse_error_envelope(res.status, res.body).code)};
}

http_request get(const std::string& target) {
  http_request req;
  req.method = "GET";
  req.target = target;
  return req;
}

http_request post_json(const std::string& target, const std::string& body) {
  http_request req;
  req.method = "POST";
  req.target = target;
  req.body = body;
  req.headers = {{"Content-Type", "application/json"}};
  return req;
}

/// A proxied call of agent `i` of `w`'s bootstrap, to `path` of the provider
/// `provider_of` serves (`w` by default).
http_request proxy_call(const world& w, int i, const std::string& path,
                        const world* provider_of = nullptr) {
  proxy_request body;
  body.grant.grant_id = w.keys.agents.at(i).grant_ids.at(0);
  body.method = "GET";
  body.url = (provider_of ? *provider_of : w).provider_url("sim-bearer") + path;
  body.reason = "two instances";
  auto req = post_json("/v1/proxy/execute", to_json(body));
  req.headers.push_back({"Idempotency-Key", crypto::random_hex(8)});
  return req;
}

std::chrono::system_clock::time_point at_ms(int64_t ms) {
  return std::chrono::system_clock::time_point{std::chrono::milliseconds{ms}};
}

} // namespace

CAF_TEST(a nonce recorded through one store is refused through another on the file) {
  temp_dir dir;
  auto path = dir.path + "/shared.db";
  backend::sqlite_store first{path};
  backend::sqlite_store second{path};
  auto nonce = crypto::random_hex(16);
  int64_t now = 1'800'000'000;
  CAF_CHECK(first.nonces().record(nonce, now + 300, now));
  CAF_CHECK(!second.nonces().record(nonce, now + 300, now));
  CAF_CHECK(!first.nonces().record(nonce, now + 300, now + 10));
  // Once expired, the entry is taken over: its request fails the skew check.
  CAF_CHECK(second.nonces().record(nonce, now + 700, now + 301));
  CAF_CHECK(!first.nonces().record(nonce, now + 700, now + 302));
  // Pruning drops only expired entries.
  auto other = crypto::random_hex(16);
  CAF_CHECK(first.nonces().record(other, now + 10, now));
  auto pruned = second.nonces().prune(now + 11);
  CAF_CHECK_EQUAL(pruned, 1);
  CAF_CHECK(!first.nonces().record(nonce, now + 700, now + 12));
  CAF_CHECK(first.nonces().record(other, now + 400, now + 12));
}

CAF_TEST(nonces survive a reopen and an old ledger table keeps its rows) {
  temp_dir dir;
  auto path = dir.path + "/old.db";
  auto nonce = crypto::random_hex(16);
  auto now = unix_now();
  { backend::sqlite_store made{path}; }
  {
    // A database at version 4 whose nonce table the old ledger made.
    backend::database raw{path};
    raw.exec("DROP TABLE rate_limit_calls");
    raw.exec(("INSERT INTO request_nonces(nonce, expires_at) VALUES('" + nonce + "', "
              + std::to_string(now + 300) + ")")
                 .c_str());
    raw.exec("PRAGMA user_version = 4");
  }
  backend::sqlite_store reopened{path};
  CAF_CHECK(!reopened.nonces().record(nonce, now + 300, now));
  std::vector<backend::rate_limit> limits{{"r/a", 1, 60s}};
  auto counted = reopened.rate_limits().admit(limits, std::chrono::system_clock::now());
  CAF_CHECK(counted.admitted);
}

CAF_TEST(a signed request accepted by one backend is a replay for another) {
  temp_dir dir;
  auto path = dir.path + "/shared.db";
  world a{on_file(path, true)};
  world b{on_file(path, true)};
  auto key = a.keys.agents[0].api_key;
  auto ts = unix_now();
  auto nonce = crypto::random_hex(16);
  auto first = a.raw(key, get("/v1/me"), ts, nonce);
  CAF_CHECK_EQUAL(first.status, 200);
  auto replayed = b.raw(key, get("/v1/me"), ts, nonce);
  CAF_CHECK_EQUAL(replayed.status, 401);
  CAF_CHECK_EQUAL(code_of(replayed), "nonce_replayed");
  // And the other way round.
  auto other = crypto::random_hex(16);
  CAF_CHECK_EQUAL(b.raw(key, get("/v1/me"), ts, other).status, 200);
  CAF_CHECK_EQUAL(code_of(a.raw(key, get("/v1/me"), ts, other)), "nonce_replayed");
}

CAF_TEST(rate limits count the calls of every store on the file) {
  temp_dir dir;
  auto path = dir.path + "/shared.db";
  backend::sqlite_store first{path};
  backend::sqlite_store second{path};
  int64_t t0 = 1'800'000'000'000;
  std::vector<backend::rate_limit> per_agent{{"rule-1/agent-a", 2, 60s}};
  auto one = first.rate_limits().admit(per_agent, at_ms(t0));
  auto two = second.rate_limits().admit(per_agent, at_ms(t0 + 1000));
  auto three = first.rate_limits().admit(per_agent, at_ms(t0 + 2000));
  CAF_CHECK(one.admitted);
  CAF_CHECK(two.admitted);
  CAF_CHECK(!three.admitted);
  // The slot frees when the oldest call leaves the window.
  auto retry_ms = three.retry_after.count();
  CAF_CHECK_EQUAL(retry_ms, 58000);
  CAF_CHECK(!second.rate_limits().admit(per_agent, at_ms(t0 + 59'999)).admitted);
  CAF_CHECK(second.rate_limits().admit(per_agent, at_ms(t0 + 60'000)).admitted);
  // Other keys have budgets of their own.
  std::vector<backend::rate_limit> other{{"rule-1/agent-b", 2, 60s}};
  CAF_CHECK(first.rate_limits().admit(other, at_ms(t0 + 2000)).admitted);
}

CAF_TEST(a call one limit refuses is counted against no other limit) {
  temp_dir dir;
  auto path = dir.path + "/shared.db";
  backend::sqlite_store first{path};
  backend::sqlite_store second{path};
  int64_t t0 = 1'800'000'000'000;
  std::vector<backend::rate_limit> both{{"app-rule/app", 2, 60s},
                                        {"agent-rule/agent-a", 1, 60s}};
  CAF_CHECK(first.rate_limits().admit(both, at_ms(t0)).admitted);
  auto refused = second.rate_limits().admit(both, at_ms(t0 + 10));
  CAF_CHECK(!refused.admitted);
  CAF_CHECK_EQUAL(refused.refused, 1u);
  // The app rule counted one call only: one slot is left for anyone.
  std::vector<backend::rate_limit> app_only{{"app-rule/app", 2, 60s}};
  CAF_CHECK(second.rate_limits().admit(app_only, at_ms(t0 + 20)).admitted);
  auto full = first.rate_limits().admit(app_only, at_ms(t0 + 30));
  CAF_CHECK(!full.admitted);
  CAF_CHECK_EQUAL(full.refused, 0u);
}

CAF_TEST(a rate limit rule counts calls made through two backends) {
  temp_dir dir;
  auto path = dir.path + "/shared.db";
  world a{on_file(path, true)};
  world b{on_file(path, true)};
  json::object rule{{"name", "two per minute"},
                    {"target", {{"type", "app"}, {"id", a.keys.app_id}}},
                    {"rule_type", "rate_limit"},
                    {"rule_body", {{"max_calls", 2}, {"per_seconds", 60}}}};
  auto added = a.raw(a.keys.app_key, post_json("/v1/rules", json::serialize(rule)),
                     unix_now(), crypto::random_hex(16));
  CAF_REQUIRE_EQUAL(added.status, 201);
  auto key = a.keys.agents[0].api_key;
  auto call = [&](world& via) {
    // Both backends register the simulated providers on the shared file: the
    // last one started serves them.
    return via.raw(key, proxy_call(a, 0, "/v1/items", &b), unix_now(),
                   crypto::random_hex(16));
  };
  auto on_a = call(a);
  auto on_b = call(b);
  CAF_CHECK_EQUAL(on_a.status, 200);
  CAF_CHECK_EQUAL(on_b.status, 200);
  auto third = call(a);
  CAF_CHECK_EQUAL(third.status, 429);
  CAF_CHECK_EQUAL(code_of(third), "rate_limited");
  CAF_CHECK_EQUAL(code_of(call(b)), "rate_limited");
  // Another agent of the app has its own budget (the rule counts per agent).
  auto other = b.raw(a.keys.agents[1].api_key, proxy_call(a, 1, "/v1/items", &b),
                     unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(other.status, 200);
}

CAF_TEST(the local change feed calls the subscribers of a topic until they leave) {
  backend::local_change_feed feed;
  std::vector<std::string> seen;
  auto sub = feed.subscribe(backend::change_topic::approval,
                            [&](const std::string& id) { seen.push_back(id); });
  feed.publish(backend::change_topic::approval, "apr_1");
  feed.publish(backend::change_topic::approval, "apr_2");
  auto moved = std::move(sub);
  feed.publish(backend::change_topic::approval, "apr_3");
  moved.reset();
  feed.publish(backend::change_topic::approval, "apr_4");
  CAF_CHECK_EQUAL(seen, (std::vector<std::string>{"apr_1", "apr_2", "apr_3"}));
  // A failing subscriber neither reaches the publisher nor stops the others.
  int calls = 0;
  auto failing
      = feed.subscribe(backend::change_topic::approval,
                       [](const std::string&) { throw std::runtime_error{"x"}; });
  auto counting = feed.subscribe(backend::change_topic::approval,
                                 [&](const std::string&) { ++calls; });
  feed.publish(backend::change_topic::approval, "apr_5");
  CAF_CHECK_EQUAL(calls, 1);
}

namespace {

/// A backend whose agent 0 has every call held for a human.
struct held_world : world {
  explicit held_world(const backend::backend_options& opts) : world(opts) {
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

  /// Holds a call of agent 0; the approval's id.
  std::string hold() {
    auto res = raw(keys.agents[0].api_key, proxy_call(*this, 0, "/v1/payments"),
                   unix_now(), crypto::random_hex(16));
    CAF_REQUIRE_EQUAL(res.status, 202);
    auto id = json::parse(res.body).at("approval_id").as_string();
    return std::string{id};
  }

  /// The approval's status after a long-poll of `wait` seconds.
  std::future<std::string> wait_for(const std::string& id, int wait) {
    return std::async(std::launch::async, [this, id, wait] {
      auto res = raw(keys.agents[0].api_key,
                     get("/v1/approvals/" + id + "?wait=" + std::to_string(wait)),
                     unix_now(), crypto::random_hex(16));
      if (res.status != 200)
        return "HTTP " + std::to_string(res.status);
      return std::string{json::parse(res.body).at("status").as_string()};
    });
  }
};

/// Denies `id` as another instance on the file would: in its own store.
void deny_elsewhere(const std::string& path, const std::string& id) {
  backend::sqlite_store other{path};
  CAF_REQUIRE(other.approvals().decide(id, backend::approval_state::denied, "elsewhere",
                                       "no", backend::now_iso8601()));
}

} // namespace

CAF_TEST(a change notification wakes a long - poll with the state in the store) {
  temp_dir dir;
  auto path = dir.path + "/shared.db";
  held_world w{on_file(path, true)};
  auto id = w.hold();
  auto status = w.wait_for(id, 30);
  std::this_thread::sleep_for(300ms); // let the long-poll register
  // A stale notification (nothing changed) does not end the wait.
  w.backend.db().changes().publish(backend::change_topic::approval, id);
  deny_elsewhere(path, id);
  // What a feed that crosses processes delivers after the other's commit.
  w.backend.db().changes().publish(backend::change_topic::approval, id);
  // Far below the 30 s of the wait: woken, not timed out.
  CAF_REQUIRE(status.wait_for(20s) == std::future_status::ready);
  CAF_CHECK_EQUAL(status.get(), "denied");
}

CAF_TEST(a long - poll whose notification was lost still answers what the store says) {
  temp_dir dir;
  auto path = dir.path + "/shared.db";
  held_world w{on_file(path, true)};
  auto id = w.hold();
  auto status = w.wait_for(id, 2);
  std::this_thread::sleep_for(300ms);
  deny_elsewhere(path, id); // no notification reaches this backend
  CAF_CHECK_EQUAL(status.get(), "denied");
}

namespace {

/// An unfinished claim of another owner, claimed `age` ago.
void leave_claim(const std::string& path, const std::string& app_id,
                 const std::string& key, const std::string& state,
                 std::chrono::seconds age, const std::string& owner) {
  backend::database raw{path};
  auto s = raw.prepare("INSERT INTO idempotency(app_id, idem_key, request_hash, "
                       "state, created_at, owner) VALUES(?1, ?2, 'h', ?3, ?4, ?5)");
  s.bind(1, app_id).bind(2, key).bind(3, state).bind(4, backend::now_iso8601(-age));
  s.bind(5, owner);
  s.execute();
}

std::string state_of(backend::store& db, const std::string& app_id,
                     const std::string& key) {
  auto row = db.idempotency().find(app_id, key);
  return row ? std::string{to_string(row->state)} : std::string{"gone"};
}

} // namespace

CAF_TEST(a start on a shared database leaves the claims of a live peer alone) {
  temp_dir dir;
  auto path = dir.path + "/shared.db";
  std::string app_id;
  {
    world first{on_file(path, true)};
    app_id = first.keys.app_id;
  }
  leave_claim(path, app_id, "peer-running", "executing", 1s, "a-live-peer");
  leave_claim(path, app_id, "peer-checking", "pending", 1s, "a-live-peer");
  leave_claim(path, app_id, "long-dead", "executing", 3600s, "a-dead-peer");
  world shared{on_file(path, true)};
  auto& db = shared.backend.db();
  CAF_CHECK_EQUAL(state_of(db, app_id, "peer-running"), "executing");
  CAF_CHECK_EQUAL(state_of(db, app_id, "peer-checking"), "pending");
  // Older than any request runs: abandoned whoever owned it.
  CAF_CHECK_EQUAL(state_of(db, app_id, "long-dead"), "done");
}

CAF_TEST(a start alone on its database settles every claim of other owners) {
  temp_dir dir;
  auto path = dir.path + "/alone.db";
  std::string app_id;
  {
    world first{on_file(path)};
    app_id = first.keys.app_id;
  }
  leave_claim(path, app_id, "before-restart", "executing", 1s, "the-previous-process");
  leave_claim(path, app_id, "never-sent", "pending", 1s, "the-previous-process");
  world restarted{on_file(path)};
  auto& db = restarted.backend.db();
  CAF_CHECK_EQUAL(state_of(db, app_id, "before-restart"), "done");
  CAF_CHECK_EQUAL(state_of(db, app_id, "never-sent"), "gone");
}
