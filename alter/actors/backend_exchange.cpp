#include "alter/actors/backend_exchange.hpp"

#include <chrono>

#include "alter/auth/crypto.hpp"
#include "alter/auth/request_signing.hpp"
#include "alter/messages/agent_info.hpp"
#include "alter/messages/agents.hpp"
#include "alter/messages/approvals.hpp"
#include "alter/messages/audit_log.hpp"
#include "alter/messages/catalogs.hpp"
#include "alter/messages/connect.hpp"
#include "alter/messages/grant_admin.hpp"
#include "alter/messages/grants.hpp"
#include "alter/messages/identity.hpp"
#include "alter/messages/json_codec.hpp"
#include "alter/messages/keys.hpp"
#include "alter/messages/proxy_outcome.hpp"
#include "alter/messages/retry_after.hpp"
#include "alter/messages/token_response.hpp"
#include "alter/messages/traceparent.hpp"

namespace alter {

http_request make_backend_request(const client_settings& settings, backend_call call) {
  http_request req;
  req.method = std::move(call.method);
  req.target = settings.base_path + call.path;
  req.body = std::move(call.body);
  req.timeout_ms = call.timeout.count();
  req.headers.reserve(14);
  req.headers.push_back({"Accept", "application/json"});
  if (!req.body.empty())
    req.headers.push_back({"Content-Type", "application/json"});
  if (!settings.caller.empty())
    req.headers.push_back({std::string{header::caller}, settings.caller});
  req.headers.push_back(
      {std::string{header::caller_type}, std::string{to_string(settings.type)}});
  if (!call.user_token.empty())
    req.headers.push_back(
        {std::string{header::user_token}, std::move(call.user_token)});
  if (!call.delegation_token.empty())
    req.headers.push_back(
        {std::string{header::delegation_token}, std::move(call.delegation_token)});
  if (!settings.constraints_header.empty())
    req.headers.push_back(
        {std::string{header::constraints}, settings.constraints_header});
  auto add_if = [&](std::string_view name, const std::string& value) {
    if (!value.empty())
      req.headers.push_back({std::string{name}, value});
  };
  add_if(header::run_id, settings.trace.run_id);
  add_if(header::thread_id, settings.trace.thread_id);
  add_if(header::tool_call_id, settings.trace.tool_call_id);
  add_if(header::trace, settings.trace_header);
  add_if(header::traceparent, call.traceparent);
  if (!call.idempotency_key.empty())
    req.headers.push_back(
        {std::string{header::idempotency_key}, std::move(call.idempotency_key)});
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  sign_request(req, settings.api_key, settings.signing_key, now,
               crypto::random_hex(16));
  return req;
}

std::string traceparent_for(const client_settings& settings) {
  if (!settings.trace.traceparent.empty())
    return settings.trace.traceparent;
  return fresh_traceparent(crypto::random_hex);
}

alter_error backend_error_of(const http_response& reply) {
  auto e = parse_error_envelope(reply.status, reply.body);
  if (const auto* rid = find_field(reply.headers, header::request_id);
      rid && e.request_id.empty())
    e.request_id = *rid;
  if (const auto* ra = find_field(reply.headers, "retry-after"))
    e.retry_after_ms = retry_after_ms_of(*ra);
  return e;
}

template <class T>
caf::expected<T> read_backend_reply(const http_response& reply, int expected_status) {
  if (reply.status != expected_status) {
    auto e = backend_error_of(reply);
    e.retries = reply.retries;
    return to_caf_error(std::move(e));
  }
  auto value = from_json<T>(reply.body);
  if (!value) {
    auto e = from_caf_error(value.error());
    e.code = error_code::malformed_response;
    e.message = "the backend's reply is unreadable: " + e.message;
    e.http_status = reply.status;
    return to_caf_error(std::move(e));
  }
  return value;
}

#define ALTER_READ_REPLY(type)                                                         \
  template caf::expected<type> read_backend_reply<type>(const http_response&, int);

ALTER_READ_REPLY(token_response)
ALTER_READ_REPLY(proxy_result)
ALTER_READ_REPLY(pending_approval)
ALTER_READ_REPLY(grant_list)
ALTER_READ_REPLY(agent_info)
ALTER_READ_REPLY(approval_status)
ALTER_READ_REPLY(audit_page)
ALTER_READ_REPLY(agent_created)
ALTER_READ_REPLY(agent_list)
ALTER_READ_REPLY(key_info)
ALTER_READ_REPLY(minted_key)
ALTER_READ_REPLY(key_list)
ALTER_READ_REPLY(created_grant)
ALTER_READ_REPLY(revoked_grant)
ALTER_READ_REPLY(revoked_delegation)
ALTER_READ_REPLY(connect_session)
ALTER_READ_REPLY(connect_status)
ALTER_READ_REPLY(auth_session)
ALTER_READ_REPLY(auth_status)
ALTER_READ_REPLY(verified_user)
ALTER_READ_REPLY(identity_context)
ALTER_READ_REPLY(scope_catalog)
ALTER_READ_REPLY(provider_catalog)

#undef ALTER_READ_REPLY

} // namespace alter
