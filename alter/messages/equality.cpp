// Member-wise equality of the models (tests and the CAF test DSL compare values).
#include <tuple>

#include "alter/messages/agent_info.hpp"
#include "alter/messages/approvals.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/grants.hpp"
#include "alter/messages/http_message.hpp"
#include "alter/messages/provider_call.hpp"
#include "alter/messages/proxy_outcome.hpp"
#include "alter/messages/retry_info.hpp"
#include "alter/messages/token_response.hpp"
#include "alter/messages/wire_requests.hpp"

namespace alter {

#define ALTER_EQ(type, ...)                                                            \
  bool operator==(const type& a, const type& b) noexcept {                             \
    auto tie = [](const type& x) {                                                     \
      (void) x;                                                                        \
      return std::tie(__VA_ARGS__);                                                    \
    };                                                                                 \
    return tie(a) == tie(b);                                                           \
  }

ALTER_EQ(provider_call, x.method, x.url, x.grant_id, x.provider, x.account, x.label,
         x.json, x.body, x.headers, x.query_params, x.path_params, x.reason, x.context,
         x.user_token, x.timeout)
ALTER_EQ(http_request, x.method, x.target, x.headers, x.body, x.timeout_ms)
ALTER_EQ(retry_error_info, x.status, x.code, x.delay_ms)
ALTER_EQ(retry_info, x.attempts, x.total_delay_ms, x.errors)
ALTER_EQ(http_response, x.status, x.headers, x.body, x.retries)
ALTER_EQ(injection, x.target, x.key, x.value_source)
ALTER_EQ(token_response, x.access_token, x.token_type, x.expires_in, x.expires_at,
         x.scopes, x.grant_id, x.provider_id, x.scope_mismatch, x.missing_scopes,
         x.injection_header, x.injection_format, x.additional_credentials,
         x.additional_injections)
ALTER_EQ(proxy_result, x.approval_id, x.status_code, x.headers, x.body_b64,
         x.body_truncated)
ALTER_EQ(approval_gate, x.approval_url, x.approvers, x.status, x.rule_id)
ALTER_EQ(approval_status, x.approval_id, x.status, x.expires_at, x.decided_at,
         x.decision_reason, x.executed_at, x.has_result, x.gates)
ALTER_EQ(audit_entry, x.created_at, x.request_id, x.action, x.outcome, x.app_id,
         x.agent_id, x.api_key_id, x.caller_key_prefix, x.caller, x.caller_type,
         x.grant_id, x.provider_id, x.principal_type, x.grant_kind, x.method, x.url,
         x.status_code, x.error_code, x.reason, x.context, x.run_id, x.thread_id,
         x.tool_call_id, x.latency_ms, x.approval_id, x.decided_by, x.request_headers,
         x.request_body, x.body_truncated, x.trace, x.traceparent)
ALTER_EQ(audit_page, x.rows, x.next_cursor)
ALTER_EQ(provider_call_report, x.grant_id, x.method, x.url, x.status_code, x.error_code,
         x.latency_ms, x.reason, x.run_id, x.thread_id, x.tool_call_id, x.traceparent)
ALTER_EQ(provider_call_reports, x.events)
ALTER_EQ(pending_approval, x.approval_id, x.approval_url, x.expires_at, x.gates)
ALTER_EQ(proxy_outcome, x.pending, x.result, x.approval, x.retries)
ALTER_EQ(grant_item, x.grant_kind, x.grant_id, x.provider_id, x.scopes, x.status,
         x.principal_type, x.created_at, x.last_used_at, x.expires_at, x.label,
         x.account_identifier, x.account_display_name, x.scope_mismatch,
         x.delegated_agent_ids, x.managed_secret_id, x.managed_secret_slug,
         x.managed_secret_name, x.agent_id)
ALTER_EQ(grant_list, x.grants, x.total, x.limit, x.offset, x.has_more, x.retries)
ALTER_EQ(grant_query, x.provider_id, x.limit, x.offset)
ALTER_EQ(agent_info, x.id, x.app_id, x.name, x.display_name, x.type, x.status,
         x.created_at, x.metadata, x.scopes, x.policy, x.retries)
ALTER_EQ(grant_selector, x.grant_id, x.provider, x.account, x.label)
ALTER_EQ(token_request, x.grant, x.reason, x.context)
ALTER_EQ(proxy_request, x.grant, x.method, x.url, x.headers, x.body_b64, x.reason,
         x.context)

#undef ALTER_EQ

} // namespace alter
