#include "backend/audit_trail.hpp"

#include "auth/request_signing.hpp"

namespace alter::backend {

namespace {

std::string header_value(const api_call& call, std::string_view name) {
  const auto* v = find_field(call.request.headers, name);
  return v ? *v : std::string{};
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
  row.caller = id.caller;
  row.caller_type = id.caller_type;
  row.run_id = header_value(call, header::run_id);
  row.thread_id = header_value(call, header::thread_id);
  row.tool_call_id = header_value(call, header::tool_call_id);
  row.latency_ms = call.elapsed_ms();
  return row;
}

bool write_audit(store& db, const audit_record& row) {
  try {
    db.append_audit(row);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace alter::backend
