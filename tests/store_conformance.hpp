// The store's contract, run against every implementation: a suite defines
// `store_fixture` (open() -> a store on a new, empty database; reopen() and
// reopen_with(key) -> another store on the same database; master_key_base64();
// raw_sql(sql) and raw_text(sql) -> SQL past the store, as another program
// would run it) and includes this file once. test_store.cpp runs it on
// SQLite (suite store), test_store_postgres.cpp on PostgreSQL (store_postgres).
#pragma once

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "alter/backend/access/liveness.hpp"
#include "alter/backend/audit/audit_trail.hpp"
#include "alter/backend/encryption/master_key.hpp"
#include "alter/backend/store/store.hpp"

/// CAF_CHECK_EQUAL keeps references to its operands: the value is held here.
#define CHECK_VALUE(expr, expected)                                                    \
  do {                                                                                 \
    auto actual_value = (expr);                                                        \
    CAF_CHECK_EQUAL(actual_value, expected);                                           \
  } while (false)

namespace conformance {

using namespace alter::backend;

inline app_record app(const std::string& id) {
  return {id, "app " + id, now_iso8601()};
}

inline agent_record agent(const std::string& id, const std::string& app_id,
                          const std::string& name) {
  agent_record a;
  a.id = id;
  a.app_id = app_id;
  a.name = name;
  a.created_at = now_iso8601();
  return a;
}

inline key_record api_key_row(const std::string& id, const std::string& parent) {
  key_record k;
  k.id = id;
  k.key_hash = "hash-" + id;
  k.key_prefix = "alter_ak_" + id;
  k.key_type = alter::key_type::agent;
  k.app_id = "app-1";
  k.agent_id = "agent-1";
  k.scopes = {"proxy:*", "tokens:read"};
  k.created_at = now_iso8601();
  k.parent_key_id = parent;
  return k;
}

inline secret_record secret(const std::string& id, const std::string& value) {
  secret_record s;
  s.id = id;
  s.app_id = "app-1";
  s.slug = id;
  s.name = id;
  s.provider_id = "sim-bearer";
  s.value = value;
  s.injection_header = "Authorization";
  s.injection_format = "Bearer {token}";
  s.additional_credentials_json = R"({"extra":"x"})";
  s.created_at = now_iso8601();
  return s;
}

/// An app, an agent and a provider: what most rows refer to.
inline void seed(store& db) {
  db.accounts().insert_app(app("app-1"));
  db.accounts().insert_agent(agent("agent-1", "app-1", "first"));
  db.grants().put_provider({"sim-bearer", "https://example.test/bearer", "Bearer"});
}

template <class F>
bool throws_store_error(F&& fn) {
  try {
    fn();
  } catch (const store_misuse&) {
    return false;
  } catch (const std::runtime_error&) {
    return true;
  }
  return false;
}

template <class F>
bool throws_misuse(F&& fn) {
  try {
    fn();
  } catch (const store_misuse&) {
    return true;
  }
  return false;
}

/// One row of each kind whose state or kind is a stored name.
inline void seed_vocabulary(store& db) {
  auto now = now_iso8601();
  db.accounts().insert_app({"app_1", "app", now});
  agent_record a;
  a.id = "agent_1";
  a.app_id = "app_1";
  a.name = "agent";
  a.created_at = now;
  db.accounts().insert_agent(a);
  for (const char* id : {"key_1", "key_2"}) {
    key_record k;
    k.id = id;
    k.key_hash = std::string{"hash_"} + id;
    k.key_prefix = "alt_";
    k.key_type = alter::key_type::agent;
    k.app_id = "app_1";
    k.agent_id = "agent_1";
    k.created_at = now;
    db.accounts().insert_key(k);
  }
  db.grants().add_provider({"prov_1", "http://127.0.0.1:1", "provider"});
  for (const char* id : {"grant_1", "grant_2", "grant_3"}) {
    grant_record g;
    g.id = id;
    g.app_id = "app_1";
    g.provider_id = "prov_1";
    g.agent_id = "agent_1";
    g.created_at = now;
    db.grants().insert(g);
  }
  approval_record x;
  x.id = "apr_1";
  x.app_id = "app_1";
  x.agent_id = "agent_1";
  x.api_key_id = "key_1";
  x.grant_id = "grant_1";
  x.provider_id = "prov_1";
  x.request_json = "{}";
  x.method = "GET";
  x.url = "http://127.0.0.1:1/";
  x.status = approval_state::approved;
  x.created_at = now;
  x.expires_at = now_iso8601(std::chrono::seconds{3600});
  db.approvals().insert(x);
  for (const char* hash : {"session_1", "session_2"}) {
    interactive_session_record s;
    s.token_hash = hash;
    s.app_id = "app_1";
    s.created_at = now;
    s.expires_at = now_iso8601(std::chrono::seconds{3600});
    db.sessions().insert(s);
  }
  db.accounts().user_for_subject("app_1", "erin");
}

/// A pending approval of the seeded app, expiring in ten minutes.
inline approval_record held_call(const std::string& id) {
  approval_record a;
  a.id = id;
  a.app_id = "app-1";
  a.agent_id = "agent-1";
  a.grant_id = "grant-1";
  a.provider_id = "sim-bearer";
  a.request_json = "{}";
  a.method = "POST";
  a.url = "https://example.test/bearer/x";
  a.reason = "needs a human";
  a.status = approval_state::pending;
  a.created_at = now_iso8601();
  a.expires_at = now_iso8601(std::chrono::seconds{600});
  return a;
}

} // namespace conformance

CAF_TEST_FIXTURE_SCOPE(store_conformance, store_fixture)

CAF_TEST(a transaction commits all its writes or none) {
  using namespace conformance;
  auto db = open();
  {
    auto tx = db->begin();
    tx.accounts().insert_app(app("dropped"));
    // Destroyed without commit: rolled back.
  }
  {
    auto tx = db->begin();
    tx.accounts().insert_app(app("kept"));
    tx.grants().put_provider({"p", "https://example.test/p", "p"});
    tx.commit();
  }
  auto tx = db->begin();
  // Inside the transaction its own writes and the committed ones are visible.
  tx.grants().add_provider({"q", "https://example.test/q", "q"});
  CAF_CHECK(tx.grants().find_provider("p").has_value());
  CAF_CHECK(tx.grants().find_provider("q").has_value());
  auto& grants = tx.grants();
  tx.commit();
  // A repository of an ended transaction refuses calls.
  std::string refusal;
  try {
    grants.find_provider("p");
  } catch (const store_misuse& e) {
    refusal = e.what();
  }
  CHECK_VALUE(refusal, "the transaction already ended");
  CAF_CHECK(db->grants().find_provider("q").has_value());
  // Apps are only read through foreign keys: one that was rolled back is no
  // parent, one that committed is.
  auto orphan = agent("a1", "dropped", "orphan");
  CAF_CHECK(throws_store_error([&] { db->accounts().insert_agent(orphan); }));
  orphan.app_id = "kept";
  db->accounts().insert_agent(orphan);
  CAF_CHECK(db->accounts().find_agent("a1").has_value());
}

CAF_TEST(the thread holding a transaction gets an error instead of a deadlock) {
  using namespace conformance;
  auto db = open();
  auto tx = db->begin();
  tx.accounts().insert_app(app("a"));
  CAF_CHECK(throws_misuse([&] { db->grants().find_provider("p"); }));
  CAF_CHECK(throws_misuse([&] { db->begin(); }));
  // Another thread may not use the transaction's repositories.
  bool refused_elsewhere = false;
  std::thread other{[&] {
    refused_elsewhere = throws_misuse([&] { tx.grants().find_provider("p"); });
  }};
  other.join();
  CAF_CHECK(refused_elsewhere);
  // The transaction is still usable and commits.
  tx.accounts().insert_app(app("b"));
  tx.commit();
  CAF_CHECK(!throws_misuse([&] { db->grants().find_provider("p"); }));
}

CAF_TEST(other threads see the writes of a transaction only once it committed) {
  using namespace conformance;
  auto db = open();
  std::atomic<bool> committing{false};
  std::atomic<bool> seen_uncommitted{false};
  auto tx = db->begin();
  tx.grants().put_provider({"p", "https://example.test/p", "p"});
  std::thread reader{[&] {
    // SQLite's file readers and PostgreSQL answer at once from the last
    // committed state, SQLite in memory waits for the commit. Either way a
    // write is seen only once its commit has begun: `committing` is read
    // after the find, so it is exact, whenever this thread runs.
    auto found = db->grants().find_provider("p").has_value();
    seen_uncommitted = found && !committing.load();
  }};
  std::this_thread::sleep_for(std::chrono::milliseconds{100});
  committing = true;
  tx.commit();
  reader.join();
  CAF_CHECK(!seen_uncommitted.load());
  CAF_CHECK(db->grants().find_provider("p").has_value());
}

CAF_TEST(a second store on the same database sees what the first one wrote) {
  using namespace conformance;
  auto db = open();
  seed(*db);
  db->secrets().insert(secret("ms-1", "sim-bearer_0123456789abcdef"));
  auto other = reopen();
  auto found = other->secrets().find("ms-1");
  CAF_REQUIRE(found.has_value());
  CHECK_VALUE(found->value, "sim-bearer_0123456789abcdef");
  CHECK_VALUE(found->additional_credentials_json, R"({"extra":"x"})");
  auto id = db->data_key_id();
  auto other_id = other->data_key_id();
  CHECK_VALUE(id, other_id);
}

CAF_TEST(agents and keys read back and derived keys follow their parent) {
  using namespace conformance;
  auto db = open();
  seed(*db);
  // Live names are unique per app; a revoked agent frees its name.
  CAF_CHECK(throws_store_error(
      [&] { db->accounts().insert_agent(agent("agent-2", "app-1", "first")); }));
  db->accounts().set_agent_status("agent-1", agent_status::revoked);
  db->accounts().insert_agent(agent("agent-2", "app-1", "first"));
  auto live = db->accounts().find_live_agent_by_name("app-1", "first");
  CAF_REQUIRE(live.has_value());
  CHECK_VALUE(live->id, "agent-2");
  int64_t total = 0;
  auto listed = db->accounts().list_agents("app-1", false, 10, 0, total);
  CHECK_VALUE(total, 1);
  CHECK_VALUE(listed.size(), 1u);
  listed = db->accounts().list_agents("app-1", true, 1, 1, total);
  CHECK_VALUE(total, 2);
  CHECK_VALUE(listed.size(), 1u);
  // A chain of derived keys: root <- child <- grandchild.
  db->accounts().insert_key(api_key_row("root", ""));
  db->accounts().insert_key(api_key_row("child", "root"));
  db->accounts().insert_key(api_key_row("grandchild", "child"));
  auto read = db->accounts().find_key_by_hash("hash-child");
  CAF_REQUIRE(read.has_value());
  CHECK_VALUE(read->parent_key_id, "root");
  CHECK_VALUE(read->scopes.size(), 2u);
  CAF_CHECK(read->expires_at.empty());
  db->accounts().cap_derived_expiry("root", "2030-01-01T00:00:00.000Z");
  auto capped = db->accounts().find_key("grandchild");
  CAF_REQUIRE(capped.has_value());
  CHECK_VALUE(capped->expires_at, "2030-01-01T00:00:00.000Z");
  // A later cap never extends an earlier one.
  db->accounts().cap_derived_expiry("root", "2031-01-01T00:00:00.000Z");
  capped = db->accounts().find_key("grandchild");
  CHECK_VALUE(capped->expires_at, "2030-01-01T00:00:00.000Z");
  db->accounts().revoke_derived_keys("root", now_iso8601());
  auto root = db->accounts().find_key("root");
  auto grandchild = db->accounts().find_key("grandchild");
  CAF_CHECK(root->status == key_status::active);
  CAF_CHECK(grandchild->status == key_status::revoked);
  CAF_CHECK(!grandchild->revoked_at.empty());
  auto keys = db->accounts().list_agent_keys("agent-1");
  CHECK_VALUE(keys.size(), 3u);
  // One user per subject, made on first sight.
  auto user = db->accounts().user_for_subject("app-1", "alice");
  auto again = db->accounts().user_for_subject("app-1", "alice");
  CHECK_VALUE(user.id, again.id);
  CHECK_VALUE(user.id.size(), 32u);
  user.group_ids = {"g1"};
  db->accounts().update_user(user);
  CHECK_VALUE(db->accounts().user_for_subject("app-1", "alice").group_ids.size(), 1u);
}

CAF_TEST(grants are listed by principal and delegations are conditional) {
  using namespace conformance;
  auto db = open();
  seed(*db);
  db->secrets().insert(secret("ms-1", "value-1"));
  grant_record g;
  g.id = "grant-1";
  g.app_id = "app-1";
  g.grant_kind = grant_kind::managed_secret;
  g.managed_secret_id = "ms-1";
  g.provider_id = "sim-bearer";
  g.principal_type = principal_type::agent;
  g.agent_id = "agent-1";
  g.label = "work";
  g.created_at = now_iso8601();
  db->grants().insert(g);
  auto sys = g;
  sys.id = "grant-2";
  sys.principal_type = principal_type::system;
  sys.agent_id.clear();
  db->grants().insert(sys);
  db->accounts().insert_agent(agent("agent-2", "app-1", "second"));
  int64_t total = 0;
  grant_filter mine;
  mine.app_id = "app-1";
  mine.agent_id = "agent-1";
  auto listed = db->grants().list(mine, 10, 0, total);
  CAF_REQUIRE_EQUAL(listed.size(), 1u);
  CHECK_VALUE(listed[0].id, "grant-1");
  grant_filter app_own;
  app_own.app_id = "app-1";
  listed = db->grants().list(app_own, 10, 0, total);
  CAF_REQUIRE_EQUAL(listed.size(), 1u);
  CHECK_VALUE(listed[0].id, "grant-2");
  grant_filter delegated;
  delegated.app_id = "app-1";
  delegated.agent_id = "agent-2";
  delegated.label = "work";
  CHECK_VALUE(db->grants().list(delegated, 10, 0, total).size(), 0u);
  db->grants().delegate("grant-1", "agent-2", now_iso8601());
  CAF_CHECK(db->grants().is_delegated("grant-1", "agent-2"));
  CHECK_VALUE(db->grants().list(delegated, 10, 0, total).size(), 1u);
  CAF_CHECK(db->grants().revoke_delegation("grant-1", "agent-2", now_iso8601()));
  CAF_CHECK(!db->grants().revoke_delegation("grant-1", "agent-2", now_iso8601()));
  // Delegating again revives it.
  db->grants().delegate("grant-1", "agent-2", now_iso8601());
  auto agents = db->grants().delegated_agents("grant-1");
  CAF_REQUIRE_EQUAL(agents.size(), 1u);
  CHECK_VALUE(agents[0], "agent-2");
  db->grants().touch("grant-1", "2026-01-01T00:00:00.000Z");
  db->grants().revoke("grant-1", now_iso8601());
  auto read = db->grants().find("grant-1");
  CAF_REQUIRE(read.has_value());
  CHECK_VALUE(read->last_used_at, "2026-01-01T00:00:00.000Z");
  CAF_CHECK(read->status == grant_status::revoked);
  // put_provider replaces, add_provider keeps what is there.
  db->grants().put_provider({"sim-bearer", "https://moved.test/bearer", "Bearer"});
  db->grants().add_provider({"sim-bearer", "https://ignored.test", "x"});
  CHECK_VALUE(db->grants().find_provider("sim-bearer")->base_url,
              "https://moved.test/bearer");
  CHECK_VALUE(db->grants().list_providers().size(), 1u);
}

CAF_TEST(secrets are found by value and values are bound to their row) {
  using namespace conformance;
  auto db = open();
  seed(*db);
  db->secrets().insert(secret("ms-1", "value-1"));
  db->secrets().insert(secret("ms-2", "value-2"));
  auto found = db->secrets().find_by_value("sim-bearer", "value-2");
  CAF_REQUIRE(found.has_value());
  CHECK_VALUE(found->id, "ms-2");
  CAF_CHECK(!db->secrets().find_by_value("sim-bearer", "value-3").has_value());
  CAF_CHECK(!db->secrets().find_by_value("other", "value-2").has_value());
  // Settings are sealed too and replaced in place.
  db->settings().put("idp.key", "first");
  db->settings().put("idp.key", "second");
  CHECK_VALUE(db->settings().find("idp.key").value_or(""), "second");
  CAF_CHECK(!db->settings().find("none").has_value());
}

CAF_TEST(a new data key reseals every value and old values still read) {
  using namespace conformance;
  auto key = alter::backend::master_key::from_base64(master_key_base64());
  auto db = open();
  seed(*db);
  db->secrets().insert(secret("ms-1", "value-1"));
  db->settings().put("idp.key", "setting");
  CAF_CHECK(db->idempotency().claim("app-1", "k1", "h", idempotency_state::executing,
                                    "owner-a"));
  CAF_CHECK(db->idempotency().complete("app-1", "k1", "owner-a", 201, "answer"));
  auto before = db->data_key_id();
  db->rotate_data_key(key);
  auto after = db->data_key_id();
  CHECK_VALUE(after, before + 1);
  CHECK_VALUE(db->secrets().find("ms-1")->value, "value-1");
  CAF_CHECK(db->secrets().find_by_value("sim-bearer", "value-1").has_value());
  CHECK_VALUE(db->settings().find("idp.key").value_or(""), "setting");
  CHECK_VALUE(db->idempotency().find("app-1", "k1")->body, "answer");
  // Another store opens the database with only the new data key left.
  auto other = reopen();
  CHECK_VALUE(other->secrets().find("ms-1")->value, "value-1");
  auto other_id = other->data_key_id();
  CHECK_VALUE(other_id, after);
  // A wrong master key does not rotate.
  CAF_CHECK(throws_store_error(
      [&] { db->rotate_data_key(alter::backend::master_key::generate()); }));
  auto unchanged = db->data_key_id();
  CHECK_VALUE(unchanged, after);
  // The data keys resealed under a new master key open with it only.
  auto next = alter::backend::master_key::generate();
  db->reseal_data_keys(next);
  CAF_CHECK(throws_store_error([&] { reopen(); }));
  CHECK_VALUE(reopen_with(next.to_base64())->secrets().find("ms-1")->value, "value-1");
}

CAF_TEST(idempotency claims move by conditional statements) {
  using namespace conformance;
  auto db = open();
  seed(*db);
  CAF_CHECK(db->idempotency().claim("app-1", "k", "h", idempotency_state::executing,
                                    "owner-a"));
  CAF_CHECK(!db->idempotency().claim("app-1", "k", "h", idempotency_state::executing,
                                     "owner-b"));
  // Only the owner completes it.
  CAF_CHECK(!db->idempotency().complete("app-1", "k", "owner-b", 200, "theirs"));
  CAF_CHECK(db->idempotency().complete("app-1", "k", "owner-a", 200, "ours"));
  CAF_CHECK(!db->idempotency().complete("app-1", "k", "owner-a", 200, "twice"));
  auto done = db->idempotency().find("app-1", "k");
  CAF_REQUIRE(done.has_value());
  CAF_CHECK(done->state == idempotency_state::done);
  CHECK_VALUE(done->status, 200);
  CHECK_VALUE(done->body, "ours");
  // Release deletes only an unfinished claim of its owner.
  db->idempotency().release("app-1", "k", "owner-a");
  CAF_CHECK(db->idempotency().find("app-1", "k").has_value());
  CAF_CHECK(db->idempotency().claim("app-1", "p", "h", idempotency_state::pending,
                                    "owner-a"));
  db->idempotency().release("app-1", "p", "owner-a");
  CAF_CHECK(!db->idempotency().find("app-1", "p").has_value());
  // A restart settles other owners' claims: executing -> done, pending -> gone.
  CAF_CHECK(
      db->idempotency().claim("app-1", "e", "h", idempotency_state::executing, "dead"));
  CAF_CHECK(
      db->idempotency().claim("app-1", "q", "h", idempotency_state::pending, "dead"));
  CAF_CHECK(db->idempotency().claim("app-1", "mine", "h", idempotency_state::executing,
                                    "alive"));
  auto settled = db->idempotency().settle_foreign("alive", "", 500, "interrupted");
  CHECK_VALUE(settled, 2);
  CHECK_VALUE(db->idempotency().find("app-1", "e")->body, "interrupted");
  CAF_CHECK(!db->idempotency().find("app-1", "q").has_value());
  CAF_CHECK(db->idempotency().find("app-1", "mine")->state
            == idempotency_state::executing);
  // A stale claim settles once; a fresh one not at all.
  auto future = now_iso8601(std::chrono::seconds{60});
  auto past = now_iso8601(std::chrono::seconds{-60});
  CAF_CHECK(!db->idempotency().settle_stale("app-1", "mine", past, 500, "stale"));
  CAF_CHECK(db->idempotency().settle_stale("app-1", "mine", future, 500, "stale"));
  CAF_CHECK(!db->idempotency().settle_stale("app-1", "mine", future, 500, "stale"));
  CAF_CHECK(!db->idempotency().complete("app-1", "mine", "alive", 200, "late"));
  // Pruning removes finished claims in bounded batches.
  auto pruned = db->idempotency().prune(future, 1);
  CHECK_VALUE(pruned, 1);
  pruned = db->idempotency().prune(future, 100);
  CHECK_VALUE(pruned, 2);
  pruned = db->idempotency().prune(future, 100);
  CHECK_VALUE(pruned, 0);
}

CAF_TEST(of racing claims of one key exactly one wins) {
  using namespace conformance;
  auto db = open();
  seed(*db);
  std::atomic<int> wins{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 8; ++i)
    racers.emplace_back([&, i] {
      for (int k = 0; k < 20; ++k)
        if (db->idempotency().claim("app-1", "key-" + std::to_string(k), "h",
                                    idempotency_state::executing,
                                    "owner-" + std::to_string(i)))
          ++wins;
    });
  for (auto& t : racers)
    t.join();
  CHECK_VALUE(wins.load(), 20);
}

CAF_TEST(approvals are decided once and only before they expire) {
  using namespace conformance;
  auto db = open();
  seed(*db);
  auto a = held_call("apr-1");
  db->approvals().insert(a);
  auto expired = a;
  expired.id = "apr-2";
  expired.expires_at = now_iso8601(std::chrono::seconds{-1});
  db->approvals().insert(expired);
  auto now = now_iso8601();
  CAF_CHECK(!db->approvals().decide("apr-2", approval_state::approved, "bob", "", now));
  CAF_CHECK(db->approvals().expire("apr-2", now));
  CAF_CHECK(!db->approvals().expire("apr-1", now));
  // Racing deciders: one wins.
  std::atomic<int> wins{0};
  std::vector<std::thread> deciders;
  for (int i = 0; i < 4; ++i)
    deciders.emplace_back([&, i] {
      if (db->approvals().decide(
              "apr-1", i % 2 ? approval_state::approved : approval_state::denied,
              "approver-" + std::to_string(i), "why", now_iso8601()))
        ++wins;
    });
  for (auto& t : deciders)
    t.join();
  CHECK_VALUE(wins.load(), 1);
  auto decided = db->approvals().find("apr-1");
  CAF_REQUIRE(decided.has_value());
  if (decided->status == approval_state::approved) {
    CAF_CHECK(db->approvals().start_execution("apr-1"));
    CAF_CHECK(!db->approvals().start_execution("apr-1"));
    db->approvals().finish("apr-1", approval_state::executed, 200, R"({"ok":true})",
                           now_iso8601());
    auto finished = db->approvals().find("apr-1");
    CAF_CHECK(finished->status == approval_state::executed);
    CHECK_VALUE(finished->result_json, R"({"ok":true})");
    CHECK_VALUE(finished->result_status, 200);
  } else {
    CAF_CHECK(decided->status == approval_state::denied);
    CAF_CHECK(!db->approvals().start_execution("apr-1"));
  }
  // Approvals left approved or executing by a previous process fail.
  auto third = a;
  third.id = "apr-3";
  db->approvals().insert(third);
  CAF_CHECK(db->approvals().decide("apr-3", approval_state::approved, "bob", "", now));
  CHECK_VALUE(db->approvals().fail_interrupted(R"({"error":"x"})", now, ""), 1);
  CAF_CHECK(db->approvals().find("apr-3")->status == approval_state::failed);
  CHECK_VALUE(db->approvals().find("apr-3")->result_json, R"({"error":"x"})");
  // Approvers and their page sessions.
  db->approvals().insert_approver({"appr-1", "app-1", "bob", "token-hash", now});
  CAF_CHECK(db->approvals().find_approver_by_token_hash("token-hash").has_value());
  db->approvals().insert_approver_session("sess-hash", "appr-1", "csrf-token",
                                          now_iso8601(std::chrono::seconds{60}));
  auto session = db->approvals().find_approver_session("sess-hash", now_iso8601());
  CAF_REQUIRE(session.has_value());
  CHECK_VALUE(session->csrf_token, "csrf-token");
  CAF_CHECK(
      !db->approvals()
           .find_approver_session("sess-hash", now_iso8601(std::chrono::seconds{120}))
           .has_value());
  CAF_CHECK(db->approvals().delete_approver_session("sess-hash"));
  CAF_CHECK(!db->approvals().delete_approver_session("sess-hash"));
}

CAF_TEST(an app is found by id and the pending approvals of an app list oldest first) {
  using namespace conformance;
  auto db = open();
  seed(*db);
  auto found = db->accounts().find_app("app-1");
  CAF_REQUIRE(found.has_value());
  CHECK_VALUE(found->name, app("app-1").name);
  CAF_CHECK(!db->accounts().find_app("app-none").has_value());
  db->accounts().insert_app(app("app-2"));
  auto held = [&](const std::string& id, const std::string& app_id, int age_seconds,
                  int ttl_seconds) {
    auto a = held_call(id);
    a.app_id = app_id;
    a.created_at = now_iso8601(std::chrono::seconds{-age_seconds});
    a.expires_at = now_iso8601(std::chrono::seconds{ttl_seconds});
    db->approvals().insert(a);
  };
  held("apr-new", "app-1", 10, 600);
  held("apr-old", "app-1", 100, 600);
  held("apr-gone", "app-1", 200, -1); // past its expiry
  held("apr-other", "app-2", 50, 600);
  held("apr-decided", "app-1", 30, 600);
  CAF_CHECK(db->approvals().decide("apr-decided", approval_state::denied, "ann", "",
                                   now_iso8601()));
  auto pending = db->approvals().pending_of_app("app-1", now_iso8601(), 10);
  CAF_REQUIRE_EQUAL(pending.size(), 2u);
  CHECK_VALUE(pending[0].id, "apr-old");
  CHECK_VALUE(pending[1].id, "apr-new");
  CHECK_VALUE(pending[0].reason, "needs a human");
  CHECK_VALUE(db->approvals().pending_of_app("app-1", now_iso8601(), 1).size(), 1u);
  CHECK_VALUE(db->approvals().pending_of_app("app-none", now_iso8601(), 10).size(), 0u);
}

CAF_TEST(a gate is decided by a compare and swap of the gates) {
  using namespace conformance;
  auto db = open();
  seed(*db);
  auto a = held_call("apr-g");
  a.gates_json = "[pending,pending]";
  a.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  db->approvals().insert(a);
  CHECK_VALUE(db->approvals().find("apr-g")->gates_json, "[pending,pending]");
  CHECK_VALUE(db->approvals().find("apr-g")->traceparent, a.traceparent);
  auto now = now_iso8601();
  // Stale expectations lose; the call stays pending with its first gate.
  CAF_CHECK(!db->approvals().decide_gate("apr-g", "[stale]", "[approved,pending]",
                                         approval_state::pending, "ann", "", now));
  std::atomic<int> wins{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 4; ++i)
    racers.emplace_back([&, i] {
      if (db->approvals().decide_gate("apr-g", "[pending,pending]",
                                      "[approved-" + std::to_string(i) + ",pending]",
                                      approval_state::pending, "ann", "",
                                      now_iso8601()))
        ++wins;
    });
  for (auto& t : racers)
    t.join();
  CHECK_VALUE(wins.load(), 1);
  auto first = db->approvals().find("apr-g");
  CAF_CHECK(first->status == approval_state::pending);
  CAF_CHECK(first->decided_by.empty() && first->decided_at.empty());
  // The last gate decides the call, with who and why.
  CAF_CHECK(db->approvals().decide_gate("apr-g", first->gates_json, "[done]",
                                        approval_state::approved, "bob", "fine", now));
  auto decided = db->approvals().find("apr-g");
  CAF_CHECK(decided->status == approval_state::approved);
  CHECK_VALUE(decided->gates_json, "[done]");
  CHECK_VALUE(decided->decided_by, "bob");
  CHECK_VALUE(decided->decision_reason, "fine");
  CAF_CHECK(!db->approvals().decide_gate("apr-g", "[done]", "[again]",
                                         approval_state::denied, "bob", "", now));
  // Expired: no gate is decided.
  auto late = a;
  late.id = "apr-late";
  late.expires_at = now_iso8601(std::chrono::seconds{-1});
  db->approvals().insert(late);
  CAF_CHECK(!db->approvals().decide_gate("apr-late", a.gates_json, "[x]",
                                         approval_state::pending, "ann", "", now));
  // The app's approvers, oldest first, bounded.
  db->approvals().insert_approver({"appr-b", "app-1", "bob", "hash-b", "2026-01-02"});
  db->approvals().insert_approver({"appr-a", "app-1", "ann", "hash-a", "2026-01-01"});
  auto approvers = db->approvals().approvers_of("app-1", 10);
  CAF_REQUIRE_EQUAL(approvers.size(), 2u);
  CHECK_VALUE(approvers[0].name, "ann");
  CHECK_VALUE(approvers[1].name, "bob");
  CHECK_VALUE(db->approvals().approvers_of("app-1", 1).size(), 1u);
  CAF_CHECK(db->approvals().approvers_of("app-2", 10).empty());
}
CAF_TEST(rules sessions and local users round trip) {
  using namespace conformance;
  auto db = open();
  seed(*db);
  rule_record r;
  r.id = "rule-1";
  r.app_id = "app-1";
  r.name = "limit";
  r.target_type = "agent";
  r.target_id = "agent-1";
  r.rule_type = "rate_limit";
  r.rule_body_json = R"({"max":1})";
  r.enabled = true;
  r.created_at = now_iso8601();
  db->rules().insert(r);
  CHECK_VALUE(db->rules().for_call("app-1", "agent-1", "g", "p").size(), 1u);
  CHECK_VALUE(db->rules().for_call("app-1", "agent-2", "g", "p").size(), 0u);
  r.enabled = false;
  CAF_CHECK(db->rules().update(r));
  CHECK_VALUE(db->rules().for_call("app-1", "agent-1", "g", "p").size(), 0u);
  CHECK_VALUE(db->rules().list("app-1").size(), 1u);
  CAF_CHECK(db->rules().remove("app-1", "rule-1"));
  CAF_CHECK(!db->rules().remove("app-1", "rule-1"));
  auto none = r;
  none.id = "none";
  CAF_CHECK(!db->rules().update(none));
  interactive_session_record s;
  s.token_hash = "th";
  s.kind = session_kind::auth;
  s.app_id = "app-1";
  s.request_json = "{}";
  s.status = session_status::pending;
  s.result_json = "";
  s.created_at = now_iso8601();
  s.expires_at = now_iso8601(std::chrono::seconds{60});
  db->sessions().insert(s);
  CAF_CHECK(db->sessions().complete("th", session_status::completed, "jwt"));
  CAF_CHECK(!db->sessions().complete("th", session_status::denied, "other"));
  auto read = db->sessions().find("th");
  CAF_REQUIRE(read.has_value());
  CAF_CHECK(read->kind == session_kind::auth);
  CHECK_VALUE(read->result_json, "jwt");
  db->sessions().set_result("th", "");
  CHECK_VALUE(db->sessions().find("th")->result_json, "");
  db->local_users().put("alice", "hash-1", now_iso8601());
  db->local_users().put("alice", "hash-2", now_iso8601());
  db->local_users().put("bob", "hash-3", now_iso8601());
  CHECK_VALUE(db->local_users().password_hash("alice").value_or(""), "hash-2");
  CHECK_VALUE(db->local_users().list().size(), 2u);
  CAF_CHECK(db->local_users().remove("bob"));
  CAF_CHECK(!db->local_users().remove("bob"));
}

CAF_TEST(the audit trail pages by sequence and keeps arbitrary body bytes) {
  using namespace conformance;
  auto db = open();
  seed(*db);
  std::string body{"\xff\x00\xfe binary", 10};
  for (int i = 0; i < 5; ++i) {
    audit_record row;
    row.created_at = now_iso8601();
    row.request_id = "req-" + std::to_string(i);
    row.action = "proxy.executed";
    row.app_id = "app-1";
    row.request_body = body;
    row.status_code = 200;
    if (i == 0)
      row.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    CAF_CHECK(write_audit(*db, row));
  }
  auto all = db->audit().rows(100);
  CAF_REQUIRE_EQUAL(all.size(), 5u);
  CHECK_VALUE(all[0].request_body, body);
  CHECK_VALUE(all[0].traceparent,
              "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  CHECK_VALUE(all[1].traceparent, "");
  CHECK_VALUE(all[4].status_code, 200);
  auto page = db->audit().page("app-1", "", all[1].sequence, 2);
  CAF_REQUIRE_EQUAL(page.size(), 2u);
  CHECK_VALUE(page[0].request_id, "req-2");
  CHECK_VALUE(page[1].request_id, "req-3");
  auto by_time = db->audit().page("app-1", "2000-01-01T00:00:00.000Z", 0, 10);
  CHECK_VALUE(by_time.size(), 5u);
  // Rows written in a transaction that rolls back leave no trace.
  {
    auto tx = db->begin();
    audit_record row;
    row.created_at = now_iso8601();
    row.request_id = "dropped";
    row.action = "proxy.executed";
    row.app_id = "app-1";
    CAF_CHECK(write_audit(tx, row));
  }
  CHECK_VALUE(db->audit().rows(100).size(), 5u);
}

CAF_TEST(
    a nonce is accepted once until it expires and rate limits count across stores) {
  using namespace conformance;
  auto db = open();
  auto other = reopen();
  CAF_CHECK(db->nonces().record("n1", 100, 50));
  CAF_CHECK(!other->nonces().record("n1", 100, 60));
  // An expired entry is taken over.
  CAF_CHECK(other->nonces().record("n1", 300, 200));
  CHECK_VALUE(db->nonces().prune(400), 1);
  auto now = std::chrono::system_clock::now();
  std::vector<rate_limit> limits{{"rule/agent", 2, std::chrono::milliseconds{60000}}};
  CAF_CHECK(db->rate_limits().admit(limits, now).admitted);
  CAF_CHECK(other->rate_limits().admit(limits, now).admitted);
  auto refused = db->rate_limits().admit(limits, now);
  CAF_CHECK(!refused.admitted);
  CAF_CHECK(refused.retry_after.count() > 0);
  // A call one limit refuses uses up no other limit's quota.
  std::vector<rate_limit> both{{"other", 5, std::chrono::milliseconds{60000}},
                               {"rule/agent", 2, std::chrono::milliseconds{60000}}};
  auto second = db->rate_limits().admit(both, now);
  CAF_CHECK(!second.admitted);
  CHECK_VALUE(second.refused, 1u);
  // Once the window passed, calls are admitted again.
  CAF_CHECK(db->rate_limits().admit(limits, now + std::chrono::seconds{61}).admitted);
}

CAF_TEST(the names the store writes are the wire names) {
  using namespace conformance;
  seed_vocabulary(*open());
  CHECK_VALUE(raw_text("SELECT key_type || status FROM api_keys WHERE id = 'key_1'"),
              "agentactive");
  CHECK_VALUE(raw_text("SELECT type || status FROM agents"), "agentactive");
  CHECK_VALUE(raw_text("SELECT grant_kind || principal_type || status FROM grants "
                       "WHERE id = 'grant_1'"),
              "managed_secretagentactive");
  CHECK_VALUE(raw_text("SELECT status FROM approvals"), "approved");
  CHECK_VALUE(raw_text("SELECT kind || status FROM interactive_sessions "
                       "WHERE token_hash = 'session_1'"),
              "connectpending");
  CHECK_VALUE(raw_text("SELECT status FROM app_users"), "active");
}

CAF_TEST(an unknown name in the database reads as the value that refuses) {
  using namespace conformance;
  seed_vocabulary(*open());
  // Written as another program would, past the store.
  raw_sql("UPDATE api_keys SET status = 'Active' WHERE id = 'key_1'");
  raw_sql("UPDATE api_keys SET key_type = 'admin' WHERE id = 'key_2'");
  raw_sql("UPDATE agents SET status = 'active ', type = 'robot'");
  raw_sql("UPDATE grants SET status = 'ok' WHERE id = 'grant_1'");
  raw_sql("UPDATE grants SET grant_kind = 'token' WHERE id = 'grant_2'");
  raw_sql("UPDATE grants SET principal_type = 'anyone' WHERE id = 'grant_3'");
  raw_sql("UPDATE approvals SET status = 'approved\x01'");
  raw_sql("UPDATE interactive_sessions SET status = 'done' "
          "WHERE token_hash = 'session_1'");
  raw_sql("UPDATE interactive_sessions SET kind = 'open' "
          "WHERE token_hash = 'session_2'");
  raw_sql("UPDATE app_users SET status = ''");
  auto db = reopen();
  auto now = std::chrono::system_clock::now();
  for (const char* id : {"key_1", "key_2"}) {
    auto key = db->accounts().find_key(id);
    CAF_REQUIRE(key.has_value());
    CAF_CHECK(key->status == key_status::revoked);
    CAF_CHECK(!key_is_live(*key, now));
  }
  auto agent = db->accounts().find_agent("agent_1");
  CAF_REQUIRE(agent.has_value());
  CAF_CHECK(agent->status == agent_status::revoked);
  CAF_CHECK(!agent_is_live(*agent));
  CAF_CHECK(!agent_may_act(*agent));
  for (const char* id : {"grant_1", "grant_2", "grant_3"}) {
    auto g = db->grants().find(id);
    CAF_REQUIRE(g.has_value());
    CAF_CHECK(g->status == grant_status::revoked);
    CAF_CHECK(grant_unusable(*g, now) == alter::error_code::grant_revoked);
  }
  auto approval = db->approvals().find("apr_1");
  CAF_REQUIRE(approval.has_value());
  CAF_CHECK(approval->status == approval_state::failed);
  for (const char* hash : {"session_1", "session_2"}) {
    auto s = db->sessions().find(hash);
    CAF_REQUIRE(s.has_value());
    CAF_CHECK(s->status == session_status::denied);
  }
  CAF_CHECK(db->accounts().user_for_subject("app_1", "erin").status
            == app_user_status::suspended);
}

CAF_TEST(oauth tokens are sealed and one lease holder at a time refreshes them) {
  using namespace conformance;
  auto db = open();
  seed(*db);
  provider_record p{"sim-oauth", "https://example.test/oauth", "OAuth"};
  p.oauth_authorize_url = "https://example.test/oauth/authorize";
  p.oauth_token_url = "https://example.test/oauth/token";
  p.oauth_client_id = "client";
  p.oauth_client_secret = "client-secret-value";
  p.required_scopes = {"read"};
  db->grants().put_provider(p);
  auto found = db->grants().find_provider("sim-oauth");
  CAF_REQUIRE(found.has_value());
  CHECK_VALUE(found->oauth_client_secret, "client-secret-value");
  CHECK_VALUE(found->required_scopes.size(), 1u);
  CAF_CHECK(!db->grants().find_provider("sim-bearer")->is_oauth());
  grant_record g;
  g.id = "grant-o";
  g.app_id = "app-1";
  g.grant_kind = grant_kind::oauth;
  g.provider_id = "sim-oauth";
  g.principal_type = principal_type::system;
  g.created_at = now_iso8601();
  db->grants().insert(g);
  oauth_token_record t;
  t.grant_id = "grant-o";
  t.access_token = "access-value-1";
  t.refresh_token = "refresh-value-1";
  t.expires_at = now_iso8601(std::chrono::seconds{-1});
  t.scopes = {"read", "write"};
  t.refreshed_at = now_iso8601();
  db->oauth().put_tokens(t);
  // Sealed at rest: the database holds neither value in clear.
  // (PostgreSQL shows bytea as hex: look for both spellings.)
  auto stored = raw_text("SELECT access_token FROM oauth_tokens")
                + raw_text("SELECT refresh_token FROM oauth_tokens");
  for (const char* clear : {"access-value", "refresh-value", "6163636573732d76616c7565",
                            "726566726573682d76616c7565"})
    CAF_CHECK(stored.find(clear) == std::string::npos);
  auto now = now_iso8601();
  auto until = now_iso8601(std::chrono::seconds{30});
  CAF_CHECK(db->oauth().take_lease("grant-o", "owner-a", now, until));
  CAF_CHECK(!db->oauth().take_lease("grant-o", "owner-b", now, until));
  // A lease that ran out is anybody's.
  CAF_CHECK(db->oauth().take_lease("grant-o", "owner-b",
                                   now_iso8601(std::chrono::seconds{60}),
                                   now_iso8601(std::chrono::seconds{90})));
  auto next = t;
  next.access_token = "access-value-2";
  next.refresh_token = "refresh-value-2";
  next.expires_at = now_iso8601(std::chrono::seconds{3600});
  next.generation = 1;
  CAF_CHECK(!db->oauth().store_refreshed(next, "owner-a"));
  CAF_CHECK(db->oauth().store_refreshed(next, "owner-b"));
  // A second write of the same generation finds the row moved on.
  CAF_CHECK(db->oauth().take_lease("grant-o", "owner-b", now, until));
  CAF_CHECK(!db->oauth().store_refreshed(next, "owner-b"));
  auto read = db->oauth().find_tokens("grant-o");
  CAF_REQUIRE(read.has_value());
  CHECK_VALUE(read->access_token, "access-value-2");
  CHECK_VALUE(read->generation, 1);
  CHECK_VALUE(read->lease_owner, "owner-b");
  CHECK_VALUE(db->oauth().due_for_refresh(now_iso8601(), now_iso8601(), "", 10).size(),
              0u);
  CAF_CHECK(!db->oauth().mark_reauth_required("grant-o", "owner-a"));
  CAF_CHECK(db->oauth().mark_reauth_required("grant-o", "owner-b"));
  CAF_CHECK(db->oauth().find_tokens("grant-o")->state
            == oauth_token_state::reauth_required);
  CAF_CHECK(!db->oauth().take_lease("grant-o", "owner-c", now, until));
  // A new consent makes the tokens valid again.
  db->oauth().put_tokens(t);
  CAF_CHECK(db->oauth().find_tokens("grant-o")->state == oauth_token_state::valid);
  CHECK_VALUE(db->oauth().due_for_refresh(now_iso8601(), now_iso8601(), "", 10).size(),
              1u);
  // Flows are taken once; expired ones are pruned.
  oauth_flow_record f{"state-hash",
                      "session-hash",
                      "sim-oauth",
                      "verifier-value",
                      "https://example.test/cb",
                      now,
                      now_iso8601(std::chrono::seconds{600})};
  db->oauth().insert_flow(f);
  auto sealed_verifier = raw_text("SELECT verifier FROM oauth_flows");
  CAF_CHECK(!sealed_verifier.empty());
  CAF_CHECK(sealed_verifier.find("verifier-value") == std::string::npos);
  CAF_CHECK(sealed_verifier.find("76657269666965722d76616c7565") == std::string::npos);
  auto taken = db->oauth().take_flow("state-hash");
  CAF_REQUIRE(taken.has_value());
  CHECK_VALUE(taken->verifier, "verifier-value");
  CAF_CHECK(!db->oauth().take_flow("state-hash"));
  f.state_hash = "old";
  f.expires_at = now_iso8601(std::chrono::seconds{-1});
  db->oauth().insert_flow(f);
  db->oauth().prune_flows(now_iso8601());
  CAF_CHECK(!db->oauth().take_flow("old"));
  // A revoked grant's tokens are never refreshed again.
  db->grants().revoke("grant-o", now_iso8601());
  CHECK_VALUE(db->oauth().due_for_refresh(now_iso8601(), now_iso8601(), "", 10).size(),
              0u);
  // A new data key reseals the tokens, the flow verifiers and client secrets.
  db->rotate_data_key(alter::backend::master_key::from_base64(master_key_base64()));
  CHECK_VALUE(db->oauth().find_tokens("grant-o")->refresh_token, "refresh-value-1");
  CHECK_VALUE(db->grants().find_provider("sim-oauth")->oauth_client_secret,
              "client-secret-value");
}

CAF_TEST_FIXTURE_SCOPE_END()
