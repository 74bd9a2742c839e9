// The SQLite store's approvals (one row per held call, moved through its
// states by conditional updates so that concurrent deciders and expiry cannot
// both win), approvers and approver sessions.
#include "alter/backend/store/sqlite/repositories.hpp"
#include "alter/backend/store/sqlite/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

namespace {

constexpr const char* approval_columns
    = "id, app_id, agent_id, api_key_id, grant_id, provider_id, rule_id, "
      "request_json, method, url, reason, caller, caller_type, run_id, thread_id, "
      "tool_call_id, idempotency_key, status, created_at, expires_at, decided_at, "
      "decided_by, decision_reason, executed_at, result_status, result_json, "
      "gates_json, traceparent";

approval_record read_approval(const statement& s) {
  approval_record x;
  x.id = s.text(0);
  x.app_id = s.text(1);
  x.agent_id = s.text(2);
  x.api_key_id = s.text(3);
  x.grant_id = s.text(4);
  x.provider_id = s.text(5);
  x.rule_id = s.text(6);
  x.request_json = s.text(7);
  x.method = s.text(8);
  x.url = s.text(9);
  x.reason = s.text(10);
  x.caller = s.text(11);
  x.caller_type = s.text(12);
  x.run_id = s.text(13);
  x.thread_id = s.text(14);
  x.tool_call_id = s.text(15);
  x.idempotency_key = s.text(16);
  x.status = stored_name(s.text(17), approval_state::failed);
  x.created_at = s.text(18);
  x.expires_at = s.text(19);
  x.decided_at = s.text(20);
  x.decided_by = s.text(21);
  x.decision_reason = s.text(22);
  x.executed_at = s.text(23);
  x.result_status = s.integer(24);
  x.result_json = s.blob(25);
  x.gates_json = s.text(26);
  x.traceparent = s.text(27);
  return x;
}

} // namespace

void sqlite_approvals::insert(const approval_record& x) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached(
      "INSERT INTO approvals(id, app_id, agent_id, api_key_id, grant_id, provider_id, "
      "rule_id, request_json, method, url, reason, caller, caller_type, run_id, "
      "thread_id, tool_call_id, idempotency_key, status, created_at, expires_at, "
      "gates_json, traceparent) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
      "?17, ?18, ?19, ?20, ?21, ?22)");
  s.bind(1, x.id).bind(2, x.app_id).bind_or_null(3, x.agent_id);
  s.bind_or_null(4, x.api_key_id).bind(5, x.grant_id).bind(6, x.provider_id);
  s.bind_or_null(7, x.rule_id)
      .bind(8, x.request_json)
      .bind(9, x.method)
      .bind(10, x.url);
  s.bind(11, x.reason).bind_or_null(12, x.caller).bind_or_null(13, x.caller_type);
  s.bind_or_null(14, x.run_id).bind_or_null(15, x.thread_id);
  s.bind_or_null(16, x.tool_call_id).bind_or_null(17, x.idempotency_key);
  s.bind(18, to_string(x.status)).bind(19, x.created_at).bind(20, x.expires_at);
  s.bind(21, x.gates_json).bind_or_null(22, x.traceparent);
  s.execute();
  lease.commit();
}

std::optional<approval_record> sqlite_approvals::find(std::string_view id) {
  connection_lease lease{scope_, access::read};
  static const std::string sql
      = std::string{"SELECT "} + approval_columns + " FROM approvals WHERE id = ?1";
  auto& s = lease.cached(sql.c_str());
  s.bind(1, id);
  auto out = s.first(read_approval);
  if (out)
    out->result_json
        = lease.open(sealed_column::approval_result, {out->id}, out->result_json);
  return out;
}

std::vector<approval_record> sqlite_approvals::pending_of_app(std::string_view app_id,
                                                              std::string_view now,
                                                              std::size_t limit) {
  connection_lease lease{scope_, access::read};
  static const std::string sql = std::string{"SELECT "} + approval_columns
                                 + " FROM approvals WHERE app_id = ?1 AND status = "
                                   "'pending' AND expires_at > ?2 "
                                   "ORDER BY created_at, id LIMIT ?3";
  auto& s = lease.cached(sql.c_str());
  s.bind(1, app_id).bind(2, now).bind(3, static_cast<int64_t>(limit));
  std::vector<approval_record> out;
  while (s.step())
    out.push_back(read_approval(s));
  s.reset();
  return out;
}

bool sqlite_approvals::decide(std::string_view id, approval_state decision,
                              std::string_view decided_by, std::string_view reason,
                              std::string_view now) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("UPDATE approvals SET status = ?2, decided_by = ?3, "
                         "decision_reason = ?4, decided_at = ?5 "
                         "WHERE id = ?1 AND status = 'pending' AND expires_at > ?5");
  s.bind(1, id)
      .bind(2, to_string(decision))
      .bind(3, decided_by)
      .bind(4, reason)
      .bind(5, now);
  s.execute();
  return lease.commit(lease.changes() == 1);
}

bool sqlite_approvals::decide_gate(std::string_view id, std::string_view expected_gates,
                                   std::string_view gates, approval_state status,
                                   std::string_view decided_by, std::string_view reason,
                                   std::string_view now) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached(
      "UPDATE approvals SET gates_json = ?3, status = ?4, "
      "decided_by = CASE WHEN ?4 = 'pending' THEN decided_by ELSE ?5 END, "
      "decision_reason = CASE WHEN ?4 = 'pending' THEN decision_reason ELSE ?6 END, "
      "decided_at = CASE WHEN ?4 = 'pending' THEN decided_at ELSE ?7 END "
      "WHERE id = ?1 AND status = 'pending' AND expires_at > ?7 AND gates_json = ?2");
  s.bind(1, id).bind(2, expected_gates).bind(3, gates).bind(4, to_string(status));
  s.bind(5, decided_by).bind(6, reason).bind(7, now);
  s.execute();
  return lease.commit(lease.changes() == 1);
}

bool sqlite_approvals::expire(std::string_view id, std::string_view now) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("UPDATE approvals SET status = 'expired', decided_at = ?2 "
                         "WHERE id = ?1 AND status = 'pending' AND expires_at <= ?2");
  s.bind(1, id).bind(2, now);
  s.execute();
  return lease.commit(lease.changes() == 1);
}

bool sqlite_approvals::start_execution(std::string_view id) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("UPDATE approvals SET status = 'executing' "
                         "WHERE id = ?1 AND status = 'approved'");
  s.bind(1, id);
  s.execute();
  return lease.commit(lease.changes() == 1);
}

int64_t sqlite_approvals::fail_interrupted(std::string_view result_json,
                                           std::string_view now,
                                           std::string_view decided_before) {
  connection_lease lease{scope_, access::write};
  // Row by row: each result is sealed for its own row.
  auto& select = lease.cached(
      "SELECT id FROM approvals WHERE status IN ('approved', 'executing') "
      "AND (COALESCE(?1, '') = '' OR decided_at < ?1)");
  select.bind(1, decided_before);
  std::vector<std::string> ids;
  while (select.step())
    ids.push_back(select.text(0));
  select.reset();
  int64_t failed = 0;
  auto& s = lease.cached("UPDATE approvals SET status = 'failed', result_status = 500, "
                         "result_json = ?2, executed_at = ?3 "
                         "WHERE id = ?1 AND status IN ('approved', 'executing')");
  for (const auto& id : ids) {
    s.bind(1, id)
        .bind_blob(2, lease.seal(sealed_column::approval_result, {id}, result_json))
        .bind(3, now);
    s.execute();
    failed += lease.changes();
  }
  return lease.commit(failed);
}

void sqlite_approvals::finish(std::string_view id, approval_state status,
                              int64_t result_status, std::string_view result_json,
                              std::string_view executed_at) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("UPDATE approvals SET status = ?2, result_status = ?3, "
                         "result_json = ?4, executed_at = ?5 "
                         "WHERE id = ?1 AND status = 'executing'");
  s.bind(1, id).bind(2, to_string(status)).bind(3, result_status);
  s.bind_blob(4, lease.seal(sealed_column::approval_result, {id}, result_json));
  s.bind(5, executed_at);
  s.execute();
  lease.commit();
}

void sqlite_approvals::insert_approver(const approver_record& x) {
  connection_lease lease{scope_, access::write};
  auto& s
      = lease.cached("INSERT INTO approvers(id, app_id, name, token_hash, created_at) "
                     "VALUES(?1, ?2, ?3, ?4, ?5)");
  s.bind(1, x.id).bind(2, x.app_id).bind(3, x.name).bind(4, x.token_hash);
  s.bind(5, x.created_at);
  s.execute();
  lease.commit();
}

std::vector<approver_record> sqlite_approvals::approvers_of(std::string_view app_id,
                                                            std::size_t limit) {
  connection_lease lease{scope_, access::read};
  auto& s
      = lease.cached("SELECT id, app_id, name, token_hash, created_at FROM approvers "
                     "WHERE app_id = ?1 ORDER BY created_at, id LIMIT ?2");
  s.bind(1, app_id).bind(2, static_cast<int64_t>(limit));
  std::vector<approver_record> out;
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)});
  s.reset();
  return out;
}

std::optional<approver_record>
sqlite_approvals::find_approver_by_token_hash(std::string_view hash) {
  connection_lease lease{scope_, access::read};
  auto& s
      = lease.cached("SELECT id, app_id, name, token_hash, created_at FROM approvers "
                     "WHERE token_hash = ?1");
  s.bind(1, hash);
  return s.first([](const statement& row) {
    return approver_record{row.text(0), row.text(1), row.text(2), row.text(3),
                           row.text(4)};
  });
}

void sqlite_approvals::insert_approver_session(std::string_view session_hash,
                                               std::string_view approver_id,
                                               std::string_view csrf,
                                               std::string_view expires_at) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("INSERT INTO approver_sessions(session_hash, approver_id, "
                         "csrf_token, expires_at) VALUES(?1, ?2, ?3, ?4)");
  s.bind(1, session_hash).bind(2, approver_id);
  s.bind_blob(3, lease.seal(sealed_column::approver_csrf, {session_hash}, csrf));
  s.bind(4, expires_at);
  s.execute();
  lease.commit();
}

std::optional<approver_session>
sqlite_approvals::find_approver_session(std::string_view session_hash,
                                        std::string_view now) {
  connection_lease lease{scope_, access::read};
  auto& s = lease.cached(
      "SELECT a.id, a.app_id, a.name, s.csrf_token, s.expires_at "
      "FROM approver_sessions s JOIN approvers a ON a.id = s.approver_id "
      "WHERE s.session_hash = ?1 AND s.expires_at > ?2");
  s.bind(1, session_hash).bind(2, now);
  auto out = s.first([](const statement& row) {
    return approver_session{row.text(0), row.text(1), row.text(2), row.blob(3),
                            row.text(4)};
  });
  if (out)
    out->csrf_token
        = lease.open(sealed_column::approver_csrf, {session_hash}, out->csrf_token);
  return out;
}

bool sqlite_approvals::delete_approver_session(std::string_view session_hash) {
  connection_lease lease{scope_, access::write};
  auto& s = lease.cached("DELETE FROM approver_sessions WHERE session_hash = ?1");
  s.bind(1, session_hash);
  s.execute();
  return lease.commit(lease.changes() == 1);
}

} // namespace alter::backend
