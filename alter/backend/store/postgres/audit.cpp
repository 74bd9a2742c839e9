// The PostgreSQL store's audit trail.
#include "alter/backend/store/postgres/repositories.hpp"
#include "alter/backend/store/postgres/rows.hpp"
#include "alter/backend/store/sqlite/sealed_columns.hpp"
#include "alter/backend/store/store.hpp"

namespace alter::backend {

namespace {

/// The advisory lock key of audit appends ("audit" in ASCII).
constexpr int64_t audit_order_lock = 0x6175646974;

constexpr const char* audit_columns
    = "created_at, request_id, action, outcome, app_id, agent_id, api_key_id, "
      "caller_key_prefix, caller, caller_type, grant_id, provider_id, method, url, "
      "status_code, error_code, reason, context_json, run_id, thread_id, "
      "tool_call_id, latency_ms, principal_type, grant_kind, approval_id, "
      "request_headers_json, request_body, body_truncated, decided_by, id, trace_json, "
      "traceparent";

audit_record read_audit(const pg_row& s) {
  audit_record x;
  x.created_at = s.text(0);
  x.request_id = s.text(1);
  x.action = s.text(2);
  x.outcome = stored_name(s.text(3), audit_outcome::error);
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
  x.request_body = s.bytes(26);
  x.body_truncated = s.integer(27) != 0;
  x.decided_by = s.text(28);
  x.trace_json = s.text(30);
  x.traceparent = s.text(31);
  x.sequence = s.integer(29);
  return x;
}

} // namespace

void pg_audit::append(const audit_record& x, audit_append_key) {
  pg_lease lease{scope_};
  // Rows are numbered in the order they commit, as the trail's pages need
  // (a reader paging by number must never pass a row that commits later
  // with a smaller number): appends take this lock until their transaction
  // ends, so numbering and committing happen in one order.
  lease.atomically([&] {
    lease.query("SELECT pg_advisory_xact_lock($1)").bind(1, audit_order_lock).run();
    auto s = lease.query(
        "INSERT INTO audit_log(created_at, request_id, action, outcome, app_id, "
        "agent_id, api_key_id, caller_key_prefix, caller, caller_type, grant_id, "
        "provider_id, method, url, status_code, error_code, reason, context_json, "
        "run_id, thread_id, tool_call_id, latency_ms, principal_type, grant_kind, "
        "approval_id, request_headers_json, request_body, body_truncated, decided_by, "
        "trace_json, traceparent) "
        "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
        "$17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)");
    s.bind(1, x.created_at)
        .bind(2, x.request_id)
        .bind(3, x.action)
        .bind(4, to_string(x.outcome));
    s.bind_or_null(5, x.app_id)
        .bind_or_null(6, x.agent_id)
        .bind_or_null(7, x.api_key_id);
    s.bind_or_null(8, x.caller_key_prefix).bind_or_null(9, x.caller);
    s.bind_or_null(10, x.caller_type).bind_or_null(11, x.grant_id);
    s.bind_or_null(12, x.provider_id)
        .bind_or_null(13, x.method)
        .bind_or_null(14, x.url);
    s.bind(15, x.status_code).bind_or_null(16, x.error_code).bind_or_null(17, x.reason);
    s.bind(18, x.context_json).bind_or_null(19, x.run_id).bind_or_null(20, x.thread_id);
    s.bind_or_null(21, x.tool_call_id).bind(22, x.latency_ms);
    s.bind_or_null(23, x.principal_type).bind_or_null(24, x.grant_kind);
    s.bind_or_null(25, x.approval_id).bind_or_null(26, x.request_headers_json);
    // Bytes as the caller sent them (cut at a cap, maybe mid-character): BYTEA.
    s.bind_blob(27, x.request_body).bind(28, int64_t{x.body_truncated ? 1 : 0});
    s.bind_or_null(29, x.decided_by).bind_or_null(30, x.trace_json);
    s.bind_or_null(31, x.traceparent);
    s.run();
  });
}

std::vector<audit_record> pg_audit::rows(int64_t limit) {
  pg_lease lease{scope_};
  static const std::string sql
      = std::string{"SELECT "} + audit_columns + " FROM audit_log ORDER BY id LIMIT $1";
  auto s = lease.query(sql.c_str());
  s.bind(1, limit);
  return s.all(read_audit);
}

std::vector<audit_record> pg_audit::page(std::string_view app_id,
                                         std::string_view after_created_at,
                                         int64_t after_sequence, int64_t limit) {
  pg_lease lease{scope_};
  static const std::string sql
      = std::string{"SELECT "} + audit_columns
        + " FROM audit_log WHERE app_id = $1 AND (CASE WHEN $3 > 0 THEN id > $3 "
          "ELSE created_at > $2 END) ORDER BY id LIMIT $4";
  auto s = lease.query(sql.c_str());
  s.bind(1, app_id).bind(2, after_created_at).bind(3, after_sequence).bind(4, limit);
  return s.all(read_audit);
}

} // namespace alter::backend
