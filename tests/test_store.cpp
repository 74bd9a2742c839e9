// The SQLite store: the store's contract (store_conformance.hpp, shared with
// the PostgreSQL store's suite store_postgres) and what is SQLite's own: schema
// migrations (a database of the layout before versions upgraded with its data,
// a newer one refused).
#define CAF_SUITE store
#include "caf/test/unit_test.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "alter/backend/bootstrap.hpp"
#include "alter/backend/store/schema_version_error.hpp"
#include "alter/backend/store/sqlite/database.hpp"
#include "alter/backend/store/sqlite/sqlite_store.hpp"

#include "alter/backend/encryption/master_key.hpp"

#include "temp_files.hpp"

using namespace alter;
using namespace alter::testing;
using backend::sqlite_store;

namespace {

// The tables exactly as the backend made them before it recorded schema
// versions (frozen from backend/store/store.cpp at 141b659): its CREATE statements,
// then the columns and indexes it added on every open (ignoring those that failed, as
// it did: some columns are in the CREATE statements too).
constexpr const char* unversioned_tables = R"sql(
CREATE TABLE IF NOT EXISTS apps(
  id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agents(
  id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id), name TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '', type TEXT NOT NULL DEFAULT 'agent',
  status TEXT NOT NULL DEFAULT 'active', metadata_json TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS agents_live_name ON agents(app_id, name)
  WHERE status != 'revoked';
CREATE TABLE IF NOT EXISTS api_keys(
  id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, key_prefix TEXT NOT NULL,
  key_type TEXT NOT NULL, app_id TEXT NOT NULL REFERENCES apps(id),
  agent_id TEXT REFERENCES agents(id), name TEXT NOT NULL DEFAULT '',
  scopes_json TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active',
  created_at TEXT NOT NULL, expires_at TEXT);
CREATE TABLE IF NOT EXISTS providers(
  id TEXT PRIMARY KEY, base_url TEXT NOT NULL, display_name TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS managed_secrets(
  id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id), slug TEXT NOT NULL,
  name TEXT NOT NULL, provider_id TEXT NOT NULL REFERENCES providers(id),
  value TEXT NOT NULL, injection_header TEXT NOT NULL, injection_format TEXT NOT NULL,
  additional_credentials_json TEXT NOT NULL DEFAULT '{}',
  additional_injections_json TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL,
  value_lookup TEXT);
CREATE TABLE IF NOT EXISTS grants(
  id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id),
  grant_kind TEXT NOT NULL, managed_secret_id TEXT REFERENCES managed_secrets(id),
  provider_id TEXT NOT NULL, principal_type TEXT NOT NULL,
  agent_id TEXT REFERENCES agents(id), label TEXT NOT NULL DEFAULT '',
  account_identifier TEXT NOT NULL DEFAULT '', scopes_json TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL DEFAULT 'active', expires_at TEXT, created_at TEXT NOT NULL,
  last_used_at TEXT);
CREATE INDEX IF NOT EXISTS grants_by_principal ON grants(app_id, agent_id, provider_id);
CREATE TABLE IF NOT EXISTS audit_log(
  id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,
  request_id TEXT NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL,
  app_id TEXT, agent_id TEXT, api_key_id TEXT, caller_key_prefix TEXT, caller TEXT,
  caller_type TEXT, grant_id TEXT, provider_id TEXT, method TEXT, url TEXT,
  status_code INTEGER, error_code TEXT, reason TEXT, context_json TEXT, run_id TEXT,
  thread_id TEXT, tool_call_id TEXT, latency_ms INTEGER, principal_type TEXT,
  grant_kind TEXT, approval_id TEXT, request_headers_json TEXT, request_body TEXT,
  body_truncated INTEGER NOT NULL DEFAULT 0, decided_by TEXT);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_log(app_id, created_at, id);
CREATE TABLE IF NOT EXISTS rules(
  id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id), name TEXT NOT NULL,
  target_type TEXT NOT NULL, target_id TEXT NOT NULL, rule_type TEXT NOT NULL,
  rule_body_json TEXT NOT NULL, enabled INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS rules_by_target ON rules(app_id, target_type, target_id);
CREATE TABLE IF NOT EXISTS approvals(
  id TEXT PRIMARY KEY, app_id TEXT NOT NULL, agent_id TEXT, api_key_id TEXT,
  grant_id TEXT NOT NULL, provider_id TEXT NOT NULL, rule_id TEXT,
  request_json TEXT NOT NULL, method TEXT NOT NULL, url TEXT NOT NULL,
  reason TEXT NOT NULL, caller TEXT, caller_type TEXT, run_id TEXT, thread_id TEXT,
  tool_call_id TEXT, idempotency_key TEXT, status TEXT NOT NULL,
  created_at TEXT NOT NULL, expires_at TEXT NOT NULL, decided_at TEXT,
  decided_by TEXT, decision_reason TEXT, executed_at TEXT, result_status INTEGER,
  result_json TEXT);
CREATE TABLE IF NOT EXISTS approvers(
  id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id), name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS approver_sessions(
  session_hash TEXT PRIMARY KEY, approver_id TEXT NOT NULL REFERENCES approvers(id),
  csrf_token TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS delegations(
  grant_id TEXT NOT NULL REFERENCES grants(id), agent_id TEXT NOT NULL,
  created_at TEXT NOT NULL, revoked_at TEXT, PRIMARY KEY(grant_id, agent_id));
CREATE INDEX IF NOT EXISTS delegations_by_agent ON delegations(agent_id);
CREATE TABLE IF NOT EXISTS app_users(
  id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id),
  subject TEXT NOT NULL, status TEXT NOT NULL, group_ids_json TEXT NOT NULL,
  created_at TEXT NOT NULL, UNIQUE(app_id, subject));
CREATE TABLE IF NOT EXISTS interactive_sessions(
  token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, app_id TEXT NOT NULL,
  agent_id TEXT, user_id TEXT, request_json TEXT NOT NULL, status TEXT NOT NULL,
  result_json TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS backend_settings(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS barrier_keys(
  id INTEGER PRIMARY KEY, sealed_key BLOB NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency(
  app_id TEXT NOT NULL, idem_key TEXT NOT NULL, request_hash TEXT NOT NULL,
  state TEXT NOT NULL, response_status INTEGER, response_body TEXT,
  created_at TEXT NOT NULL, PRIMARY KEY(app_id, idem_key));
CREATE TABLE IF NOT EXISTS local_idp_users(
  name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at TEXT NOT NULL);
)sql";

constexpr const char* unversioned_additions[] = {
    "ALTER TABLE audit_log ADD COLUMN principal_type TEXT",
    "ALTER TABLE audit_log ADD COLUMN grant_kind TEXT",
    "ALTER TABLE audit_log ADD COLUMN approval_id TEXT",
    "ALTER TABLE audit_log ADD COLUMN request_headers_json TEXT",
    "ALTER TABLE audit_log ADD COLUMN request_body TEXT",
    "ALTER TABLE audit_log ADD COLUMN body_truncated INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE audit_log ADD COLUMN decided_by TEXT",
    "ALTER TABLE audit_log ADD COLUMN trace_json TEXT",
    "ALTER TABLE api_keys ADD COLUMN deprecated_at TEXT",
    "ALTER TABLE api_keys ADD COLUMN revoked_at TEXT",
    "ALTER TABLE api_keys ADD COLUMN parent_key_id TEXT",
    "ALTER TABLE agents ADD COLUMN scopes_json TEXT NOT NULL DEFAULT '{}'",
    "ALTER TABLE agents ADD COLUMN policy_json TEXT NOT NULL DEFAULT '{}'",
    "ALTER TABLE grants ADD COLUMN principal_id TEXT",
    "ALTER TABLE grants ADD COLUMN revoked_at TEXT",
    "ALTER TABLE managed_secrets ADD COLUMN value_lookup TEXT",
    "DROP INDEX IF EXISTS secrets_by_value",
    "CREATE INDEX IF NOT EXISTS secrets_by_lookup "
    "ON managed_secrets(provider_id, value_lookup)",
};

/// Rows every layout since the first one holds: an app, an agent, a provider,
/// a managed secret (clear, as the first versions kept it), a grant, an audit row.
void write_rows(backend::database& raw) {
  raw.exec("INSERT INTO apps VALUES('app-1', 'old app', '2025-01-01T00:00:00.000Z')");
  raw.exec("INSERT INTO agents(id, app_id, name, created_at) "
           "VALUES('agent-1', 'app-1', 'old-agent', '2025-01-01T00:00:00.000Z')");
  raw.exec("INSERT INTO api_keys(id, key_hash, key_prefix, key_type, app_id, "
           "agent_id, scopes_json, created_at) VALUES('key-1', 'hash-1', 'alt_', "
           "'agent', 'app-1', 'agent-1', '[\"tokens:retrieve\"]', "
           "'2025-01-01T00:00:00.000Z')");
  raw.exec("INSERT INTO providers VALUES('sim-bearer', 'https://127.0.0.1:1/sim', '')");
  raw.exec("INSERT INTO managed_secrets(id, app_id, slug, name, provider_id, value, "
           "injection_header, injection_format, created_at) VALUES('ms-1', 'app-1', "
           "'s', 'n', 'sim-bearer', 'old-credential', 'Authorization', "
           "'Bearer {token}', '2025-01-01T00:00:00.000Z')");
  raw.exec("INSERT INTO grants(id, app_id, grant_kind, managed_secret_id, "
           "provider_id, principal_type, agent_id, created_at) VALUES('grant-1', "
           "'app-1', 'managed_secret', 'ms-1', 'sim-bearer', 'agent', 'agent-1', "
           "'2025-01-01T00:00:00.000Z')");
  raw.exec("INSERT INTO audit_log(created_at, request_id, action, outcome, app_id) "
           "VALUES('2025-01-01T00:00:00.000Z', 'req-1', 'token.retrieved', "
           "'success', 'app-1')");
}

int64_t count_of(backend::database& raw, const std::string& sql) {
  auto s = raw.prepare(sql);
  return s.step() ? s.integer(0) : -1;
}

/// The rows of write_rows, read through the new code.
void check_rows_survived(sqlite_store& db) {
  auto agent = db.accounts().find_agent("agent-1");
  CAF_REQUIRE(agent.has_value());
  CAF_CHECK_EQUAL(agent->name, "old-agent");
  CAF_CHECK_EQUAL(agent->scopes_json, "{}");
  auto key = db.accounts().find_key_by_hash("hash-1");
  CAF_REQUIRE(key.has_value());
  CAF_CHECK_EQUAL(key->agent_id, "agent-1");
  auto grant = db.grants().find("grant-1");
  CAF_REQUIRE(grant.has_value());
  CAF_CHECK_EQUAL(grant->managed_secret_id, "ms-1");
  auto secret = db.secrets().find("ms-1");
  CAF_REQUIRE(secret.has_value());
  CAF_CHECK_EQUAL(secret->value, "old-credential");
  CAF_CHECK(db.secrets().find_by_value("sim-bearer", "old-credential").has_value());
  auto rows = db.audit().rows(10);
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0].request_id, "req-1");
}

void check_current_layout(const std::string& db_path) {
  backend::database raw{db_path};
  CAF_CHECK_EQUAL(count_of(raw, "PRAGMA user_version"), 8);
  // 005: the nonce and rate-limit ledgers; 006: OAuth tokens and flows.
  for (const char* table :
       {"request_nonces", "rate_limit_calls", "oauth_tokens", "oauth_flows"}) {
    auto tables = count_of(raw, std::string{"SELECT count(*) FROM sqlite_master "
                                            "WHERE type = 'table' AND name = '"}
                                    + table + "'");
    CAF_CHECK_EQUAL(tables, 1);
  }
  for (const char* column :
       {"SELECT count(*) FROM pragma_table_info('audit_log') WHERE name = 'trace_json'",
        "SELECT count(*) FROM pragma_table_info('api_keys') "
        "WHERE name = 'parent_key_id'",
        "SELECT count(*) FROM pragma_table_info('grants') WHERE name = 'principal_id'",
        "SELECT count(*) FROM sqlite_master WHERE name = 'api_keys_by_parent'",
        "SELECT count(*) FROM sqlite_master WHERE name = 'api_keys_by_agent'",
        "SELECT count(*) FROM pragma_table_info('idempotency') WHERE name = 'owner'",
        "SELECT count(*) FROM sqlite_master WHERE name = 'idempotency_by_age'",
        "SELECT count(*) FROM pragma_table_info('providers') "
        "WHERE name = 'oauth_client_secret'",
        "SELECT count(*) FROM pragma_table_info('providers') "
        "WHERE name = 'required_scopes_json'",
        // 007: approval gates
        "SELECT count(*) FROM pragma_table_info('approvals') WHERE name = "
        "'gates_json'",
        // 008: traceparents
        "SELECT count(*) FROM pragma_table_info('audit_log') WHERE name = "
        "'traceparent'",
        "SELECT count(*) FROM pragma_table_info('approvals') WHERE name = "
        "'traceparent'"})
    CAF_CHECK_EQUAL(count_of(raw, column), 1);
}

} // namespace

CAF_TEST(a database of the layout before versions is upgraded with its data) {
  temp_dir dir;
  auto db_path = dir.path + "/alter.db";
  {
    backend::database raw{db_path};
    raw.exec(unversioned_tables);
    for (const char* sql : unversioned_additions) {
      try {
        raw.exec(sql);
      } catch (const backend::sqlite_error&) {
        // As then: a column the CREATE statement already has.
      }
    }
    write_rows(raw);
    CAF_REQUIRE_EQUAL(count_of(raw, "PRAGMA user_version"), 0);
  }
  {
    sqlite_store db{db_path};
    check_rows_survived(db);
  }
  check_current_layout(db_path);
  // Opening again changes nothing.
  sqlite_store again{db_path};
  check_rows_survived(again);
}

CAF_TEST(a database of the first layout gets the columns added since) {
  temp_dir dir;
  auto db_path = dir.path + "/alter.db";
  {
    backend::database raw{db_path};
    raw.exec(unversioned_tables);
    write_rows(raw);
    CAF_REQUIRE_EQUAL(count_of(raw, "SELECT count(*) FROM pragma_table_info('agents') "
                                    "WHERE name = 'scopes_json'"),
                      0);
  }
  {
    sqlite_store db{db_path};
    check_rows_survived(db);
    auto agent = *db.accounts().find_agent("agent-1");
    agent.policy_json = R"({"team":"a"})";
    db.accounts().update_agent(agent);
    auto updated = db.accounts().find_agent("agent-1");
    CAF_REQUIRE(updated.has_value());
    CAF_CHECK_EQUAL(updated->policy_json, agent.policy_json);
  }
  check_current_layout(db_path);
}

CAF_TEST(a database of a newer schema version is refused naming both versions) {
  temp_dir dir;
  auto db_path = dir.path + "/alter.db";
  { sqlite_store first{db_path}; }
  {
    backend::database raw{db_path};
    raw.exec("PRAGMA user_version = 9");
  }
  std::string message;
  int found = 0;
  int supported = 0;
  try {
    sqlite_store refused{db_path};
  } catch (const backend::schema_version_error& e) {
    message = e.what();
    found = e.found();
    supported = e.supported();
  }
  CAF_CHECK_EQUAL(found, 9);
  CAF_CHECK_EQUAL(supported, 8);
  CAF_CHECK_NOT_EQUAL(message.find("schema version 9"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(message.find("program's 8"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(message.find(db_path), std::string::npos);
  // Nothing was changed.
  backend::database raw{db_path};
  CAF_CHECK_EQUAL(count_of(raw, "PRAGMA user_version"), 9);
}

namespace {

/// The conformance suite's SQLite: a file in a directory of its own, its
/// master key given as base64 so that every store on the file uses it.
struct store_fixture {
  temp_dir dir;
  std::string path = dir.path + "/alter.db";
  std::string key = backend::master_key::generate().to_base64();

  const std::string& master_key_base64() const {
    return key;
  }
  std::unique_ptr<backend::store> open() {
    return std::make_unique<sqlite_store>(path, backend::master_key_options{{}, key});
  }
  std::unique_ptr<backend::store> reopen() {
    return open();
  }
  std::unique_ptr<backend::store> reopen_with(const std::string& base64) {
    return std::make_unique<sqlite_store>(path,
                                          backend::master_key_options{{}, base64});
  }
  void raw_sql(const char* sql) {
    backend::database raw{path};
    raw.exec(sql);
  }
  std::string raw_text(const char* sql) {
    backend::database raw{path};
    auto s = raw.prepare(sql);
    CAF_REQUIRE(s.step());
    return s.text(0);
  }
};

} // namespace

#include "store_conformance.hpp"
