#include "alter/backend/audit/audit_trail.hpp"

#include <cctype>
#include <string_view>

#include <boost/json.hpp>

#include "alter/auth/request_signing.hpp"
#include "alter/messages/base64.hpp"
#include "alter/messages/utf8.hpp"

namespace alter::backend {

namespace {

/// Attribution as the row keeps it: the router refuses malformed values, and the
/// row is repaired anyway so that no writer can store bytes a reader chokes on.
std::string header_value(const api_call& call, std::string_view name) {
  const auto* v = find_field(call.request.headers, name);
  return v ? to_valid_utf8(*v) : std::string{};
}

} // namespace

audit_record audit_row(const api_call& call, std::string action) {
  audit_record row;
  row.created_at = now_iso8601();
  row.request_id = call.request_id;
  row.action = std::move(action);
  const auto& id = call.identity;
  row.app_id = id.app_id();
  row.agent_id = id.agent ? id.agent->id : std::string{};
  row.api_key_id = id.key.id;
  row.caller_key_prefix = id.key.key_prefix;
  row.caller = to_valid_utf8(id.caller);
  row.caller_type = to_valid_utf8(id.caller_type);
  row.run_id = header_value(call, header::run_id);
  row.thread_id = header_value(call, header::thread_id);
  row.tool_call_id = header_value(call, header::tool_call_id);
  row.trace_json = call.trace_json;
  row.traceparent = call.traceparent;
  row.latency_ms = call.elapsed_ms();
  return row;
}

namespace {

/// Query parameter names that carry credentials by convention (sim-query style
/// injection, OAuth codes, pre-signed URLs); compared case-insensitively.
bool is_sensitive_parameter(std::string_view name) {
  static constexpr std::string_view markers[]
      = {"token", "key",  "secret", "password",   "passwd", "signature",
         "sig",   "code", "auth",   "credential", "session"};
  std::string lower{name};
  for (auto& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto m : markers)
    if (lower.find(m) != std::string::npos)
      return true;
  return false;
}

} // namespace

void record_grant(audit_record& row, const grant_record& grant) {
  row.grant_id = grant.id;
  row.provider_id = grant.provider_id;
  row.principal_type = to_string(grant.principal_type);
  row.grant_kind = to_string(grant.grant_kind);
}

void record_proxy_request(audit_record& row, const proxy_request& req) {
  constexpr std::size_t body_cap = std::size_t{10} * 1024;
  row.method = req.method;
  row.url = req.url.substr(0, 2048);
  boost::json::object headers;
  for (const auto& h : req.headers)
    headers[h.name] = is_sensitive_parameter(h.name) || iequals(h.name, "cookie")
                          ? std::string{"[redacted]"}
                          : h.value;
  row.request_headers_json = boost::json::serialize(headers);
  auto body = base64_decode(req.body_b64).value_or(std::string{});
  row.body_truncated = body.size() > body_cap;
  if (row.body_truncated)
    body.resize(body_cap);
  row.request_body = std::move(body);
}

std::string redact_url(std::string_view url) {
  auto q = url.find('?');
  if (q == std::string_view::npos)
    return std::string{url};
  std::string out{url.substr(0, q + 1)};
  auto query = url.substr(q + 1);
  auto hash = query.find('#');
  if (hash != std::string_view::npos)
    query = query.substr(0, hash);
  bool first = true;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (!first)
      out += '&';
    first = false;
    auto eq = pair.find('=');
    auto name = pair.substr(0, eq);
    if (eq != std::string_view::npos && is_sensitive_parameter(name)) {
      out.append(name);
      out += "=[redacted]";
    } else {
      out.append(pair);
    }
  }
  return out;
}

/// The one writer of audit rows: it redacts, then appends; throws when the
/// store refuses the row.
struct audit_writer {
  static void append(repositories& db, const audit_record& row) {
    if (row.url.find('?') == std::string::npos)
      return db.audit().append(row, audit_append_key{});
    auto redacted = row;
    redacted.url = redact_url(row.url);
    db.audit().append(redacted, audit_append_key{});
  }
};

bool write_audit(repositories& db, const audit_record& row) {
  try {
    audit_writer::append(db, row);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void append_admin_audit(repositories& db, audit_record row,
                        const std::string& target_id) {
  row.outcome = audit_outcome::success;
  row.status_code = 200;
  row.url = target_id;
  audit_writer::append(db, row);
}

} // namespace alter::backend
