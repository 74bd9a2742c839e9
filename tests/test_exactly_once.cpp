// Exactly once across crashes: what a process that died mid-call leaves in the
// database (a claim it never completed) must never make a retry run the
// provider call again, and must not block a call that never reached it.
// tests/programs/crash_exactly_once.py kills a real backend under load.
#define CAF_SUITE exactly_once
#include "caf/test/unit_test.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "alter/auth/crypto.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/proxy_outcome.hpp"
#include "alter/messages/wire_requests.hpp"

#include "backend_world.hpp"
#include "temp_files.hpp"

using namespace alter;
using namespace alter::testing;

namespace {

/// A port nobody listens on now, so that a restarted backend's providers keep
/// their URLs (a request's hash covers its URL).
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

backend::backend_options on_disk(const std::string& db_path) {
  static const uint16_t provider_port = free_port();
  auto o = world::options(false);
  o.database_path = db_path;
  o.provider_port = provider_port;
  return o;
}

/// Runs one statement on the database file, as another process would.
void sql(const std::string& db_path, const std::string& statement) {
  sqlite3* db = nullptr;
  CAF_REQUIRE_EQUAL(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* error = nullptr;
  auto rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK)
    CAF_FAIL("sql failed: " << (error ? error : "?"));
  sqlite3_free(error);
  sqlite3_close(db);
}

struct saved_agent {
  std::string app_id;
  std::string agent_id;
  std::string key;
  std::string grant;
};

saved_agent first_agent(const world& w) {
  return {w.keys.app_id, w.keys.agents[0].id, w.keys.agents[0].api_key,
          w.keys.agents[0].grant_ids[0]};
}

http_request proxy_call(const world& w, const saved_agent& a, const std::string& path,
                        const std::string& idem) {
  proxy_request body;
  body.grant.grant_id = a.grant;
  body.method = "POST";
  body.url = w.provider_url("sim-bearer") + path;
  body.body_b64 = base64_encode("{\"amount\":1}");
  body.reason = "exactly once";
  http_request req;
  req.method = "POST";
  req.target = "/v1/proxy/execute";
  req.body = to_json(body);
  req.headers = {{"Content-Type", "application/json"}};
  if (!idem.empty())
    req.headers.push_back({"Idempotency-Key", idem});
  return req;
}

/// The hash the backend keys a proxied request by (grant, agent, body).
std::string request_hash(const saved_agent& a, const http_request& req) {
  return crypto::sha256_hex(a.grant + "\n" + a.agent_id + "\n" + req.body);
}

std::string code_of(const http_response& res) {
  return std::string{name_of(parse_error_envelope(res.status, res.body).code)};
}

/// A claim row as a dead process leaves it, claimed `age` ago.
void leave_claim(const std::string& db_path, const std::string& app_id,
                 const std::string& key, const std::string& hash,
                 const std::string& state, std::chrono::seconds age) {
  sql(db_path, "INSERT INTO idempotency(app_id, idem_key, request_hash, state, "
               "created_at, owner) VALUES('"
                   + app_id + "', '" + key + "', '" + hash + "', '" + state + "', '"
                   + backend::now_iso8601(-age) + "', 'a-dead-process')");
}

} // namespace

CAF_TEST(a claim left executing by a crash is never executed again after a restart) {
  temp_dir dir;
  auto path = dir.path + "/a.db";
  saved_agent a;
  std::string hash;
  {
    world w{on_disk(path)};
    a = first_agent(w);
    hash = request_hash(a, proxy_call(w, a, "/v1/charges/crashed", "charge-1"));
  }
  // What the old code left when it died after the provider answered and the
  // audit row committed, but before the claim completed.
  leave_claim(path, a.app_id, "charge-1", hash, "in_progress",
              std::chrono::seconds{61});
  world w{on_disk(path)};
  auto req = proxy_call(w, a, "/v1/charges/crashed", "charge-1");
  CAF_REQUIRE_EQUAL(request_hash(a, req), hash);
  auto retry = w.raw(a.key, req, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(retry.status, 409);
  CAF_CHECK_EQUAL(code_of(retry), "idempotency_outcome_unknown");
  CAF_CHECK_EQUAL(w.backend.hits().count("/sim-bearer/v1/charges/crashed"), 0);
  // The outcome is settled for good: later retries replay the same answer.
  auto again = w.raw(a.key, req, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(code_of(again), "idempotency_outcome_unknown");
  CAF_CHECK_EQUAL(w.backend.hits().count("/sim-bearer/v1/charges/crashed"), 0);
}

CAF_TEST(a claim abandoned by another process is settled once its lease ran out) {
  temp_dir dir;
  auto path = dir.path + "/a.db";
  world w{on_disk(path)};
  auto a = first_agent(w);
  auto req = proxy_call(w, a, "/v1/charges/abandoned", "charge-2");
  leave_claim(path, a.app_id, "charge-2", request_hash(a, req), "executing",
              std::chrono::seconds{61});
  auto retry = w.raw(a.key, req, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(code_of(retry), "idempotency_outcome_unknown");
  CAF_CHECK_EQUAL(w.backend.hits().count("/sim-bearer/v1/charges/abandoned"), 0);
  // Within its lease the owner may still be running: the retry waits.
  auto fresh = proxy_call(w, a, "/v1/charges/running", "charge-3");
  leave_claim(path, a.app_id, "charge-3", request_hash(a, fresh), "executing",
              std::chrono::seconds{1});
  auto early = w.raw(a.key, fresh, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(early.status, 409);
  CAF_CHECK_EQUAL(code_of(early), "idempotency_in_progress");
  CAF_CHECK_EQUAL(w.backend.hits().count("/sim-bearer/v1/charges/running"), 0);
}

CAF_TEST(a claim that never reached the provider runs after a restart) {
  temp_dir dir;
  auto path = dir.path + "/a.db";
  saved_agent a;
  std::string body = R"({"name":"after-crash","type":"agent"})";
  std::string app_key;
  {
    world w{on_disk(path)};
    a = first_agent(w);
    app_key = w.keys.app_key;
  }
  // An agent creation claims its key as pending: nothing irreversible happens
  // before the creation commits together with its answer.
  leave_claim(path, a.app_id, "agents.create:make-1", crypto::sha256_hex(body),
              "pending", std::chrono::seconds{1});
  world w{on_disk(path)};
  http_request req;
  req.method = "POST";
  req.target = "/v1/agents";
  req.body = body;
  req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", "make-1"}};
  auto created = w.raw(app_key, req, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(created.status, 201);
  auto replay = w.raw(app_key, req, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(replay.status, 200);
}

CAF_TEST(a proxy execution without an Idempotency - Key is refused before it runs) {
  world w{false};
  auto a = first_agent(w);
  auto res = w.raw(a.key, proxy_call(w, a, "/v1/charges/keyless", ""), unix_now(),
                   crypto::random_hex(16));
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(code_of(res), "idempotency_key_required");
  CAF_CHECK_EQUAL(w.backend.hits().count("/sim-bearer/v1/charges/keyless"), 0);
  auto rows = w.backend.db().audit().rows(1000);
  CAF_REQUIRE(!rows.empty());
  CAF_CHECK_EQUAL(rows.back().error_code, "idempotency_key_required");
}

CAF_TEST(the answer and the audit row of an execution are stored together) {
  world w{false};
  auto a = first_agent(w);
  auto req = proxy_call(w, a, "/v1/charges/stored", "charge-4");
  auto first = w.raw(a.key, req, unix_now(), crypto::random_hex(16));
  CAF_REQUIRE_EQUAL(first.status, 200);
  auto stored = w.backend.db().idempotency().find(a.app_id, "charge-4");
  CAF_REQUIRE(stored.has_value());
  CAF_CHECK(stored->state == backend::idempotency_state::done);
  CAF_CHECK_EQUAL(stored->body, first.body);
  auto rows = w.backend.db().audit().rows(1000);
  CAF_REQUIRE(!rows.empty());
  CAF_CHECK_EQUAL(rows.back().action, "proxy.executed");
  // The grant's last use lands in the same commit as the answer.
  auto grant = w.backend.db().grants().find(a.grant);
  CAF_REQUIRE(grant.has_value());
  CAF_CHECK(!grant->last_used_at.empty());
  // The provider sees a key derived from the app and the caller's key, so a
  // provider that deduplicates does so too, and the caller's value stays here.
  auto result = from_json<proxy_result>(first.body);
  CAF_REQUIRE(result);
  auto echo = base64_decode(result->body_b64).value_or("");
  CAF_CHECK(echo.find("alter-") != std::string::npos);
  CAF_CHECK(echo.find("charge-4") == std::string::npos);
  auto replay = w.raw(a.key, req, unix_now(), crypto::random_hex(16));
  CAF_CHECK_EQUAL(replay.body, first.body);
  CAF_CHECK_EQUAL(w.backend.hits().count("/sim-bearer/v1/charges/stored"), 1);
}

CAF_TEST(stored answers are pruned once the idempotency window has passed) {
  temp_dir dir;
  auto path = dir.path + "/a.db";
  std::string app_id;
  {
    world w{on_disk(path)};
    app_id = w.keys.app_id;
  }
  auto done_row = [&](const std::string& key, std::chrono::seconds age) {
    sql(path, "INSERT INTO idempotency(app_id, idem_key, request_hash, state, "
              "response_status, response_body, created_at, owner) VALUES('"
                  + app_id + "', '" + key + "', 'h', 'done', 200, '', '"
                  + backend::now_iso8601(-age) + "', 'someone')");
  };
  done_row("old", std::chrono::hours{2});
  done_row("recent", std::chrono::minutes{5});
  auto o = on_disk(path);
  o.idempotency_window = std::chrono::hours{1};
  world w{o};
  // The first round runs at start.
  for (int i = 0; i < 100 && w.backend.db().idempotency().find(app_id, "old"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  CAF_CHECK(!w.backend.db().idempotency().find(app_id, "old").has_value());
  CAF_CHECK(w.backend.db().idempotency().find(app_id, "recent").has_value());
}
