// The PostgreSQL store's grants, delegations and providers.
#include "alter/backend/store/postgres/repositories.hpp"
#include "alter/backend/store/postgres/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

namespace {

constexpr const char* provider_columns
    = "id, base_url, display_name, oauth_authorize_url, oauth_token_url, "
      "oauth_client_id, oauth_client_secret, required_scopes_json";

provider_record read_provider(const pg_row& row) {
  provider_record x{row.text(0), row.text(1), row.text(2)};
  x.oauth_authorize_url = row.text(3);
  x.oauth_token_url = row.text(4);
  x.oauth_client_id = row.text(5);
  x.oauth_client_secret = row.bytes(6);
  x.required_scopes = from_json_array(row.text(7));
  return x;
}

/// Opens the sealed client secret (NULL for a provider without OAuth).
void open_client_secret(pg_lease& lease, provider_record& x) {
  if (!x.oauth_client_secret.empty())
    x.oauth_client_secret = lease.open(sealed_column::provider_client_secret, {x.id},
                                       x.oauth_client_secret);
}

/// `sql` must outlive the query (pg_query keeps a view of it).
void write_provider(pg_lease& lease, const std::string& sql, const provider_record& x) {
  auto s = lease.query(sql);
  s.bind(1, x.id).bind(2, x.base_url).bind(3, x.display_name);
  s.bind(4, x.oauth_authorize_url)
      .bind(5, x.oauth_token_url)
      .bind(6, x.oauth_client_id);
  if (x.is_oauth())
    s.bind_blob(7, lease.seal(sealed_column::provider_client_secret, {x.id},
                              x.oauth_client_secret));
  else
    s.bind_null(7);
  s.bind(8, to_json_array(x.required_scopes));
  s.run();
}

const std::string insert_provider
    = std::string{"INSERT INTO providers("} + provider_columns
      + ") VALUES($1, $2, $3, $4, $5, $6, $7::bytea, $8) ";

} // namespace

void pg_grants::put_provider(const provider_record& x) {
  static const std::string sql
      = insert_provider
        + "ON CONFLICT(id) DO UPDATE SET base_url = excluded.base_url, "
          "display_name = excluded.display_name, "
          "oauth_authorize_url = excluded.oauth_authorize_url, "
          "oauth_token_url = excluded.oauth_token_url, "
          "oauth_client_id = excluded.oauth_client_id, "
          "oauth_client_secret = excluded.oauth_client_secret, "
          "required_scopes_json = excluded.required_scopes_json";
  pg_lease lease{scope_};
  write_provider(lease, sql, x);
}

void pg_grants::add_provider(const provider_record& x) {
  static const std::string sql = insert_provider + "ON CONFLICT(id) DO NOTHING";
  pg_lease lease{scope_};
  write_provider(lease, sql, x);
}

void pg_grants::insert(const grant_record& x) {
  pg_lease lease{scope_};
  auto s = lease.query(
      "INSERT INTO grants(id, app_id, grant_kind, managed_secret_id, provider_id, "
      "principal_type, agent_id, label, account_identifier, scopes_json, status, "
      "expires_at, created_at, principal_id) "
      "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)");
  s.bind(1, x.id).bind(2, x.app_id).bind(3, to_string(x.grant_kind));
  s.bind_or_null(4, x.managed_secret_id).bind(5, x.provider_id);
  s.bind(6, to_string(x.principal_type)).bind_or_null(7, x.agent_id).bind(8, x.label);
  s.bind(9, x.account_identifier).bind(10, to_json_array(x.scopes));
  s.bind(11, to_string(x.status)).bind_or_null(12, x.expires_at).bind(13, x.created_at);
  s.bind_or_null(14, x.principal_id);
  s.run();
}

std::optional<grant_record> pg_grants::find(std::string_view id) {
  static const std::string sql
      = std::string{"SELECT "} + grant_columns + " FROM grants WHERE id = $1";
  pg_lease lease{scope_};
  auto s = lease.query(sql.c_str());
  s.bind(1, id);
  return s.first(read_pg_grant);
}

std::optional<provider_record> pg_grants::find_provider(std::string_view id) {
  pg_lease lease{scope_};
  static const std::string sql
      = std::string{"SELECT "} + provider_columns + " FROM providers WHERE id = $1";
  auto s = lease.query(sql);
  s.bind(1, id);
  auto out = s.first(read_provider);
  if (out)
    open_client_secret(lease, *out);
  return out;
}

std::vector<grant_record> pg_grants::list(const grant_filter& f, int64_t limit,
                                          int64_t offset, int64_t& total) {
  // One WHERE clause for both queries; empty filters match everything.
  // An agent sees what it owns and what is delegated to it; an app sees its
  // non-agent grants, only one user's when it acts for that user.
  static const std::string where
      = " FROM grants WHERE app_id = $1"
        " AND (($2 IS NULL AND principal_type != 'agent') OR agent_id = $2"
        "      OR ($2 IS NOT NULL AND id IN (SELECT grant_id FROM delegations"
        "          WHERE agent_id = $2 AND revoked_at IS NULL)))"
        " AND ($3 IS NULL OR provider_id = $3)"
        " AND ($4 IS NULL OR account_identifier = $4)"
        " AND ($5 IS NULL OR label = $5)"
        " AND ($6 IS NULL OR (principal_type = 'user' AND principal_id = $6))";
  static const std::string count_sql = "SELECT COUNT(*)" + where;
  static const std::string page_sql = std::string{"SELECT "} + grant_columns + where
                                      + " ORDER BY created_at DESC, id"
                                        " LIMIT $7 OFFSET $8";
  pg_lease lease{scope_};
  auto bind_filter = [&](pg_query& s) {
    s.bind(1, f.app_id).bind_or_null(2, f.agent_id).bind_or_null(3, f.provider_id);
    s.bind_or_null(4, f.account).bind_or_null(5, f.label).bind_or_null(6, f.user_id);
  };
  auto c = lease.query(count_sql.c_str());
  bind_filter(c);
  total = c.first([](const pg_row& row) { return row.integer(0); }).value_or(0);
  auto s = lease.query(page_sql.c_str());
  bind_filter(s);
  s.bind(7, limit).bind(8, offset);
  return s.all(read_pg_grant);
}

void pg_grants::set_status(std::string_view grant_id, grant_status status) {
  pg_lease lease{scope_};
  auto s = lease.query("UPDATE grants SET status = $2 WHERE id = $1");
  s.bind(1, grant_id).bind(2, to_string(status));
  s.run();
}

void pg_grants::touch(std::string_view grant_id, std::string_view now) {
  pg_lease lease{scope_};
  auto s = lease.query("UPDATE grants SET last_used_at = $2 WHERE id = $1");
  s.bind(1, grant_id).bind(2, now);
  s.run();
}

void pg_grants::delegate(std::string_view grant_id, std::string_view agent_id,
                         std::string_view now) {
  pg_lease lease{scope_};
  auto s = lease.query("INSERT INTO delegations(grant_id, agent_id, created_at) "
                       "VALUES($1, $2, $3) ON CONFLICT(grant_id, agent_id) "
                       "DO UPDATE SET created_at = $3, revoked_at = NULL");
  s.bind(1, grant_id).bind(2, agent_id).bind(3, now);
  s.run();
}

bool pg_grants::revoke_delegation(std::string_view grant_id, std::string_view agent_id,
                                  std::string_view now) {
  pg_lease lease{scope_};
  auto s = lease.query("UPDATE delegations SET revoked_at = $3 WHERE grant_id = $1 "
                       "AND agent_id = $2 AND revoked_at IS NULL");
  s.bind(1, grant_id).bind(2, agent_id).bind(3, now);
  return s.run().affected() == 1;
}

bool pg_grants::is_delegated(std::string_view grant_id, std::string_view agent_id) {
  pg_lease lease{scope_};
  auto s
      = lease.query("SELECT 1 FROM delegations WHERE grant_id = $1 AND agent_id = $2 "
                    "AND revoked_at IS NULL");
  s.bind(1, grant_id).bind(2, agent_id);
  return s.first([](const pg_row&) { return true; }).has_value();
}

std::vector<std::string> pg_grants::delegated_agents(std::string_view grant_id) {
  pg_lease lease{scope_};
  auto s = lease.query("SELECT agent_id FROM delegations WHERE grant_id = $1 "
                       "AND revoked_at IS NULL ORDER BY created_at, agent_id");
  s.bind(1, grant_id);
  return s.all([](const pg_row& row) { return row.text(0); });
}

void pg_grants::revoke(std::string_view grant_id, std::string_view now) {
  pg_lease lease{scope_};
  auto s = lease.query(
      "UPDATE grants SET status = 'revoked', revoked_at = $2 WHERE id = $1");
  s.bind(1, grant_id).bind(2, now);
  s.run();
}

std::vector<provider_record> pg_grants::list_providers() {
  pg_lease lease{scope_};
  static const std::string sql
      = std::string{"SELECT "} + provider_columns + " FROM providers ORDER BY id";
  auto s = lease.query(sql);
  auto out = s.all(read_provider);
  for (auto& x : out)
    open_client_secret(lease, x);
  return out;
}

} // namespace alter::backend
