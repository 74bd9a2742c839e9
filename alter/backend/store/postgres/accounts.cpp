// The PostgreSQL store's apps, agents, keys and app users.
#include "alter/backend/store/postgres/repositories.hpp"
#include "alter/backend/store/postgres/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

namespace {

/// The keys derived from $1, at any depth, as the table `derived(id)`.
constexpr const char* derived_keys
    = "WITH RECURSIVE derived(id) AS ("
      "  SELECT id FROM api_keys WHERE parent_key_id = $1"
      "  UNION SELECT k.id FROM api_keys k JOIN derived d"
      "    ON k.parent_key_id = d.id) ";

app_user_record read_user(const pg_row& s) {
  return {s.text(0),
          s.text(1),
          s.text(2),
          stored_name(s.text(3), app_user_status::suspended),
          from_json_array(s.text(4)),
          s.text(5)};
}

} // namespace

void pg_accounts::insert_app(const app_record& x) {
  pg_lease lease{scope_};
  auto s = lease.query("INSERT INTO apps(id, name, created_at) VALUES($1, $2, $3)");
  s.bind(1, x.id).bind(2, x.name).bind(3, x.created_at);
  s.run();
}

void pg_accounts::insert_agent(const agent_record& x) {
  pg_lease lease{scope_};
  auto s
      = lease.query("INSERT INTO agents(id, app_id, name, display_name, type, status, "
                    "metadata_json, created_at, scopes_json, policy_json) "
                    "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
  s.bind(1, x.id).bind(2, x.app_id).bind(3, x.name).bind(4, x.display_name);
  s.bind(5, to_string(x.type))
      .bind(6, to_string(x.status))
      .bind(7, x.metadata_json)
      .bind(8, x.created_at);
  s.bind(9, x.scopes_json).bind(10, x.policy_json);
  s.run();
}

void pg_accounts::insert_key(const key_record& x) {
  pg_lease lease{scope_};
  auto s
      = lease.query("INSERT INTO api_keys(id, key_hash, key_prefix, key_type, app_id, "
                    "agent_id, name, scopes_json, status, created_at, expires_at, "
                    "parent_key_id) "
                    "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
  s.bind(1, x.id)
      .bind(2, x.key_hash)
      .bind(3, x.key_prefix)
      .bind(4, to_string(x.key_type));
  s.bind(5, x.app_id).bind_or_null(6, x.agent_id).bind(7, x.name);
  s.bind(8, to_json_array(x.scopes))
      .bind(9, to_string(x.status))
      .bind(10, x.created_at);
  s.bind_or_null(11, x.expires_at).bind_or_null(12, x.parent_key_id);
  s.run();
}

std::optional<key_record> pg_accounts::find_key_by_hash(std::string_view key_hash) {
  pg_lease lease{scope_};
  static const std::string sql
      = std::string{"SELECT "} + key_columns + " FROM api_keys WHERE key_hash = $1";
  auto s = lease.query(sql.c_str());
  s.bind(1, key_hash);
  return s.first(read_pg_key);
}

std::optional<key_record> pg_accounts::find_key(std::string_view id) {
  pg_lease lease{scope_};
  static const std::string sql
      = std::string{"SELECT "} + key_columns + " FROM api_keys WHERE id = $1";
  auto s = lease.query(sql.c_str());
  s.bind(1, id);
  return s.first(read_pg_key);
}

std::optional<app_record> pg_accounts::find_app(std::string_view id) {
  pg_lease lease{scope_};
  auto s = lease.query("SELECT id, name, created_at FROM apps WHERE id = $1");
  s.bind(1, id);
  return s.first([](const pg_row& row) {
    return app_record{row.text(0), row.text(1), row.text(2)};
  });
}

std::optional<agent_record> pg_accounts::find_agent(std::string_view id) {
  pg_lease lease{scope_};
  static const std::string sql
      = std::string{"SELECT "} + agent_columns + " FROM agents WHERE id = $1";
  auto s = lease.query(sql.c_str());
  s.bind(1, id);
  return s.first(read_pg_agent);
}

void pg_accounts::set_key_status(std::string_view key_id, key_status status) {
  pg_lease lease{scope_};
  auto s = lease.query("UPDATE api_keys SET status = $2 WHERE id = $1");
  s.bind(1, key_id).bind(2, to_string(status));
  s.run();
}

void pg_accounts::set_agent_status(std::string_view agent_id, agent_status status) {
  pg_lease lease{scope_};
  auto s = lease.query("UPDATE agents SET status = $2 WHERE id = $1");
  s.bind(1, agent_id).bind(2, to_string(status));
  s.run();
}

std::vector<agent_record> pg_accounts::list_agents(std::string_view app_id,
                                                   bool include_revoked, int64_t limit,
                                                   int64_t offset, int64_t& total) {
  static const std::string where
      = " FROM agents WHERE app_id = $1 AND ($2 = 1 OR status != 'revoked')";
  static const std::string count_sql = "SELECT COUNT(*)" + where;
  static const std::string page_sql = std::string{"SELECT "} + agent_columns + where
                                      + " ORDER BY created_at, id LIMIT $3 OFFSET $4";
  pg_lease lease{scope_};
  auto c = lease.query(count_sql.c_str());
  c.bind(1, app_id).bind(2, int64_t{include_revoked ? 1 : 0});
  total = c.first([](const pg_row& s) { return s.integer(0); }).value_or(0);
  auto s = lease.query(page_sql.c_str());
  s.bind(1, app_id).bind(2, int64_t{include_revoked ? 1 : 0}).bind(3, limit);
  s.bind(4, offset);
  return s.all(read_pg_agent);
}

std::optional<agent_record>
pg_accounts::find_live_agent_by_name(std::string_view app_id, std::string_view name) {
  static const std::string sql = std::string{"SELECT "} + agent_columns
                                 + " FROM agents WHERE app_id = $1 AND name = $2"
                                   " AND status != 'revoked'";
  pg_lease lease{scope_};
  auto s = lease.query(sql.c_str());
  s.bind(1, app_id).bind(2, name);
  return s.first(read_pg_agent);
}

void pg_accounts::update_agent(const agent_record& x) {
  pg_lease lease{scope_};
  auto s = lease.query(
      "UPDATE agents SET display_name = $2, status = $3, metadata_json = $4, "
      "scopes_json = $5, policy_json = $6 WHERE id = $1");
  s.bind(1, x.id)
      .bind(2, x.display_name)
      .bind(3, to_string(x.status))
      .bind(4, x.metadata_json);
  s.bind(5, x.scopes_json).bind(6, x.policy_json);
  s.run();
}

std::vector<key_record> pg_accounts::list_agent_keys(std::string_view agent_id) {
  static const std::string sql = std::string{"SELECT "} + key_columns
                                 + " FROM api_keys WHERE agent_id = $1"
                                   " AND key_type = 'agent' ORDER BY created_at, id";
  pg_lease lease{scope_};
  auto s = lease.query(sql.c_str());
  s.bind(1, agent_id);
  return s.all(read_pg_key);
}

void pg_accounts::update_key_state(const key_record& x) {
  pg_lease lease{scope_};
  auto s = lease.query("UPDATE api_keys SET status = $2, deprecated_at = $3, "
                       "revoked_at = $4, expires_at = $5 WHERE id = $1");
  s.bind(1, x.id).bind(2, to_string(x.status)).bind_or_null(3, x.deprecated_at);
  s.bind_or_null(4, x.revoked_at).bind_or_null(5, x.expires_at);
  s.run();
}

void pg_accounts::revoke_derived_keys(std::string_view key_id, std::string_view now) {
  static const std::string sql
      = std::string{derived_keys}
        + "UPDATE api_keys SET status = 'revoked', revoked_at = $2 "
          "WHERE id IN (SELECT id FROM derived) AND status != 'revoked'";
  pg_lease lease{scope_};
  auto s = lease.query(sql.c_str());
  s.bind(1, key_id).bind(2, now);
  s.run();
}

void pg_accounts::cap_derived_expiry(std::string_view key_id, std::string_view at) {
  pg_lease lease{scope_};
  static const std::string sql
      = std::string{derived_keys}
        + "UPDATE api_keys SET expires_at = $2 WHERE id IN (SELECT id FROM derived) "
          "AND (expires_at IS NULL OR expires_at > $2)";
  auto s = lease.query(sql.c_str());
  s.bind(1, key_id).bind(2, at);
  s.run();
}

app_user_record pg_accounts::user_for_subject(std::string_view app_id,
                                              std::string_view subject) {
  pg_lease lease{scope_};
  auto insert = lease.query(
      "INSERT INTO app_users(id, app_id, subject, status, "
      "group_ids_json, created_at) VALUES(replace(gen_random_uuid()::text, '-', ''), "
      "$1, $2, 'active', '[]', $3) "
      "ON CONFLICT(app_id, subject) DO NOTHING");
  insert.bind(1, app_id).bind(2, subject).bind(3, now_iso8601());
  insert.run();
  auto s = lease.query("SELECT id, app_id, subject, status, group_ids_json, created_at "
                       "FROM app_users WHERE app_id = $1 AND subject = $2");
  s.bind(1, app_id).bind(2, subject);
  return *s.first(read_user);
}

void pg_accounts::update_user(const app_user_record& x) {
  pg_lease lease{scope_};
  auto s = lease.query(
      "UPDATE app_users SET status = $2, group_ids_json = $3 WHERE id = $1");
  s.bind(1, x.id).bind(2, to_string(x.status)).bind(3, to_json_array(x.group_ids));
  s.run();
}

} // namespace alter::backend
