#include "backend/store/store.hpp"

#include "backend/encryption/barrier.hpp"
#include "backend/store/store_rows.hpp"
#include "backend/store/store_sealing.hpp"

#include <chrono>
#include <ctime>

#include <boost/json.hpp>

#include "auth/crypto.hpp"

namespace alter::backend {

namespace {

constexpr const char* schema = R"sql(
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

} // namespace

std::string to_json_array(const std::vector<std::string>& xs) {
  boost::json::array arr;
  for (const auto& x : xs)
    arr.emplace_back(x);
  return boost::json::serialize(arr);
}

std::vector<std::string> from_json_array(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array())
    return out;
  for (const auto& x : v.get_array())
    if (x.is_string())
      out.emplace_back(x.get_string());
  return out;
}

const char* const key_columns
    = "id, key_hash, key_prefix, key_type, app_id, agent_id, name, scopes_json, "
      "status, created_at, expires_at, deprecated_at, revoked_at, parent_key_id";

const char* const agent_columns = "id, app_id, name, display_name, type, status, "
                                  "metadata_json, created_at, scopes_json, policy_json";

key_record read_key(const statement& s) {
  key_record k;
  k.id = s.text(0);
  k.key_hash = s.text(1);
  k.key_prefix = s.text(2);
  k.key_type = s.text(3);
  k.app_id = s.text(4);
  k.agent_id = s.text(5);
  k.name = s.text(6);
  k.scopes = from_json_array(s.text(7));
  k.status = s.text(8);
  k.created_at = s.text(9);
  k.expires_at = s.text(10);
  k.deprecated_at = s.text(11);
  k.revoked_at = s.text(12);
  k.parent_key_id = s.text(13);
  return k;
}

agent_record read_agent(const statement& s) {
  agent_record a;
  a.id = s.text(0);
  a.app_id = s.text(1);
  a.name = s.text(2);
  a.display_name = s.text(3);
  a.type = s.text(4);
  a.status = s.text(5);
  a.metadata_json = s.text(6);
  a.created_at = s.text(7);
  a.scopes_json = s.text(8);
  a.policy_json = s.text(9);
  return a;
}

const char* const grant_columns
    = "id, app_id, grant_kind, managed_secret_id, provider_id, principal_type, "
      "agent_id, label, account_identifier, scopes_json, status, expires_at, "
      "created_at, last_used_at, principal_id, revoked_at";

grant_record read_grant(const statement& s) {
  grant_record g;
  g.id = s.text(0);
  g.app_id = s.text(1);
  g.grant_kind = s.text(2);
  g.managed_secret_id = s.text(3);
  g.provider_id = s.text(4);
  g.principal_type = s.text(5);
  g.agent_id = s.text(6);
  g.label = s.text(7);
  g.account_identifier = s.text(8);
  g.scopes = from_json_array(s.text(9));
  g.status = s.text(10);
  g.expires_at = s.text(11);
  g.created_at = s.text(12);
  g.last_used_at = s.text(13);
  g.principal_id = s.text(14);
  g.revoked_at = s.text(15);
  return g;
}

std::string now_iso8601(std::chrono::seconds offset) {
  auto now = std::chrono::system_clock::now() + offset;
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms
      = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
            .count()
        % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                tm.tm_sec, static_cast<int>(ms));
  return buf;
}

store::store(const std::string& path, const master_key_options& key) : db_(path) {
  // Deleted and overwritten cells are zeroed, so no old value (a clear one of
  // an upgraded database, an answer replaced) lingers in free space.
  db_.exec("PRAGMA secure_delete=ON");
  db_.exec(schema);
  // Databases made by earlier versions get the columns added since.
  for (const char* column :
       {"audit_log ADD COLUMN principal_type TEXT",
        "audit_log ADD COLUMN grant_kind TEXT", "audit_log ADD COLUMN approval_id TEXT",
        "audit_log ADD COLUMN request_headers_json TEXT",
        "audit_log ADD COLUMN request_body TEXT",
        "audit_log ADD COLUMN body_truncated INTEGER NOT NULL DEFAULT 0",
        "audit_log ADD COLUMN decided_by TEXT", "audit_log ADD COLUMN trace_json TEXT",
        "api_keys ADD COLUMN deprecated_at TEXT", "api_keys ADD COLUMN revoked_at TEXT",
        "api_keys ADD COLUMN parent_key_id TEXT",
        "agents ADD COLUMN scopes_json TEXT NOT NULL DEFAULT '{}'",
        "agents ADD COLUMN policy_json TEXT NOT NULL DEFAULT '{}'",
        "grants ADD COLUMN principal_id TEXT", "grants ADD COLUMN revoked_at TEXT",
        "managed_secrets ADD COLUMN value_lookup TEXT"}) {
    try {
      db_.exec((std::string{"ALTER TABLE "} + column).c_str());
    } catch (const sqlite_error&) {
      // already there
    }
  }
  // Older databases indexed the secret values themselves.
  db_.exec("DROP INDEX IF EXISTS secrets_by_value");
  db_.exec("CREATE INDEX IF NOT EXISTS secrets_by_lookup "
           "ON managed_secrets(provider_id, value_lookup)");
  open_barrier(key, path);
}

statement& store::cached(const char* sql) {
  auto i = statements_.find(sql);
  if (i == statements_.end())
    i = statements_.emplace(sql, db_.prepare(sql)).first;
  // A statement that threw mid-step last time must not carry stale state.
  i->second.reset();
  return i->second;
}

void store::insert_app(const app_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("INSERT INTO apps(id, name, created_at) VALUES(?1, ?2, ?3)");
  s.bind(1, x.id).bind(2, x.name).bind(3, x.created_at);
  s.execute();
}

void store::insert_agent(const agent_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("INSERT INTO agents(id, app_id, name, display_name, type, status, "
                   "metadata_json, created_at, scopes_json, policy_json) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  s.bind(1, x.id).bind(2, x.app_id).bind(3, x.name).bind(4, x.display_name);
  s.bind(5, x.type).bind(6, x.status).bind(7, x.metadata_json).bind(8, x.created_at);
  s.bind(9, x.scopes_json).bind(10, x.policy_json);
  s.execute();
}

void store::insert_key(const key_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("INSERT INTO api_keys(id, key_hash, key_prefix, key_type, app_id, "
                   "agent_id, name, scopes_json, status, created_at, expires_at, "
                   "parent_key_id) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  s.bind(1, x.id).bind(2, x.key_hash).bind(3, x.key_prefix).bind(4, x.key_type);
  s.bind(5, x.app_id).bind_or_null(6, x.agent_id).bind(7, x.name);
  s.bind(8, to_json_array(x.scopes)).bind(9, x.status).bind(10, x.created_at);
  s.bind_or_null(11, x.expires_at).bind_or_null(12, x.parent_key_id);
  s.execute();
}

void store::put_provider(const provider_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("INSERT OR REPLACE INTO providers(id, base_url, display_name) "
                   "VALUES(?1, ?2, ?3)");
  s.bind(1, x.id).bind(2, x.base_url).bind(3, x.display_name);
  s.execute();
}

void store::add_provider(const provider_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("INSERT INTO providers(id, base_url, display_name) "
                   "VALUES(?1, ?2, ?3) ON CONFLICT(id) DO NOTHING");
  s.bind(1, x.id).bind(2, x.base_url).bind(3, x.display_name);
  s.execute();
}

void store::insert_secret(const secret_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached(
      "INSERT INTO managed_secrets(id, app_id, slug, name, provider_id, value, "
      "injection_header, injection_format, additional_credentials_json, "
      "additional_injections_json, created_at, value_lookup) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  s.bind(1, x.id).bind(2, x.app_id).bind(3, x.slug).bind(4, x.name);
  s.bind(5, x.provider_id)
      .bind_blob(6, seal(sealed_column::secret_value, {x.id}, x.value));
  s.bind(7, x.injection_header).bind(8, x.injection_format);
  s.bind_blob(9, seal(sealed_column::secret_credentials, {x.id},
                      x.additional_credentials_json));
  s.bind(10, x.additional_injections_json).bind(11, x.created_at);
  s.bind(12, barrier_->lookup_hash(x.provider_id, x.value));
  s.execute();
}

void store::insert_grant(const grant_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached(
      "INSERT INTO grants(id, app_id, grant_kind, managed_secret_id, provider_id, "
      "principal_type, agent_id, label, account_identifier, scopes_json, status, "
      "expires_at, created_at, principal_id) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  s.bind(1, x.id).bind(2, x.app_id).bind(3, x.grant_kind);
  s.bind_or_null(4, x.managed_secret_id).bind(5, x.provider_id);
  s.bind(6, x.principal_type).bind_or_null(7, x.agent_id).bind(8, x.label);
  s.bind(9, x.account_identifier).bind(10, to_json_array(x.scopes));
  s.bind(11, x.status).bind_or_null(12, x.expires_at).bind(13, x.created_at);
  s.bind_or_null(14, x.principal_id);
  s.execute();
}

std::optional<key_record> store::find_key_by_hash(std::string_view key_hash) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  static const std::string sql
      = std::string{"SELECT "} + key_columns + " FROM api_keys WHERE key_hash = ?1";
  auto& s = cached(sql.c_str());
  s.bind(1, key_hash);
  return s.first(read_key);
}

std::optional<key_record> store::find_key(std::string_view id) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  static const std::string sql
      = std::string{"SELECT "} + key_columns + " FROM api_keys WHERE id = ?1";
  auto& s = cached(sql.c_str());
  s.bind(1, id);
  return s.first(read_key);
}

std::optional<agent_record> store::find_agent(std::string_view id) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  static const std::string sql
      = std::string{"SELECT "} + agent_columns + " FROM agents WHERE id = ?1";
  auto& s = cached(sql.c_str());
  s.bind(1, id);
  return s.first(read_agent);
}

std::optional<grant_record> store::find_grant(std::string_view id) {
  static const std::string sql
      = std::string{"SELECT "} + grant_columns + " FROM grants WHERE id = ?1";
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached(sql.c_str());
  s.bind(1, id);
  std::optional<grant_record> out;
  if (s.step())
    out = read_grant(s);
  s.reset();
  return out;
}

std::optional<secret_record> store::find_secret(std::string_view id) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("SELECT id, app_id, slug, name, provider_id, value, "
                   "injection_header, injection_format, additional_credentials_json, "
                   "additional_injections_json, created_at "
                   "FROM managed_secrets WHERE id = ?1");
  s.bind(1, id);
  std::optional<secret_record> out;
  if (s.step()) {
    secret_record x;
    x.id = s.text(0);
    x.app_id = s.text(1);
    x.slug = s.text(2);
    x.name = s.text(3);
    x.provider_id = s.text(4);
    x.value = s.blob(5);
    x.injection_header = s.text(6);
    x.injection_format = s.text(7);
    x.additional_credentials_json = s.blob(8);
    x.additional_injections_json = s.text(9);
    x.created_at = s.text(10);
    out = std::move(x);
  }
  s.reset();
  if (out) {
    out->value = open(sealed_column::secret_value, {out->id}, out->value);
    out->additional_credentials_json = open(
        sealed_column::secret_credentials, {out->id}, out->additional_credentials_json);
  }
  return out;
}

std::optional<provider_record> store::find_provider(std::string_view id) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("SELECT id, base_url, display_name FROM providers WHERE id = ?1");
  s.bind(1, id);
  std::optional<provider_record> out;
  if (s.step())
    out = provider_record{s.text(0), s.text(1), s.text(2)};
  s.reset();
  return out;
}

std::vector<grant_record> store::list_grants(const grant_filter& f, int64_t limit,
                                             int64_t offset, int64_t& total) {
  // One WHERE clause for both queries; empty filters match everything.
  // An agent sees what it owns and what is delegated to it; an app sees its
  // non-agent grants, only one user's when it acts for that user.
  static const std::string where
      = " FROM grants WHERE app_id = ?1"
        " AND ((?2 IS NULL AND principal_type != 'agent') OR agent_id = ?2"
        "      OR (?2 IS NOT NULL AND id IN (SELECT grant_id FROM delegations"
        "          WHERE agent_id = ?2 AND revoked_at IS NULL)))"
        " AND (?3 IS NULL OR provider_id = ?3)"
        " AND (?4 IS NULL OR account_identifier = ?4)"
        " AND (?5 IS NULL OR label = ?5)"
        " AND (?6 IS NULL OR (principal_type = 'user' AND principal_id = ?6))";
  static const std::string count_sql = "SELECT COUNT(*)" + where;
  static const std::string page_sql = std::string{"SELECT "} + grant_columns + where
                                      + " ORDER BY created_at DESC, id"
                                        " LIMIT ?7 OFFSET ?8";
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto bind_filter = [&](statement& s) {
    s.bind(1, f.app_id).bind_or_null(2, f.agent_id).bind_or_null(3, f.provider_id);
    s.bind_or_null(4, f.account).bind_or_null(5, f.label).bind_or_null(6, f.user_id);
  };
  auto& c = cached(count_sql.c_str());
  bind_filter(c);
  total = c.step() ? c.integer(0) : 0;
  c.reset();
  auto& s = cached(page_sql.c_str());
  bind_filter(s);
  s.bind(7, limit).bind(8, offset);
  std::vector<grant_record> out;
  while (s.step())
    out.push_back(read_grant(s));
  s.reset();
  return out;
}

std::optional<secret_record> store::find_secret_by_value(std::string_view provider_id,
                                                         std::string_view value) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("SELECT id FROM managed_secrets WHERE provider_id = ?1 "
                   "AND value_lookup = ?2");
  s.bind(1, provider_id).bind(2, barrier_->lookup_hash(provider_id, value));
  std::string id;
  if (s.step())
    id = s.text(0);
  s.reset();
  if (id.empty())
    return std::nullopt;
  auto found = find_secret(id);
  // The hash found it; the value itself decides.
  if (!found || !crypto::constant_time_equals(found->value, value))
    return std::nullopt;
  return found;
}

void store::transaction(const std::function<void()>& fn) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  db_.exec("BEGIN IMMEDIATE");
  try {
    fn();
  } catch (...) {
    db_.exec("ROLLBACK");
    throw;
  }
  db_.exec("COMMIT");
}

void store::set_key_status(std::string_view key_id, std::string_view status) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE api_keys SET status = ?2 WHERE id = ?1");
  s.bind(1, key_id).bind(2, status);
  s.execute();
}

void store::set_agent_status(std::string_view agent_id, std::string_view status) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE agents SET status = ?2 WHERE id = ?1");
  s.bind(1, agent_id).bind(2, status);
  s.execute();
}

void store::set_grant_status(std::string_view grant_id, std::string_view status) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE grants SET status = ?2 WHERE id = ?1");
  s.bind(1, grant_id).bind(2, status);
  s.execute();
}

void store::touch_grant(std::string_view grant_id, std::string_view now) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE grants SET last_used_at = ?2 WHERE id = ?1");
  s.bind(1, grant_id).bind(2, now);
  s.execute();
}

idempotency_claim store::claim_idempotency(std::string_view app_id,
                                           std::string_view key,
                                           std::string_view request_hash,
                                           std::chrono::seconds stale_after) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  // A claim whose owner never finished (the backend died mid-call) is released.
  auto& stale = cached("DELETE FROM idempotency WHERE app_id = ?1 AND idem_key = ?2 "
                       "AND state = 'in_progress' AND created_at < ?3");
  stale.bind(1, app_id).bind(2, key).bind(3, now_iso8601(-stale_after));
  stale.execute();
  auto& ins = cached("INSERT OR IGNORE INTO idempotency(app_id, idem_key, "
                     "request_hash, state, created_at) "
                     "VALUES(?1, ?2, ?3, 'in_progress', ?4)");
  ins.bind(1, app_id).bind(2, key).bind(3, request_hash).bind(4, now_iso8601());
  ins.execute();
  if (db_.changes() == 1)
    return {idempotency_claim::fresh, 0, {}};
  auto& sel = cached("SELECT request_hash, state, response_status, response_body "
                     "FROM idempotency WHERE app_id = ?1 AND idem_key = ?2");
  sel.bind(1, app_id).bind(2, key);
  idempotency_claim out;
  if (sel.step()) {
    if (sel.text(0) != request_hash)
      out.kind = idempotency_claim::mismatch;
    else if (sel.text(1) == "done")
      out = {idempotency_claim::done, static_cast<int>(sel.integer(2)), sel.blob(3)};
    else
      out.kind = idempotency_claim::in_progress;
  }
  sel.reset();
  if (out.kind == idempotency_claim::done)
    out.body = open(sealed_column::idempotency_response, {app_id, key}, out.body);
  return out;
}

void store::complete_idempotency(std::string_view app_id, std::string_view key,
                                 int status, std::string_view body) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE idempotency SET state = 'done', response_status = ?3, "
                   "response_body = ?4 WHERE app_id = ?1 AND idem_key = ?2");
  s.bind(1, app_id).bind(2, key).bind(3, int64_t{status});
  s.bind_blob(4, seal(sealed_column::idempotency_response, {app_id, key}, body));
  s.execute();
}

void store::release_idempotency(std::string_view app_id, std::string_view key) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("DELETE FROM idempotency WHERE app_id = ?1 AND idem_key = ?2");
  s.bind(1, app_id).bind(2, key);
  s.execute();
}

void store::append_audit(const audit_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached(
      "INSERT INTO audit_log(created_at, request_id, action, outcome, app_id, "
      "agent_id, api_key_id, caller_key_prefix, caller, caller_type, grant_id, "
      "provider_id, method, url, status_code, error_code, reason, context_json, "
      "run_id, thread_id, tool_call_id, latency_ms, principal_type, grant_kind, "
      "approval_id, request_headers_json, request_body, body_truncated, decided_by, "
      "trace_json) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
      "?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)");
  s.bind(1, x.created_at).bind(2, x.request_id).bind(3, x.action).bind(4, x.outcome);
  s.bind_or_null(5, x.app_id).bind_or_null(6, x.agent_id).bind_or_null(7, x.api_key_id);
  s.bind_or_null(8, x.caller_key_prefix).bind_or_null(9, x.caller);
  s.bind_or_null(10, x.caller_type).bind_or_null(11, x.grant_id);
  s.bind_or_null(12, x.provider_id).bind_or_null(13, x.method).bind_or_null(14, x.url);
  s.bind(15, x.status_code).bind_or_null(16, x.error_code).bind_or_null(17, x.reason);
  s.bind(18, x.context_json).bind_or_null(19, x.run_id).bind_or_null(20, x.thread_id);
  s.bind_or_null(21, x.tool_call_id).bind(22, x.latency_ms);
  s.bind_or_null(23, x.principal_type).bind_or_null(24, x.grant_kind);
  s.bind_or_null(25, x.approval_id).bind_or_null(26, x.request_headers_json);
  s.bind_or_null(27, x.request_body).bind(28, int64_t{x.body_truncated ? 1 : 0});
  s.bind_or_null(29, x.decided_by).bind_or_null(30, x.trace_json);
  s.execute();
}

namespace {

constexpr const char* audit_columns
    = "created_at, request_id, action, outcome, app_id, agent_id, api_key_id, "
      "caller_key_prefix, caller, caller_type, grant_id, provider_id, method, url, "
      "status_code, error_code, reason, context_json, run_id, thread_id, "
      "tool_call_id, latency_ms, principal_type, grant_kind, approval_id, "
      "request_headers_json, request_body, body_truncated, decided_by, id, trace_json";

audit_record read_audit(const statement& s) {
  audit_record x;
  x.created_at = s.text(0);
  x.request_id = s.text(1);
  x.action = s.text(2);
  x.outcome = s.text(3);
  x.app_id = s.text(4);
  x.agent_id = s.text(5);
  x.api_key_id = s.text(6);
  x.caller_key_prefix = s.text(7);
  x.caller = s.text(8);
  x.caller_type = s.text(9);
  x.grant_id = s.text(10);
  x.provider_id = s.text(11);
  x.method = s.text(12);
  x.url = s.text(13);
  x.status_code = s.integer(14);
  x.error_code = s.text(15);
  x.reason = s.text(16);
  x.context_json = s.text(17);
  x.run_id = s.text(18);
  x.thread_id = s.text(19);
  x.tool_call_id = s.text(20);
  x.latency_ms = s.integer(21);
  x.principal_type = s.text(22);
  x.grant_kind = s.text(23);
  x.approval_id = s.text(24);
  x.request_headers_json = s.text(25);
  x.request_body = s.text(26);
  x.body_truncated = s.integer(27) != 0;
  x.decided_by = s.text(28);
  x.trace_json = s.text(30);
  x.sequence = s.integer(29);
  return x;
}

} // namespace

std::vector<audit_record> store::audit_rows(int64_t limit) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  static const std::string sql
      = std::string{"SELECT "} + audit_columns + " FROM audit_log ORDER BY id LIMIT ?1";
  auto& s = cached(sql.c_str());
  s.bind(1, limit);
  std::vector<audit_record> out;
  while (s.step())
    out.push_back(read_audit(s));
  s.reset();
  return out;
}

std::vector<audit_record> store::audit_page(std::string_view app_id,
                                            std::string_view after_created_at,
                                            int64_t after_sequence, int64_t limit) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  static const std::string sql
      = std::string{"SELECT "} + audit_columns
        + " FROM audit_log WHERE app_id = ?1 AND (CASE WHEN ?3 > 0 THEN id > ?3 "
          "ELSE created_at > ?2 END) ORDER BY id LIMIT ?4";
  auto& s = cached(sql.c_str());
  s.bind(1, app_id).bind(2, after_created_at).bind(3, after_sequence).bind(4, limit);
  std::vector<audit_record> out;
  while (s.step())
    out.push_back(read_audit(s));
  s.reset();
  return out;
}

} // namespace alter::backend
