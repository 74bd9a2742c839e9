// The store's agents, keys, delegations, end users, interactive sessions and
// settings.
#include "backend/store/store.hpp"
#include "backend/store/store_rows.hpp"
#include "backend/store/store_sealing.hpp"

namespace alter::backend {

std::vector<agent_record> store::list_agents(std::string_view app_id,
                                             bool include_revoked, int64_t limit,
                                             int64_t offset, int64_t& total) {
  static const std::string where
      = " FROM agents WHERE app_id = ?1 AND (?2 = 1 OR status != 'revoked')";
  static const std::string count_sql = "SELECT COUNT(*)" + where;
  static const std::string page_sql = std::string{"SELECT "} + agent_columns + where
                                      + " ORDER BY created_at, id LIMIT ?3 OFFSET ?4";
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& c = cached(count_sql.c_str());
  c.bind(1, app_id).bind(2, int64_t{include_revoked ? 1 : 0});
  total = c.first([](const statement& s) { return s.integer(0); }).value_or(0);
  auto& s = cached(page_sql.c_str());
  s.bind(1, app_id).bind(2, int64_t{include_revoked ? 1 : 0}).bind(3, limit);
  s.bind(4, offset);
  std::vector<agent_record> out;
  while (s.step())
    out.push_back(read_agent(s));
  s.reset();
  return out;
}

std::optional<agent_record> store::find_live_agent_by_name(std::string_view app_id,
                                                           std::string_view name) {
  static const std::string sql = std::string{"SELECT "} + agent_columns
                                 + " FROM agents WHERE app_id = ?1 AND name = ?2"
                                   " AND status != 'revoked'";
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached(sql.c_str());
  s.bind(1, app_id).bind(2, name);
  return s.first(read_agent);
}

void store::update_agent(const agent_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s
      = cached("UPDATE agents SET display_name = ?2, status = ?3, metadata_json = ?4, "
               "scopes_json = ?5, policy_json = ?6 WHERE id = ?1");
  s.bind(1, x.id).bind(2, x.display_name).bind(3, x.status).bind(4, x.metadata_json);
  s.bind(5, x.scopes_json).bind(6, x.policy_json);
  s.execute();
}

std::vector<key_record> store::list_agent_keys(std::string_view agent_id) {
  static const std::string sql = std::string{"SELECT "} + key_columns
                                 + " FROM api_keys WHERE agent_id = ?1"
                                   " AND key_type = 'agent' ORDER BY created_at, id";
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached(sql.c_str());
  s.bind(1, agent_id);
  std::vector<key_record> out;
  while (s.step())
    out.push_back(read_key(s));
  s.reset();
  return out;
}

void store::update_key_state(const key_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE api_keys SET status = ?2, deprecated_at = ?3, "
                   "revoked_at = ?4, expires_at = ?5 WHERE id = ?1");
  s.bind(1, x.id).bind(2, x.status).bind_or_null(3, x.deprecated_at);
  s.bind_or_null(4, x.revoked_at).bind_or_null(5, x.expires_at);
  s.execute();
}

namespace {

/// The keys derived from ?1, at any depth, as the table `derived(id)`.
constexpr const char* derived_keys
    = "WITH RECURSIVE derived(id) AS ("
      "  SELECT id FROM api_keys WHERE parent_key_id = ?1"
      "  UNION SELECT k.id FROM api_keys k JOIN derived d"
      "    ON k.parent_key_id = d.id) ";

} // namespace

void store::revoke_derived_keys(std::string_view key_id, std::string_view now) {
  static const std::string sql
      = std::string{derived_keys}
        + "UPDATE api_keys SET status = 'revoked', revoked_at = ?2 "
          "WHERE id IN derived AND status != 'revoked'";
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached(sql.c_str());
  s.bind(1, key_id).bind(2, now);
  s.execute();
}

void store::cap_derived_expiry(std::string_view key_id, std::string_view at) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  static const std::string sql
      = std::string{derived_keys}
        + "UPDATE api_keys SET expires_at = ?2 WHERE id IN derived "
          "AND (expires_at IS NULL OR expires_at > ?2)";
  auto& s = cached(sql.c_str());
  s.bind(1, key_id).bind(2, at);
  s.execute();
}

void store::insert_delegation(std::string_view grant_id, std::string_view agent_id,
                              std::string_view now) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("INSERT INTO delegations(grant_id, agent_id, created_at) "
                   "VALUES(?1, ?2, ?3) ON CONFLICT(grant_id, agent_id) "
                   "DO UPDATE SET created_at = ?3, revoked_at = NULL");
  s.bind(1, grant_id).bind(2, agent_id).bind(3, now);
  s.execute();
}

bool store::revoke_delegation(std::string_view grant_id, std::string_view agent_id,
                              std::string_view now) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE delegations SET revoked_at = ?3 WHERE grant_id = ?1 "
                   "AND agent_id = ?2 AND revoked_at IS NULL");
  s.bind(1, grant_id).bind(2, agent_id).bind(3, now);
  s.execute();
  return db_.changes() == 1;
}

bool store::is_delegated(std::string_view grant_id, std::string_view agent_id) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("SELECT 1 FROM delegations WHERE grant_id = ?1 AND agent_id = ?2 "
                   "AND revoked_at IS NULL");
  s.bind(1, grant_id).bind(2, agent_id);
  return s.first([](const statement&) { return true; }).has_value();
}

std::vector<std::string> store::delegated_agents(std::string_view grant_id) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("SELECT agent_id FROM delegations WHERE grant_id = ?1 "
                   "AND revoked_at IS NULL ORDER BY created_at, agent_id");
  s.bind(1, grant_id);
  std::vector<std::string> out;
  while (s.step())
    out.push_back(s.text(0));
  s.reset();
  return out;
}

void store::revoke_grant(std::string_view grant_id, std::string_view now) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s
      = cached("UPDATE grants SET status = 'revoked', revoked_at = ?2 WHERE id = ?1");
  s.bind(1, grant_id).bind(2, now);
  s.execute();
}

namespace {

app_user_record read_user(const statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), from_json_array(s.text(4)),
          s.text(5)};
}

interactive_session_record read_session(const statement& s) {
  interactive_session_record x;
  x.token_hash = s.text(0);
  x.kind = s.text(1);
  x.app_id = s.text(2);
  x.agent_id = s.text(3);
  x.user_id = s.text(4);
  x.request_json = s.text(5);
  x.status = s.text(6);
  x.result_json = s.blob(7);
  x.created_at = s.text(8);
  x.expires_at = s.text(9);
  return x;
}

} // namespace

app_user_record store::user_for_subject(std::string_view app_id,
                                        std::string_view subject) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& insert
      = cached("INSERT INTO app_users(id, app_id, subject, status, "
               "group_ids_json, created_at) VALUES(lower(hex(randomblob(16))), "
               "?1, ?2, 'active', '[]', ?3) "
               "ON CONFLICT(app_id, subject) DO NOTHING");
  insert.bind(1, app_id).bind(2, subject).bind(3, now_iso8601());
  insert.execute();
  auto& s = cached("SELECT id, app_id, subject, status, group_ids_json, created_at "
                   "FROM app_users WHERE app_id = ?1 AND subject = ?2");
  s.bind(1, app_id).bind(2, subject);
  return *s.first(read_user);
}

void store::update_user(const app_user_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s
      = cached("UPDATE app_users SET status = ?2, group_ids_json = ?3 WHERE id = ?1");
  s.bind(1, x.id).bind(2, x.status).bind(3, to_json_array(x.group_ids));
  s.execute();
}

void store::insert_session(const interactive_session_record& x) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s
      = cached("INSERT INTO interactive_sessions(token_hash, kind, app_id, agent_id, "
               "user_id, request_json, status, result_json, created_at, expires_at) "
               "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  s.bind(1, x.token_hash).bind(2, x.kind).bind(3, x.app_id).bind_or_null(4, x.agent_id);
  s.bind_or_null(5, x.user_id).bind(6, x.request_json).bind(7, x.status);
  s.bind_blob(8, seal(sealed_column::session_result, {x.token_hash}, x.result_json));
  s.bind(9, x.created_at).bind(10, x.expires_at);
  s.execute();
}

std::optional<interactive_session_record>
store::find_session(std::string_view token_hash) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("SELECT token_hash, kind, app_id, agent_id, user_id, request_json, "
                   "status, result_json, created_at, expires_at "
                   "FROM interactive_sessions WHERE token_hash = ?1");
  s.bind(1, token_hash);
  auto out = s.first(read_session);
  if (out)
    out->result_json
        = open(sealed_column::session_result, {out->token_hash}, out->result_json);
  return out;
}

bool store::complete_session(std::string_view token_hash, std::string_view status,
                             std::string_view result_json) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("UPDATE interactive_sessions SET status = ?2, result_json = ?3 "
                   "WHERE token_hash = ?1 AND status = 'pending'");
  s.bind(1, token_hash).bind(2, status);
  s.bind_blob(3, seal(sealed_column::session_result, {token_hash}, result_json));
  s.execute();
  return db_.changes() == 1;
}

void store::set_session_result(std::string_view token_hash,
                               std::string_view result_json) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached(
      "UPDATE interactive_sessions SET result_json = ?2 WHERE token_hash = ?1");
  s.bind(1, token_hash);
  s.bind_blob(2, seal(sealed_column::session_result, {token_hash}, result_json));
  s.execute();
}

std::vector<provider_record> store::list_providers() {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("SELECT id, base_url, display_name FROM providers ORDER BY id");
  std::vector<provider_record> out;
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.text(2)});
  s.reset();
  return out;
}

std::optional<std::string> store::setting(std::string_view name) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s = cached("SELECT value FROM backend_settings WHERE name = ?1");
  s.bind(1, name);
  auto stored = s.first([](const statement& st) { return st.blob(0); });
  if (!stored)
    return std::nullopt;
  return open(sealed_column::setting_value, {name}, *stored);
}

void store::put_setting(std::string_view name, std::string_view value) {
  std::lock_guard<std::recursive_mutex> guard{mtx_};
  auto& s
      = cached("INSERT OR REPLACE INTO backend_settings(name, value) VALUES(?1, ?2)");
  s.bind(1, name).bind_blob(2, seal(sealed_column::setting_value, {name}, value));
  s.execute();
}

} // namespace alter::backend
