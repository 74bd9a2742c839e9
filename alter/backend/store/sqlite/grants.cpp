// The SQLite store's grants, delegations and providers.
#include "alter/backend/store/sqlite/repositories.hpp"
#include "alter/backend/store/sqlite/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

namespace {

constexpr const char* provider_columns
    = "id, base_url, display_name, oauth_authorize_url, oauth_token_url, "
      "oauth_client_id, oauth_client_secret, required_scopes_json";

void write_provider(connection_lease& lease, const char* verb, const char* tail,
                    const provider_record& x) {
  auto sql = std::string{verb} + " INTO providers(" + provider_columns
             + ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)" + tail;
  auto& s = lease.cached(sql);
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
  s.execute();
}

provider_record read_provider(const statement& s) {
  provider_record x{s.text(0), s.text(1), s.text(2)};
  x.oauth_authorize_url = s.text(3);
  x.oauth_token_url = s.text(4);
  x.oauth_client_id = s.text(5);
  x.oauth_client_secret = s.is_null(6) ? std::string{} : s.blob(6);
  x.required_scopes = from_json_array(s.text(7));
  return x;
}

/// Opens the sealed client secret once the statement is done with.
void open_client_secret(connection_lease& lease, provider_record& x) {
  if (!x.oauth_client_secret.empty())
    x.oauth_client_secret = lease.open(sealed_column::provider_client_secret, {x.id},
                                       x.oauth_client_secret);
}

} // namespace

void sqlite_grants::put_provider(const provider_record& x) {
  connection_lease lease{scope_, access::write};
  write_provider(lease, "INSERT OR REPLACE", "", x);
  lease.commit();
}

void sqlite_grants::add_provider(const provider_record& x) {
  connection_lease lease{scope_, access::write};
  write_provider(lease, "INSERT", " ON CONFLICT(id) DO NOTHING", x);
  lease.commit();
}

void sqlite_grants::insert(const grant_record& x) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached(
      "INSERT INTO grants(id, app_id, grant_kind, managed_secret_id, provider_id, "
      "principal_type, agent_id, label, account_identifier, scopes_json, status, "
      "expires_at, created_at, principal_id) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  s.bind(1, x.id).bind(2, x.app_id).bind(3, to_string(x.grant_kind));
  s.bind_or_null(4, x.managed_secret_id).bind(5, x.provider_id);
  s.bind(6, to_string(x.principal_type)).bind_or_null(7, x.agent_id).bind(8, x.label);
  s.bind(9, x.account_identifier).bind(10, to_json_array(x.scopes));
  s.bind(11, to_string(x.status)).bind_or_null(12, x.expires_at).bind(13, x.created_at);
  s.bind_or_null(14, x.principal_id);
  s.execute();
  lease.commit();
}

std::optional<grant_record> sqlite_grants::find(std::string_view id) {
  static const std::string sql
      = std::string{"SELECT "} + grant_columns + " FROM grants WHERE id = ?1";
  connection_lease lease{scope_, access::read};
  auto& s = lease.cached(sql.c_str());
  s.bind(1, id);
  std::optional<grant_record> out;
  if (s.step())
    out = read_grant(s);
  s.reset();
  return out;
}

std::optional<provider_record> sqlite_grants::find_provider(std::string_view id) {
  static const std::string sql
      = std::string{"SELECT "} + provider_columns + " FROM providers WHERE id = ?1";
  connection_lease lease{scope_, access::read};
  auto& s = lease.cached(sql);
  s.bind(1, id);
  std::optional<provider_record> out;
  if (s.step())
    out = read_provider(s);
  s.reset();
  if (out)
    open_client_secret(lease, *out);
  return out;
}

std::vector<grant_record> sqlite_grants::list(const grant_filter& f, int64_t limit,
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
  connection_lease lease{scope_, access::read};
  auto bind_filter = [&](statement& s) {
    s.bind(1, f.app_id).bind_or_null(2, f.agent_id).bind_or_null(3, f.provider_id);
    s.bind_or_null(4, f.account).bind_or_null(5, f.label).bind_or_null(6, f.user_id);
  };
  auto& c = lease.cached(count_sql.c_str());
  bind_filter(c);
  total = c.step() ? c.integer(0) : 0;
  c.reset();
  auto& s = lease.cached(page_sql.c_str());
  bind_filter(s);
  s.bind(7, limit).bind(8, offset);
  std::vector<grant_record> out;
  while (s.step())
    out.push_back(read_grant(s));
  s.reset();
  return out;
}

void sqlite_grants::set_status(std::string_view grant_id, grant_status status) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("UPDATE grants SET status = ?2 WHERE id = ?1");
  s.bind(1, grant_id).bind(2, to_string(status));
  s.execute();
  lease.commit();
}

void sqlite_grants::touch(std::string_view grant_id, std::string_view now) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("UPDATE grants SET last_used_at = ?2 WHERE id = ?1");
  s.bind(1, grant_id).bind(2, now);
  s.execute();
  lease.commit();
}

void sqlite_grants::delegate(std::string_view grant_id, std::string_view agent_id,
                             std::string_view now) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("INSERT INTO delegations(grant_id, agent_id, created_at) "
                         "VALUES(?1, ?2, ?3) ON CONFLICT(grant_id, agent_id) "
                         "DO UPDATE SET created_at = ?3, revoked_at = NULL");
  s.bind(1, grant_id).bind(2, agent_id).bind(3, now);
  s.execute();
  lease.commit();
}

bool sqlite_grants::revoke_delegation(std::string_view grant_id,
                                      std::string_view agent_id, std::string_view now) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("UPDATE delegations SET revoked_at = ?3 WHERE grant_id = ?1 "
                         "AND agent_id = ?2 AND revoked_at IS NULL");
  s.bind(1, grant_id).bind(2, agent_id).bind(3, now);
  s.execute();
  return lease.commit(lease.changes() == 1);
}

bool sqlite_grants::is_delegated(std::string_view grant_id, std::string_view agent_id) {
  connection_lease lease{scope_, access::read};
  auto& s
      = lease.cached("SELECT 1 FROM delegations WHERE grant_id = ?1 AND agent_id = ?2 "
                     "AND revoked_at IS NULL");
  s.bind(1, grant_id).bind(2, agent_id);
  return s.first([](const statement&) { return true; }).has_value();
}

std::vector<std::string> sqlite_grants::delegated_agents(std::string_view grant_id) {
  connection_lease lease{scope_, access::read};
  auto& s = lease.cached("SELECT agent_id FROM delegations WHERE grant_id = ?1 "
                         "AND revoked_at IS NULL ORDER BY created_at, agent_id");
  s.bind(1, grant_id);
  std::vector<std::string> out;
  while (s.step())
    out.push_back(s.text(0));
  s.reset();
  return out;
}

void sqlite_grants::revoke(std::string_view grant_id, std::string_view now) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached(
      "UPDATE grants SET status = 'revoked', revoked_at = ?2 WHERE id = ?1");
  s.bind(1, grant_id).bind(2, now);
  s.execute();
  lease.commit();
}

std::vector<provider_record> sqlite_grants::list_providers() {
  static const std::string sql
      = std::string{"SELECT "} + provider_columns + " FROM providers ORDER BY id";
  connection_lease lease{scope_, access::read};
  auto& s = lease.cached(sql);
  std::vector<provider_record> out;
  while (s.step())
    out.push_back(read_provider(s));
  s.reset();
  for (auto& x : out)
    open_client_secret(lease, x);
  return out;
}

} // namespace alter::backend
