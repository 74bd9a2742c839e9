#include "actors/backend_exchange.hpp"

#include <chrono>

#include "auth/crypto.hpp"
#include "auth/request_signing.hpp"
#include "messages/agent_info.hpp"
#include "messages/approvals.hpp"
#include "messages/audit_log.hpp"
#include "messages/grants.hpp"
#include "messages/json_codec.hpp"
#include "messages/proxy_outcome.hpp"
#include "messages/token_response.hpp"

namespace alter {

http_request make_backend_request(const client_settings& settings, backend_call call) {
  http_request req;
  req.method = std::move(call.method);
  req.target = settings.base_path + call.path;
  req.body = std::move(call.body);
  req.timeout_ms = call.timeout.count();
  req.headers.reserve(10);
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
  if (!settings.constraints_header.empty())
    req.headers.push_back(
        {std::string{header::constraints}, settings.constraints_header});
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

alter_error backend_error_of(const http_response& reply) {
  auto e = parse_error_envelope(reply.status, reply.body);
  if (const auto* rid = find_field(reply.headers, header::request_id);
      rid && e.request_id.empty())
    e.request_id = *rid;
  if (const auto* ra = find_field(reply.headers, "retry-after")) {
    char* end = nullptr;
    auto seconds = std::strtod(ra->c_str(), &end);
    if (end != ra->c_str() && seconds >= 0 && seconds < 1e9)
      e.retry_after_ms = static_cast<int64_t>(seconds * 1000);
  }
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

template caf::expected<token_response>
read_backend_reply<token_response>(const http_response&, int);
template caf::expected<proxy_result>
read_backend_reply<proxy_result>(const http_response&, int);
template caf::expected<pending_approval>
read_backend_reply<pending_approval>(const http_response&, int);
template caf::expected<grant_list> read_backend_reply<grant_list>(const http_response&,
                                                                  int);
template caf::expected<agent_info> read_backend_reply<agent_info>(const http_response&,
                                                                  int);
template caf::expected<approval_status>
read_backend_reply<approval_status>(const http_response&, int);
template caf::expected<audit_page> read_backend_reply<audit_page>(const http_response&,
                                                                  int);

} // namespace alter
