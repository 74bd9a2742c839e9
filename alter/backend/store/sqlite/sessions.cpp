// The SQLite store's interactive sessions.
#include "alter/backend/store/sqlite/repositories.hpp"
#include "alter/backend/store/sqlite/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

namespace {

interactive_session_record read_session(const statement& s) {
  interactive_session_record x;
  x.token_hash = s.text(0);
  // A session of no known kind is refused: it reads denied.
  bool known = from_string(s.text(1), x.kind);
  x.app_id = s.text(2);
  x.agent_id = s.text(3);
  x.user_id = s.text(4);
  x.request_json = s.text(5);
  x.status
      = known ? stored_name(s.text(6), session_status::denied) : session_status::denied;
  x.result_json = s.blob(7);
  x.created_at = s.text(8);
  x.expires_at = s.text(9);
  return x;
}

} // namespace

void sqlite_sessions::insert(const interactive_session_record& x) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached(
      "INSERT INTO interactive_sessions(token_hash, kind, app_id, agent_id, "
      "user_id, request_json, status, result_json, created_at, expires_at) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  s.bind(1, x.token_hash)
      .bind(2, to_string(x.kind))
      .bind(3, x.app_id)
      .bind_or_null(4, x.agent_id);
  s.bind_or_null(5, x.user_id).bind(6, x.request_json).bind(7, to_string(x.status));
  s.bind_blob(8,
              lease.seal(sealed_column::session_result, {x.token_hash}, x.result_json));
  s.bind(9, x.created_at).bind(10, x.expires_at);
  s.execute();
  lease.commit();
}

std::optional<interactive_session_record>
sqlite_sessions::find(std::string_view token_hash) {
  connection_lease lease{scope_, access::read};
  auto& s = lease.cached(
      "SELECT token_hash, kind, app_id, agent_id, user_id, request_json, "
      "status, result_json, created_at, expires_at "
      "FROM interactive_sessions WHERE token_hash = ?1");
  s.bind(1, token_hash);
  auto out = s.first(read_session);
  if (out)
    out->result_json = lease.open(sealed_column::session_result, {out->token_hash},
                                  out->result_json);
  return out;
}

bool sqlite_sessions::complete(std::string_view token_hash, session_status status,
                               std::string_view result_json) {
  connection_lease lease{scope_, access::write};
  auto& s
      = lease.cached("UPDATE interactive_sessions SET status = ?2, result_json = ?3 "
                     "WHERE token_hash = ?1 AND status = 'pending'");
  s.bind(1, token_hash).bind(2, to_string(status));
  s.bind_blob(3, lease.seal(sealed_column::session_result, {token_hash}, result_json));
  s.execute();
  return lease.commit(lease.changes() == 1);
}

void sqlite_sessions::set_result(std::string_view token_hash,
                                 std::string_view result_json) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached(
      "UPDATE interactive_sessions SET result_json = ?2 WHERE token_hash = ?1");
  s.bind(1, token_hash);
  s.bind_blob(2, lease.seal(sealed_column::session_result, {token_hash}, result_json));
  s.execute();
  lease.commit();
}

} // namespace alter::backend
