// The stored vocabulary: every state and kind has one name that reads back as
// itself, and a name in the database that is none of them (bytes written by
// another program, a damaged file) reads as the value that refuses access.
#define CAF_SUITE stored_vocabulary
#include "caf/test/unit_test.hpp"

#include <chrono>
#include <initializer_list>
#include <string>

#include "backend/access/liveness.hpp"
#include "backend/store/sqlite/database.hpp"
#include "backend/store/sqlite/sqlite_store.hpp"
#include "backend/store/store.hpp"
#include "backend/store/vocabulary.hpp"

#include "temp_files.hpp"

using namespace alter;
using namespace alter::backend;
using namespace alter::testing;

namespace {

/// Every value names itself and reads back; near misses are no names and
/// leave the target untouched.
template <class Enum>
void check_names(std::initializer_list<Enum> all) {
  for (auto x : all) {
    auto name = std::string{to_string(x)};
    Enum back = *all.begin() == x ? *(all.end() - 1) : *all.begin();
    CAF_CHECK(from_string(name, back));
    CAF_CHECK(back == x);
    for (auto miss :
         {std::string{}, name + " ", " " + name, name.substr(1), "X" + name}) {
      Enum untouched = x;
      CAF_CHECK(!from_string(miss, untouched));
      CAF_CHECK(untouched == x);
    }
  }
  // Two values never share a name.
  for (auto a : all)
    for (auto b : all)
      CAF_CHECK((a == b) == (to_string(a) == to_string(b)));
}

struct stored_world {
  temp_dir dir;
  std::string path = dir.path + "/alter.db";

  stored_world() {
    sqlite_store db{path};
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
      k.key_type = key_type::agent;
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

  /// Writes as another program would, past the store.
  void raw_sql(const char* statement) {
    database raw{path};
    raw.exec(statement);
  }
};

} // namespace

CAF_TEST(every stored name reads back as itself and near misses are no names) {
  check_names({key_type::runtime, key_type::agent, key_type::derived,
               key_type::personal, key_type::legacy});
  check_names({key_status::active, key_status::deprecated, key_status::revoked});
  check_names({agent_status::active, agent_status::inactive, agent_status::revoked});
  check_names({agent_type::agent, agent_type::service});
  check_names({grant_status::active, grant_status::revoked, grant_status::expired});
  check_names({grant_kind::oauth, grant_kind::managed_secret});
  check_names({principal_type::agent, principal_type::user, principal_type::group,
               principal_type::system});
  check_names({app_user_status::active, app_user_status::suspended});
  check_names({approval_state::pending, approval_state::approved,
               approval_state::denied, approval_state::expired,
               approval_state::executing, approval_state::executed,
               approval_state::failed});
  check_names({session_kind::connect, session_kind::auth});
  check_names({session_status::pending, session_status::completed,
               session_status::denied, session_status::expired});
  check_names({audit_outcome::success, audit_outcome::error, audit_outcome::denied,
               audit_outcome::pending});
}

CAF_TEST(the names the store writes are the wire names) {
  stored_world w;
  database raw{w.path};
  auto text = [&](const char* sql) {
    auto s = raw.prepare(sql);
    CAF_REQUIRE(s.step());
    return s.text(0);
  };
  CAF_CHECK_EQUAL(text("SELECT key_type || status FROM api_keys WHERE id = 'key_1'"),
                  "agentactive");
  CAF_CHECK_EQUAL(text("SELECT type || status FROM agents"), "agentactive");
  CAF_CHECK_EQUAL(text("SELECT grant_kind || principal_type || status FROM grants "
                       "WHERE id = 'grant_1'"),
                  "managed_secretagentactive");
  CAF_CHECK_EQUAL(text("SELECT status FROM approvals"), "approved");
  CAF_CHECK_EQUAL(text("SELECT kind || status FROM interactive_sessions "
                       "WHERE token_hash = 'session_1'"),
                  "connectpending");
  CAF_CHECK_EQUAL(text("SELECT status FROM app_users"), "active");
}

CAF_TEST(an unknown name in the database reads as the value that refuses) {
  stored_world w;
  w.raw_sql("UPDATE api_keys SET status = 'Active' WHERE id = 'key_1'");
  w.raw_sql("UPDATE api_keys SET key_type = 'admin' WHERE id = 'key_2'");
  w.raw_sql("UPDATE agents SET status = 'active ', type = 'robot'");
  w.raw_sql("UPDATE grants SET status = 'ok' WHERE id = 'grant_1'");
  w.raw_sql("UPDATE grants SET grant_kind = 'token' WHERE id = 'grant_2'");
  w.raw_sql("UPDATE grants SET principal_type = 'anyone' WHERE id = 'grant_3'");
  w.raw_sql("UPDATE approvals SET status = 'approved\x01'");
  w.raw_sql("UPDATE interactive_sessions SET status = 'done' "
            "WHERE token_hash = 'session_1'");
  w.raw_sql("UPDATE interactive_sessions SET kind = 'open' "
            "WHERE token_hash = 'session_2'");
  w.raw_sql("UPDATE app_users SET status = ''");
  sqlite_store db{w.path};
  auto now = std::chrono::system_clock::now();
  for (const char* id : {"key_1", "key_2"}) {
    auto key = db.accounts().find_key(id);
    CAF_REQUIRE(key.has_value());
    CAF_CHECK(key->status == key_status::revoked);
    CAF_CHECK(!key_is_live(*key, now));
  }
  auto agent = db.accounts().find_agent("agent_1");
  CAF_REQUIRE(agent.has_value());
  CAF_CHECK(agent->status == agent_status::revoked);
  CAF_CHECK(!agent_is_live(*agent));
  CAF_CHECK(!agent_may_act(*agent));
  for (const char* id : {"grant_1", "grant_2", "grant_3"}) {
    auto g = db.grants().find(id);
    CAF_REQUIRE(g.has_value());
    CAF_CHECK(g->status == grant_status::revoked);
    CAF_CHECK(grant_unusable(*g, now) == error_code::grant_revoked);
  }
  auto approval = db.approvals().find("apr_1");
  CAF_REQUIRE(approval.has_value());
  CAF_CHECK(approval->status == approval_state::failed);
  for (const char* hash : {"session_1", "session_2"}) {
    auto s = db.sessions().find(hash);
    CAF_REQUIRE(s.has_value());
    CAF_CHECK(s->status == session_status::denied);
  }
  CAF_CHECK(db.accounts().user_for_subject("app_1", "erin").status
            == app_user_status::suspended);
}
