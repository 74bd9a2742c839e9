#include "alter/backend/store/sqlite/migrations.hpp"

#include <array>

#include "alter/backend/store/schema_version_error.hpp"
#include "alter/backend/store/sqlite/connection.hpp"

namespace alter::backend {

namespace {

// 001: the tables as the backend created them before it recorded versions.
constexpr const char* initial_schema = R"sql(
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

/// A column added to a table after it was first created.
struct added_column {
  const char* table;
  const char* name;
  const char* declaration;
};

// 002: the columns that unversioned backends added on every open with ALTER
// TABLE (a database may have any subset of them), and the lookup hash index
// that replaced an index of the secret values themselves.
constexpr std::array<added_column, 16> columns_added_before_versions{{
    {"audit_log", "principal_type", "TEXT"},
    {"audit_log", "grant_kind", "TEXT"},
    {"audit_log", "approval_id", "TEXT"},
    {"audit_log", "request_headers_json", "TEXT"},
    {"audit_log", "request_body", "TEXT"},
    {"audit_log", "body_truncated", "INTEGER NOT NULL DEFAULT 0"},
    {"audit_log", "decided_by", "TEXT"},
    {"audit_log", "trace_json", "TEXT"},
    {"api_keys", "deprecated_at", "TEXT"},
    {"api_keys", "revoked_at", "TEXT"},
    {"api_keys", "parent_key_id", "TEXT"},
    {"agents", "scopes_json", "TEXT NOT NULL DEFAULT '{}'"},
    {"agents", "policy_json", "TEXT NOT NULL DEFAULT '{}'"},
    {"grants", "principal_id", "TEXT"},
    {"grants", "revoked_at", "TEXT"},
    {"managed_secrets", "value_lookup", "TEXT"},
}};

bool has_column(database& db, const char* table, const char* column) {
  auto s = db.prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2");
  s.bind(1, table).bind(2, column);
  return s.step();
}

void initial_tables(database& db) {
  db.exec(initial_schema);
}

void columns_added_before_versioning(database& db) {
  for (const auto& c : columns_added_before_versions)
    if (!has_column(db, c.table, c.name))
      db.exec((std::string{"ALTER TABLE "} + c.table + " ADD COLUMN " + c.name + " "
               + c.declaration)
                  .c_str());
  db.exec("DROP INDEX IF EXISTS secrets_by_value");
  db.exec("CREATE INDEX IF NOT EXISTS secrets_by_lookup "
          "ON managed_secrets(provider_id, value_lookup)");
}

// 003: revoking or capping a key walks the keys derived from it, and an
// agent's keys are listed by agent: both searched every key row before.
void key_lineage_indexes(database& db) {
  db.exec("CREATE INDEX IF NOT EXISTS api_keys_by_parent ON api_keys(parent_key_id)");
  db.exec("CREATE INDEX IF NOT EXISTS api_keys_by_agent ON api_keys(agent_id)");
}

// 004: claims name their owner (a process), so that a restart settles only
// the claims of processes that died; finished claims are pruned by age.
void idempotency_owners(database& db) {
  if (!has_column(db, "idempotency", "owner"))
    db.exec("ALTER TABLE idempotency ADD COLUMN owner TEXT");
  db.exec("CREATE INDEX IF NOT EXISTS idempotency_by_age ON idempotency(created_at)");
}

// 005: what instances sharing the database share beyond the rows: the nonces
// of accepted requests (the table an older backend made outside the
// migrations keeps its rows) and the calls rate limits count.
void shared_ledgers(database& db) {
  db.exec("CREATE TABLE IF NOT EXISTS request_nonces ("
          " nonce TEXT PRIMARY KEY,"
          " expires_at INTEGER NOT NULL) WITHOUT ROWID");
  db.exec("CREATE INDEX IF NOT EXISTS request_nonces_by_expiry"
          " ON request_nonces(expires_at)");
  db.exec("CREATE TABLE IF NOT EXISTS rate_limit_calls ("
          " limit_key TEXT NOT NULL,"
          " at_ms INTEGER NOT NULL)");
  db.exec("CREATE INDEX IF NOT EXISTS rate_limit_calls_by_key"
          " ON rate_limit_calls(limit_key, at_ms)");
  db.exec("CREATE INDEX IF NOT EXISTS rate_limit_calls_by_age"
          " ON rate_limit_calls(at_ms)");
}

// 006: OAuth 2.0: a provider's authorization server and this backend's
// client there, each OAuth grant's tokens with their refresh lease, and the
// authorization requests under way.
void oauth_tokens(database& db) {
  for (const auto* column : {"oauth_authorize_url", "oauth_token_url",
                             "oauth_client_id", "required_scopes_json"})
    if (!has_column(db, "providers", column))
      db.exec((std::string{"ALTER TABLE providers ADD COLUMN "} + column
               + " TEXT NOT NULL DEFAULT ''")
                  .c_str());
  if (!has_column(db, "providers", "oauth_client_secret"))
    db.exec("ALTER TABLE providers ADD COLUMN oauth_client_secret BLOB");
  db.exec("CREATE TABLE IF NOT EXISTS oauth_tokens ("
          " grant_id TEXT PRIMARY KEY REFERENCES grants(id),"
          " access_token BLOB NOT NULL, refresh_token BLOB NOT NULL,"
          " expires_at TEXT NOT NULL, scopes_json TEXT NOT NULL,"
          " state TEXT NOT NULL, refreshed_at TEXT NOT NULL,"
          " lease_owner TEXT NOT NULL, lease_until TEXT NOT NULL,"
          " generation INTEGER NOT NULL)");
  db.exec("CREATE INDEX IF NOT EXISTS oauth_tokens_by_expiry"
          " ON oauth_tokens(state, expires_at)");
  db.exec("CREATE TABLE IF NOT EXISTS oauth_flows ("
          " state_hash TEXT PRIMARY KEY, session_hash TEXT NOT NULL,"
          " provider_id TEXT NOT NULL, verifier BLOB NOT NULL,"
          " redirect_uri TEXT NOT NULL, created_at TEXT NOT NULL,"
          " expires_at TEXT NOT NULL)");
}

// 007: a held call's gates, one per rule that holds it, each with its
// approvers and decision (approvals/approval_gates.hpp); '' for the calls held
// before: one gate, any approver.
void approval_gates(database& db) {
  if (!has_column(db, "approvals", "gates_json"))
    db.exec("ALTER TABLE approvals ADD COLUMN gates_json TEXT NOT NULL DEFAULT ''");
}

// 008: the W3C traceparent of each audited call and of each held call (whose
// execution is audited later); NULL for the rows from before.
void traceparents(database& db) {
  if (!has_column(db, "audit_log", "traceparent"))
    db.exec("ALTER TABLE audit_log ADD COLUMN traceparent TEXT");
  if (!has_column(db, "approvals", "traceparent"))
    db.exec("ALTER TABLE approvals ADD COLUMN traceparent TEXT");
}

struct migration {
  int version;
  void (*apply)(database&);
};

constexpr std::array<migration, 8> migrations{{
    {1, initial_tables},
    {2, columns_added_before_versioning},
    {3, key_lineage_indexes},
    {4, idempotency_owners},
    {5, shared_ledgers},
    {6, oauth_tokens},
    {7, approval_gates},
    {8, traceparents},
}};

void refuse_newer(database& db, const std::string& path) {
  auto found = schema_version(db);
  if (found > current_schema_version())
    throw schema_version_error(path, found, current_schema_version());
}

} // namespace

int current_schema_version() {
  return migrations.back().version;
}

int schema_version(database& db) {
  auto s = db.prepare("PRAGMA user_version");
  return s.step() ? static_cast<int>(s.integer(0)) : 0;
}

void migrate(database& db, const std::string& path) {
  refuse_newer(db, path);
  for (const auto& m : migrations) {
    if (schema_version(db) >= m.version)
      continue;
    run_in_transaction(db, [&] {
      // Another process may have migrated since the check above.
      refuse_newer(db, path);
      if (schema_version(db) >= m.version)
        return;
      m.apply(db);
      db.exec(("PRAGMA user_version = " + std::to_string(m.version)).c_str());
    });
  }
}

} // namespace alter::backend
