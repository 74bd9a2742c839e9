// The audit trail as the query endpoint returns it: one entry per credential use,
// denial and approval decision, paged by a created_at cursor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"

#include "alter/messages/field.hpp"

namespace alter {

struct audit_entry {
  std::string created_at;
  std::string request_id;
  /// token.retrieved, proxy.executed, proxy.replayed, provider_call.reported,
  /// approval.requested, approval.approved, approval.denied, approval.expired.
  std::string action;
  /// success, denied, error or pending.
  std::string outcome;
  std::string app_id;
  std::string agent_id;
  std::string api_key_id;
  std::string caller_key_prefix;
  std::string caller;
  std::string caller_type;
  std::string grant_id;
  std::string provider_id;
  std::string principal_type;
  std::string grant_kind;
  std::string method;
  std::string url;
  int64_t status_code = 0;
  std::string error_code;
  std::string reason;
  field_list context;
  std::string run_id;
  std::string thread_id;
  std::string tool_call_id;
  int64_t latency_ms = 0;
  std::string approval_id;
  std::string decided_by;
  field_list request_headers;
  std::string request_body;
  bool body_truncated = false;
  /// The extra fields of the call's trace scope.
  field_list trace;
  /// The call's W3C traceparent, as the provider received it.
  std::string traceparent;
};

struct audit_page {
  std::vector<audit_entry> rows;
  /// Pass as `after` for the next page. The last page repeats the cursor it was
  /// asked with: stop when `rows` comes back empty.
  std::string next_cursor;
};

/// Query of the audit trail: rows after `after` (a cursor or a created_at).
struct audit_query {
  std::string after;
  int64_t limit = 100;
};

/// What the SDK reports after a retrieve-mode provider call (it made the call
/// itself, so only it knows how it ended).
struct provider_call_report {
  std::string grant_id;
  std::string method;
  std::string url;
  int64_t status_code = 0;
  /// The SDK's error code when the call failed before an HTTP status.
  std::string error_code;
  int64_t latency_ms = 0;
  std::string reason;
  std::string run_id;
  std::string thread_id;
  std::string tool_call_id;
  /// The traceparent the SDK sent with the call.
  std::string traceparent;
};

/// POST /v1/audit/events.
struct provider_call_reports {
  std::vector<provider_call_report> events;
};

bool operator==(const provider_call_report& a, const provider_call_report& b) noexcept;
bool operator==(const provider_call_reports& a,
                const provider_call_reports& b) noexcept;
bool operator==(const audit_entry& a, const audit_entry& b) noexcept;
bool operator==(const audit_page& a, const audit_page& b) noexcept;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, audit_entry& x) {
  return f(caf::meta::type_name("audit_entry"), x.created_at, x.request_id, x.action,
           x.outcome, x.app_id, x.agent_id, x.api_key_id, x.caller_key_prefix, x.caller,
           x.caller_type, x.grant_id, x.provider_id, x.principal_type, x.grant_kind,
           x.method, x.url, x.status_code, x.error_code, x.reason, x.context, x.run_id,
           x.thread_id, x.tool_call_id, x.latency_ms, x.approval_id, x.decided_by,
           x.trace, x.request_headers, x.request_body, x.body_truncated, x.traceparent);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, audit_page& x) {
  return f(caf::meta::type_name("audit_page"), x.rows, x.next_cursor);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, provider_call_report& x) {
  return f(caf::meta::type_name("provider_call_report"), x.grant_id, x.method, x.url,
           x.status_code, x.error_code, x.latency_ms, x.reason, x.run_id, x.thread_id,
           x.tool_call_id, x.traceparent);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, audit_query& x) {
  return f(caf::meta::type_name("audit_query"), x.after, x.limit);
}

} // namespace alter
