#include "alter/backend/store/postgres/migrations.hpp"

#include <array>

#include "alter/backend/store/postgres/pool.hpp"
#include "alter/backend/store/schema_version_error.hpp"

namespace alter::backend {

namespace {

// The schema means what SQLite's migrations 001-004 (sqlite/migrations.cpp)
// mean: the same tables, columns and indexes under the same numbers. A
// PostgreSQL database was never written without versions, so 001 already has
// the columns that SQLite's 002 adds to old files. Timestamps are ISO 8601
// text compared byte by byte (COLLATE "C", as SQLite compares), sealed cells
// and raw request bodies are BYTEA.

// 001: the tables.
constexpr const char* initial_schema = R"sql(
CREATE TABLE apps(
  id TEXT COLLATE "C" PRIMARY KEY, name TEXT COLLATE "C" NOT NULL, created_at TEXT COLLATE "C" NOT NULL);
CREATE TABLE agents(
  id TEXT COLLATE "C" PRIMARY KEY, app_id TEXT COLLATE "C" NOT NULL REFERENCES apps(id), name TEXT COLLATE "C" NOT NULL,
  display_name TEXT COLLATE "C" NOT NULL DEFAULT '', type TEXT COLLATE "C" NOT NULL DEFAULT 'agent',
  status TEXT COLLATE "C" NOT NULL DEFAULT 'active', metadata_json TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  created_at TEXT COLLATE "C" NOT NULL, scopes_json TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  policy_json TEXT COLLATE "C" NOT NULL DEFAULT '{}');
CREATE UNIQUE INDEX agents_live_name ON agents(app_id, name)
  WHERE status != 'revoked';
CREATE TABLE api_keys(
  id TEXT COLLATE "C" PRIMARY KEY, key_hash TEXT COLLATE "C" NOT NULL UNIQUE, key_prefix TEXT COLLATE "C" NOT NULL,
  key_type TEXT COLLATE "C" NOT NULL, app_id TEXT COLLATE "C" NOT NULL REFERENCES apps(id),
  agent_id TEXT COLLATE "C" REFERENCES agents(id), name TEXT COLLATE "C" NOT NULL DEFAULT '',
  scopes_json TEXT COLLATE "C" NOT NULL, status TEXT COLLATE "C" NOT NULL DEFAULT 'active',
  created_at TEXT COLLATE "C" NOT NULL, expires_at TEXT COLLATE "C", deprecated_at TEXT COLLATE "C", revoked_at TEXT COLLATE "C",
  parent_key_id TEXT COLLATE "C");
CREATE TABLE providers(
  id TEXT COLLATE "C" PRIMARY KEY, base_url TEXT COLLATE "C" NOT NULL, display_name TEXT COLLATE "C" NOT NULL DEFAULT '');
CREATE TABLE managed_secrets(
  id TEXT COLLATE "C" PRIMARY KEY, app_id TEXT COLLATE "C" NOT NULL REFERENCES apps(id), slug TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL, provider_id TEXT COLLATE "C" NOT NULL REFERENCES providers(id),
  value BYTEA NOT NULL, injection_header TEXT COLLATE "C" NOT NULL, injection_format TEXT COLLATE "C" NOT NULL,
  additional_credentials_json BYTEA NOT NULL,
  additional_injections_json TEXT COLLATE "C" NOT NULL DEFAULT '[]', created_at TEXT COLLATE "C" NOT NULL,
  value_lookup TEXT COLLATE "C");
CREATE TABLE grants(
  id TEXT COLLATE "C" PRIMARY KEY, app_id TEXT COLLATE "C" NOT NULL REFERENCES apps(id),
  grant_kind TEXT COLLATE "C" NOT NULL, managed_secret_id TEXT COLLATE "C" REFERENCES managed_secrets(id),
  provider_id TEXT COLLATE "C" NOT NULL, principal_type TEXT COLLATE "C" NOT NULL,
  agent_id TEXT COLLATE "C" REFERENCES agents(id), label TEXT COLLATE "C" NOT NULL DEFAULT '',
  account_identifier TEXT COLLATE "C" NOT NULL DEFAULT '', scopes_json TEXT COLLATE "C" NOT NULL DEFAULT '[]',
  status TEXT COLLATE "C" NOT NULL DEFAULT 'active', expires_at TEXT COLLATE "C", created_at TEXT COLLATE "C" NOT NULL,
  last_used_at TEXT COLLATE "C", principal_id TEXT COLLATE "C", revoked_at TEXT COLLATE "C");
CREATE INDEX grants_by_principal ON grants(app_id, agent_id, provider_id);
CREATE TABLE audit_log(
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, created_at TEXT COLLATE "C" NOT NULL,
  request_id TEXT COLLATE "C" NOT NULL, action TEXT COLLATE "C" NOT NULL, outcome TEXT COLLATE "C" NOT NULL,
  app_id TEXT COLLATE "C", agent_id TEXT COLLATE "C", api_key_id TEXT COLLATE "C", caller_key_prefix TEXT COLLATE "C", caller TEXT COLLATE "C",
  caller_type TEXT COLLATE "C", grant_id TEXT COLLATE "C", provider_id TEXT COLLATE "C", method TEXT COLLATE "C", url TEXT COLLATE "C",
  status_code BIGINT, error_code TEXT COLLATE "C", reason TEXT COLLATE "C", context_json TEXT COLLATE "C", run_id TEXT COLLATE "C",
  thread_id TEXT COLLATE "C", tool_call_id TEXT COLLATE "C", latency_ms BIGINT, principal_type TEXT COLLATE "C",
  grant_kind TEXT COLLATE "C", approval_id TEXT COLLATE "C", request_headers_json TEXT COLLATE "C", request_body BYTEA,
  body_truncated BIGINT NOT NULL DEFAULT 0, decided_by TEXT COLLATE "C", trace_json TEXT COLLATE "C");
CREATE INDEX audit_by_time ON audit_log(app_id, created_at, id);
CREATE TABLE rules(
  id TEXT COLLATE "C" PRIMARY KEY, app_id TEXT COLLATE "C" NOT NULL REFERENCES apps(id), name TEXT COLLATE "C" NOT NULL,
  target_type TEXT COLLATE "C" NOT NULL, target_id TEXT COLLATE "C" NOT NULL, rule_type TEXT COLLATE "C" NOT NULL,
  rule_body_json TEXT COLLATE "C" NOT NULL, enabled BIGINT NOT NULL, created_at TEXT COLLATE "C" NOT NULL);
CREATE INDEX rules_by_target ON rules(app_id, target_type, target_id);
CREATE TABLE approvals(
  id TEXT COLLATE "C" PRIMARY KEY, app_id TEXT COLLATE "C" NOT NULL, agent_id TEXT COLLATE "C", api_key_id TEXT COLLATE "C",
  grant_id TEXT COLLATE "C" NOT NULL, provider_id TEXT COLLATE "C" NOT NULL, rule_id TEXT COLLATE "C",
  request_json TEXT COLLATE "C" NOT NULL, method TEXT COLLATE "C" NOT NULL, url TEXT COLLATE "C" NOT NULL,
  reason TEXT COLLATE "C" NOT NULL, caller TEXT COLLATE "C", caller_type TEXT COLLATE "C", run_id TEXT COLLATE "C", thread_id TEXT COLLATE "C",
  tool_call_id TEXT COLLATE "C", idempotency_key TEXT COLLATE "C", status TEXT COLLATE "C" NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL, expires_at TEXT COLLATE "C" NOT NULL, decided_at TEXT COLLATE "C",
  decided_by TEXT COLLATE "C", decision_reason TEXT COLLATE "C", executed_at TEXT COLLATE "C", result_status BIGINT,
  result_json BYTEA);
CREATE TABLE approvers(
  id TEXT COLLATE "C" PRIMARY KEY, app_id TEXT COLLATE "C" NOT NULL REFERENCES apps(id), name TEXT COLLATE "C" NOT NULL,
  token_hash TEXT COLLATE "C" NOT NULL UNIQUE, created_at TEXT COLLATE "C" NOT NULL);
CREATE TABLE approver_sessions(
  session_hash TEXT COLLATE "C" PRIMARY KEY, approver_id TEXT COLLATE "C" NOT NULL REFERENCES approvers(id),
  csrf_token BYTEA NOT NULL, expires_at TEXT COLLATE "C" NOT NULL);
CREATE TABLE delegations(
  grant_id TEXT COLLATE "C" NOT NULL REFERENCES grants(id), agent_id TEXT COLLATE "C" NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL, revoked_at TEXT COLLATE "C", PRIMARY KEY(grant_id, agent_id));
CREATE INDEX delegations_by_agent ON delegations(agent_id);
CREATE TABLE app_users(
  id TEXT COLLATE "C" PRIMARY KEY, app_id TEXT COLLATE "C" NOT NULL REFERENCES apps(id),
  subject TEXT COLLATE "C" NOT NULL, status TEXT COLLATE "C" NOT NULL, group_ids_json TEXT COLLATE "C" NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL, UNIQUE(app_id, subject));
CREATE TABLE interactive_sessions(
  token_hash TEXT COLLATE "C" PRIMARY KEY, kind TEXT COLLATE "C" NOT NULL, app_id TEXT COLLATE "C" NOT NULL,
  agent_id TEXT COLLATE "C", user_id TEXT COLLATE "C", request_json TEXT COLLATE "C" NOT NULL, status TEXT COLLATE "C" NOT NULL,
  result_json BYTEA NOT NULL, created_at TEXT COLLATE "C" NOT NULL, expires_at TEXT COLLATE "C" NOT NULL);
CREATE TABLE backend_settings(name TEXT COLLATE "C" PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE barrier_keys(
  id BIGINT PRIMARY KEY, sealed_key BYTEA NOT NULL, created_at TEXT COLLATE "C" NOT NULL);
CREATE TABLE idempotency(
  app_id TEXT COLLATE "C" NOT NULL, idem_key TEXT COLLATE "C" NOT NULL, request_hash TEXT COLLATE "C" NOT NULL,
  state TEXT COLLATE "C" NOT NULL, response_status BIGINT, response_body BYTEA,
  created_at TEXT COLLATE "C" NOT NULL, PRIMARY KEY(app_id, idem_key));
CREATE TABLE local_idp_users(
  name TEXT COLLATE "C" PRIMARY KEY, password_hash TEXT COLLATE "C" NOT NULL, created_at TEXT COLLATE "C" NOT NULL);
)sql";

// 002: secrets are found by a keyed hash of their value (never the value).
constexpr const char* lookup_hash_index
    = "CREATE INDEX secrets_by_lookup ON managed_secrets(provider_id, value_lookup)";

// 003: revoking or capping a key walks the keys derived from it, and an
// agent's keys are listed by agent.
constexpr const char* key_lineage_indexes
    = "CREATE INDEX api_keys_by_parent ON api_keys(parent_key_id);"
      "CREATE INDEX api_keys_by_agent ON api_keys(agent_id)";

// 004: claims name their owner (a process), so that a restart settles only
// the claims of processes that died; finished claims are pruned by age.
constexpr const char* idempotency_owners
    = "ALTER TABLE idempotency ADD COLUMN owner TEXT COLLATE \"C\";"
      "CREATE INDEX idempotency_by_age ON idempotency(created_at)";

// 005: what instances sharing the database share beyond the rows: the nonces
// of accepted requests and the calls rate limits count.
constexpr const char* shared_ledgers
    = "CREATE TABLE request_nonces(nonce TEXT COLLATE \"C\" PRIMARY KEY, "
      "expires_at BIGINT NOT NULL);"
      "CREATE INDEX request_nonces_by_expiry ON request_nonces(expires_at);"
      "CREATE TABLE rate_limit_calls(limit_key TEXT COLLATE \"C\" NOT NULL, "
      "at_ms BIGINT NOT NULL);"
      "CREATE INDEX rate_limit_calls_by_key ON rate_limit_calls(limit_key, at_ms);"
      "CREATE INDEX rate_limit_calls_by_age ON rate_limit_calls(at_ms)";

// 006: OAuth 2.0: a provider's authorization server and this backend's
// client there, each OAuth grant's tokens with their refresh lease, and the
// authorization requests under way.
constexpr const char* oauth_tokens
    = "ALTER TABLE providers ADD COLUMN oauth_authorize_url TEXT COLLATE \"C\" NOT "
      "NULL "
      "DEFAULT '', ADD COLUMN oauth_token_url TEXT COLLATE \"C\" NOT NULL DEFAULT '', "
      "ADD COLUMN oauth_client_id TEXT COLLATE \"C\" NOT NULL DEFAULT '', "
      "ADD COLUMN required_scopes_json TEXT COLLATE \"C\" NOT NULL DEFAULT '', "
      "ADD COLUMN oauth_client_secret BYTEA;"
      "CREATE TABLE oauth_tokens(grant_id TEXT COLLATE \"C\" PRIMARY KEY REFERENCES "
      "grants(id), access_token BYTEA NOT NULL, refresh_token BYTEA NOT NULL, "
      "expires_at TEXT COLLATE \"C\" NOT NULL, scopes_json TEXT COLLATE \"C\" NOT "
      "NULL, "
      "state TEXT COLLATE \"C\" NOT NULL, refreshed_at TEXT COLLATE \"C\" NOT NULL, "
      "lease_owner TEXT COLLATE \"C\" NOT NULL, lease_until TEXT COLLATE \"C\" NOT "
      "NULL, "
      "generation BIGINT NOT NULL);"
      "CREATE INDEX oauth_tokens_by_expiry ON oauth_tokens(state, expires_at);"
      "CREATE TABLE oauth_flows(state_hash TEXT COLLATE \"C\" PRIMARY KEY, "
      "session_hash TEXT COLLATE \"C\" NOT NULL, provider_id TEXT COLLATE \"C\" NOT "
      "NULL, "
      "verifier BYTEA NOT NULL, redirect_uri TEXT COLLATE \"C\" NOT NULL, "
      "created_at TEXT COLLATE \"C\" NOT NULL, expires_at TEXT COLLATE \"C\" NOT NULL)";

// 007: a held call's gates, one per rule that holds it (approval_gates.hpp);
// '' for the calls held before: one gate, any approver.
constexpr const char* approval_gates
    = "ALTER TABLE approvals ADD COLUMN gates_json TEXT COLLATE \"C\" NOT NULL "
      "DEFAULT ''";

// 008: the W3C traceparent of each audited call and of each held call (whose
// execution is audited later); NULL for the rows from before.
constexpr const char* traceparents
    = "ALTER TABLE audit_log ADD COLUMN traceparent TEXT COLLATE \"C\"; "
      "ALTER TABLE approvals ADD COLUMN traceparent TEXT COLLATE \"C\"";

struct migration {
  int version;
  const char* sql;
};

constexpr std::array<migration, 8> migrations{{
    {1, initial_schema},
    {2, lookup_hash_index},
    {3, key_lineage_indexes},
    {4, idempotency_owners},
    {5, shared_ledgers},
    {6, oauth_tokens},
    {7, approval_gates},
    {8, traceparents},
}};

/// The advisory lock key that serialises migrations ("migrate" in ASCII).
constexpr int64_t migration_lock = 0x6d696772617465;

} // namespace

int current_pg_schema_version() {
  return migrations.back().version;
}

int pg_schema_version(pg_connection& c) {
  auto exists
      = pg_query{c, "SELECT to_regclass('schema_migrations') IS NOT NULL"}.first(
          [](const pg_row& row) { return row.text(0) == "t"; });
  if (!exists || !*exists)
    return 0;
  return static_cast<int>(
      pg_query{c, "SELECT COALESCE(max(version), 0) FROM schema_migrations"}
          .first([](const pg_row& row) { return row.integer(0); })
          .value_or(0));
}

void migrate(pg_connection& c, const std::string& description) {
  run_in_transaction(c, [&] {
    // Instances starting at once take turns; the lock ends with the transaction.
    pg_query{c, "SELECT pg_advisory_xact_lock($1)"}.bind(1, migration_lock).run();
    c.exec("CREATE TABLE IF NOT EXISTS schema_migrations("
           "version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)");
    auto found = pg_schema_version(c);
    if (found > current_pg_schema_version())
      throw schema_version_error(description, found, current_pg_schema_version());
    for (const auto& m : migrations) {
      if (found >= m.version)
        continue;
      c.exec(m.sql);
      pg_query{c, "INSERT INTO schema_migrations(version, applied_at) "
                  "VALUES($1, to_char(now() AT TIME ZONE 'UTC', "
                  "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))"}
          .bind(1, int64_t{m.version})
          .run();
    }
  });
}

} // namespace alter::backend
